"""`GET /catalog/v1/cost`: what a workload costs, cheapest first (ARCHITECTURE.md, "Public
contract"). The calculation is `catalog.cost`, the ranking `catalog.cost_ranking`; this view reads
the query, picks the scope and writes the envelope. Like every list, the answer is cached per
catalog version; without `at` it is priced at the current minute (windows change by the minute),
which is part of the cache key. A past `at` reads the offers and prices of then
(`catalog.point_in_time`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.request import Request

from catalog import point_in_time, selectors
from catalog.cost import WORKLOAD, Workload
from catalog.cost_ranking import CostPage, models_ranked, offers_ranked
from catalog.cost_serializers import CostQuerySerializer, CostResponseSerializer
from catalog.responses import CatalogView, envelope_part, envelope_tail, page_facts
from catalog.serializers import ErrorSerializer
from catalog.views import ERRORS, NOT_MODIFIED, STALE_HEADER, model_filters, model_not_found


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_cost_list",
        summary="What a workload costs at each offer, cheapest first",
        description=(
            "Give the workload's counts (none, or only zeros, costs 0 everywhere). With `model`, that model's offers are ranked; "
            "without it, the models that pass the list filters, each at its cheapest offer. Rows whose offer lacks a "
            "price the workload needs have `complete: false` and `cost_usd: null` and come last. Tiers apply by "
            "prompt size (input + cached input + cache-write tokens), windows at `at` (default now). A past `at` prices "
            "the offers listed then at their prices then."
        ),
        parameters=[CostQuerySerializer, STALE_HEADER],
        responses={
            200: CostResponseSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such model (with `model`)."),
            **NOT_MODIFIED,
            **ERRORS,
        },
        tags=["catalog"],
    )
)
class CostView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(CostQuerySerializer, request, gateways=statuses.keys())
        gateway, offset, limit = params["gateway"], params["offset"], params["limit"]
        model_id = (params.get("model") or "").strip().rstrip("/")
        asked = self.instant(params)  # a 400 before the history begins
        at = asked or timezone.now().replace(second=0, microsecond=0)
        # A past `at`: the offers listed then, with their prices then (`catalog.point_in_time`).
        # (An `at` still to come never is: no query for it.)
        past = asked is not None and asked <= timezone.now() and not point_in_time.answers_today(asked)
        workload = Workload(counts={name: params[name] for name in WORKLOAD if params.get(name)}, at=at)
        filters = model_filters(params, statuses)
        if model_id:
            if past:
                resolved = point_in_time.model_resolve_at(model_id=model_id, gateway=gateway, at=at)
            else:
                resolved = selectors.model_resolve(model_id=model_id, gateway=gateway)
            if resolved is None:
                return self.json(model_not_found(model_id, gateway, param="model", at=at if past else None), status=404)
            # With a gateway named, only its offers are ranked (the detail lists every gateway's).
            offers = [o for o in resolved.offers if gateway == "all" or o["gateway"] == gateway]
            involved = [statuses[slug] for slug in dict.fromkeys(o["gateway"] for o in offers) if slug in statuses]
        else:
            involved = self.involved(statuses, gateway)

        def build(totals: Mapping[str, Any]) -> bytes:
            if model_id:
                page = offers_ranked(model_id=model_id, offers=offers, workload=workload, offset=offset, limit=limit)
            elif past:
                page = point_in_time.models_ranked_at(filters=filters, workload=workload, at=at, offset=offset, limit=limit)
            else:
                page = models_ranked(filters=filters, workload=workload, offset=offset, limit=limit)
            return _body(page, workload=workload, model_id=model_id or None, offset=offset, limit=limit, gateway=gateway)

        parts = ("cost", filters.cache_key_part(), model_id, sorted(workload.counts.items()), at.isoformat(), offset, limit)
        return self.cached(request, parts=parts, involved=involved, build=build, tail=envelope_tail)


def _body(page: CostPage, *, workload: Workload, model_id: str | None, offset: int, limit: int, gateway: str) -> bytes:
    facts = page_facts(total=page.total, returned=len(page.rows), offset=offset, limit=limit, gateway=gateway)
    facts.update(model=model_id, workload=dict(workload.counts), priced_at=workload.at.isoformat())
    return envelope_part(orjson.dumps([row.document() for row in page.rows]), facts)
