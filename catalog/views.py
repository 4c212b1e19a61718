"""The catalog's REST endpoints (ARCHITECTURE.md, "Public contract" and "The serving path").

Reads only the database, through the response cache: nothing here fetches upstream. What every
endpoint does around its query (validation, freshness, ETag/304, caching, the envelope) is
`catalog.responses`; each view here says what it reads and which members its body has.

List bodies are joined from the JSON each model got at publish time (`public_json` for
`/catalog/v1/models`, `openai_json` for `/v1/models`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework.request import Request

from catalog import atom, cache, cursor, freshness, history, outage, point_in_time, selectors
from catalog.access import error_body
from catalog.consistent import at_one_version
from catalog.cost import WORKLOAD, Workload
from catalog.cost_ranking import cost_sorted_page
from catalog.counts import active_counts_by_slug
from catalog.render import instant_text
from catalog.responses import CatalogView, envelope_part, envelope_tail, fragments_part, now_text, page_facts
from catalog.serializers import (
    ChangeFeedQuerySerializer,
    ChangeListResponseSerializer,
    ChangeQuerySerializer,
    DeprecationQuerySerializer,
    ErrorSerializer,
    GatewayListResponseSerializer,
    ModelDetailQuerySerializer,
    ModelDetailResponseSerializer,
    ModelListQuerySerializer,
    ModelListResponseSerializer,
    NoQuerySerializer,
    OpenAIModelListQuerySerializer,
    OpenAIModelListResponseSerializer,
    OpenAIModelSerializer,
    PriceHistoryQuerySerializer,
    PriceHistoryResponseSerializer,
    ProviderListResponseSerializer,
    RemovedSerializer,
)
from catalog.sources import SourceStatus

# --- models ---------------------------------------------------------------------------------------

LIST_PARAMETERS_NOTE = (
    "Filters combine with AND. For `gateway=all` the entries are the merged models (one per model "
    "across gateways) and price filters and sorts use the lowest price across offers."
)


def _note(gateway: str, involved: list[SourceStatus]) -> str:
    text = outage.STALE_NOTE + " " if outage.served_stale() else ""
    if gateway == "all":
        text += "One entry per model across gateways; pricing is the source gateway's, lowest_pricing the lowest across offers."
    else:
        text += f"The active models of {gateway}."
    text += " Prices are USD per token as decimal strings; null means unknown."
    groups: dict[str, list[str]] = {}
    for status in involved:
        if status.stale:
            groups.setdefault(_stale_label(status), []).append(status.slug)
    return text + "".join(f" {label}: {', '.join(slugs)}." for label, slugs in groups.items())


def _stale_label(status: SourceStatus) -> str:
    """What is true of a gateway whose data is not fresh: whether anything is served, and whether a
    refresh was requested (the same rule as `sources.stale_read`: enabled and configured only)."""
    if not status.enabled:
        why = "switched off, not refreshed"
    elif status.status == freshness.UNCONFIGURED:
        why = "not configured (key or option missing), not refreshed"
    else:
        why = "refresh requested"
    # No live list yet: nothing, or only a fallback or static list, is served (`last_success_at` counts live lists only).
    return f"No live data yet ({why})" if status.last_success_at is None else f"Stale data (served, {why})"


def _cost_parts(filters: selectors.ModelFilters, workload: Workload) -> tuple[Any, ...]:
    return (sorted(workload.counts.items()), workload.at.isoformat()) if filters.sort == "cost" else ()


def model_filters(params: Mapping[str, Any], statuses: Mapping[str, SourceStatus]) -> selectors.ModelFilters:
    """The list filters of a validated query (`ModelFilterQuerySerializer` and, where the endpoint
    takes them, the price filters and the sort)."""
    gateway = params["gateway"]
    return selectors.ModelFilters(
        gateway=gateway,
        gateway_id=statuses[gateway].id if gateway != "all" else None,
        providers=params.get("provider") or (),
        q=params.get("q") or "",
        input_modalities=params.get("input_modalities") or (),
        output_modalities=params.get("output_modalities") or (),
        supported_parameters=params.get("supported_parameters") or (),
        min_context=params.get("min_context"),
        max_prompt_price=params.get("max_prompt_price"),
        max_completion_price=params.get("max_completion_price"),
        free=params.get("free"),
        has_disagreement=params.get("has_disagreement"),
        sort=params.get("sort") or "",
    )


class _ModelListBase(CatalogView):
    query_serializer: type[drf_serializers.Serializer] = ModelListQuerySerializer
    column = "public_json"
    openai = False

    def get(self, request: Request) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(self.query_serializer, request, gateways=statuses.keys())
        filters = model_filters(params, statuses)
        # `sort=cost`: priced at `at`, else at the current minute (windows change by the minute;
        # part of the key).
        at = self.instant(params)
        workload = Workload(
            counts={k: params[k] for k in WORKLOAD if params.get(k)}, at=at or timezone.now().replace(second=0, microsecond=0)
        )
        offset, limit = params["offset"], params["limit"]
        return self.model_page(request, filters=filters, offset=offset, limit=limit, statuses=statuses, workload=workload, at=at)

    def model_page(
        self,
        request: Request,
        *,
        filters: selectors.ModelFilters,
        offset: int,
        limit: int,
        statuses: dict[str, SourceStatus],
        workload: Workload | None = None,
        at: datetime | None = None,
    ) -> HttpResponse:
        gateway = filters.gateway
        involved = self.involved(statuses, gateway)
        workload = workload or Workload(counts={}, at=timezone.now())
        as_of = {"as_of": instant_text(at)} if at else {}

        def build(totals: Mapping[str, Any]) -> bytes:
            # An unfiltered list's total was stored with the version: no COUNT(*) over the catalog.
            known_total = None
            if filters.unfiltered:
                known_total = totals.get("all") if gateway == "all" else totals.get("gateways", {}).get(gateway)
            past = at is not None and not point_in_time.answers_today(at)
            if past and filters.sort == "cost":
                page = point_in_time.cost_page_at(
                    filters=filters, workload=workload, at=at, offset=offset, limit=limit, column=self.column
                )
            elif past:
                page = point_in_time.model_page_at(
                    filters=filters, at=at, offset=offset, limit=limit, column=self.column, total=known_total
                )
            elif filters.sort == "cost":
                page = cost_sorted_page(filters=filters, workload=workload, offset=offset, limit=limit, column=self.column)
            else:
                page = selectors.model_page(filters=filters, offset=offset, limit=limit, column=self.column, total=known_total)
            facts = page_facts(total=page.total, returned=len(page.fragments), offset=offset, limit=limit, gateway=gateway)
            return fragments_part(page.fragments, facts, head=b'{"object":"list","data":' if self.openai else b'{"data":')

        return self.cached(
            request,
            parts=("models", self.column, filters.cache_key_part(), offset, limit, as_of, *_cost_parts(filters, workload)),
            involved=involved,
            build=build,
            tail=lambda: envelope_tail(note=_note(gateway, involved), freshness=self.freshness(involved), **as_of),
            # A clock-free query (no `at`, no cost sort's minute) may be revalidated before DRF.
            statuses=statuses if at is None and filters.sort != "cost" else None,
        )


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid parameter; the message names the valid values."),
    429: OpenApiResponse(ErrorSerializer, description="Too many anonymous requests; see Retry-After."),
}
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified (If-None-Match matched the ETag).")}
UNKNOWN_PARAMETER = OpenApiResponse(ErrorSerializer, description="A query parameter this endpoint does not take.")
# Set on a list page served from the response cache while our database is down (catalog.outage).
STALE_HEADER = OpenApiParameter(
    outage.STALE_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    enum=[outage.STALE_REASON],
    description="Present only when the page is the last copy this server holds because its database is unavailable.",
)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_models_list",
        summary="List, filter, sort and page models",
        description=LIST_PARAMETERS_NOTE,
        parameters=[ModelListQuerySerializer, STALE_HEADER],
        responses={200: ModelListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class ModelListView(_ModelListBase):
    pass


@extend_schema_view(
    get=extend_schema(
        operation_id="openai_models_list",
        summary="OpenAI-compatible model list (also the old catalog API's envelope)",
        description=(
            "The OpenAI list shape (`object`, `data` of models with `object`, `owned_by`, integer `created`) "
            "carrying full catalog models and the paging envelope. Without `limit` the whole list is served. "
            + LIST_PARAMETERS_NOTE
        ),
        parameters=[OpenAIModelListQuerySerializer, STALE_HEADER],
        responses={200: OpenAIModelListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["openai"],
    )
)
class OpenAIModelListView(_ModelListBase):
    query_serializer = OpenAIModelListQuerySerializer
    column = "openai_json"
    openai = True


@extend_schema_view(get=extend_schema(operation_id="openai_models_list_alias", summary="Alias of GET /v1/models"))
class OpenAIModelListAliasView(OpenAIModelListView):
    pass


@extend_schema_view(get=extend_schema(exclude=True))
class OpenAIModelListSlashView(OpenAIModelListView):
    """`/v1/models/` and `/models/`: some clients add the slash. Not in the schema (same operation)."""


def lifecycle_headers(deprecation: Mapping[str, Any] | None) -> dict[str, str]:
    """The headers of a model its upstream deprecated: `Deprecation` (RFC 9745: `@<Unix seconds>`,
    only when the upstream dated the deprecation) and `Sunset` (RFC 8594: an HTTP-date, when it
    stated the end)."""
    headers: dict[str, str] = {}
    for name, field in (("Deprecation", "deprecated_at"), ("Sunset", "sunset_at")):
        stated = (deprecation or {}).get(field)
        if stated:
            seconds = int(datetime.fromisoformat(stated).timestamp())
            headers[name] = f"@{seconds}" if name == "Deprecation" else http_date(seconds)
    return headers


LIFECYCLE_HEADERS = [
    OpenApiParameter(
        "Deprecation",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description="RFC 9745, `@<Unix seconds>`: when the upstream deprecated the model (only when it says).",
    ),
    OpenApiParameter(
        "Sunset",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[200],
        description="RFC 8594, an HTTP-date: when the upstream stops serving the model (only when it says).",
    ),
]
GONE = OpenApiResponse(
    RemovedSerializer,
    description="The model was removed (missing from its gateway's list past the grace period): when, and its successor.",
)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_deprecations_list",
        summary="Models whose upstream announced an end, soonest first",
        description=(
            "The models (merged for `all`) with a `deprecation.sunset_at`, soonest first (ends already past first); "
            "ties by id. Paged like the model list."
        ),
        parameters=[DeprecationQuerySerializer, STALE_HEADER],
        responses={200: ModelListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class DeprecationListView(_ModelListBase):
    def get(self, request: Request) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(DeprecationQuerySerializer, request, gateways=statuses.keys())
        gateway = params["gateway"]
        filters = selectors.ModelFilters(
            gateway=gateway,
            gateway_id=statuses[gateway].id if gateway != "all" else None,
            announced_end=True,
            sort="sunset_at",
        )
        return self.model_page(request, filters=filters, offset=params["offset"], limit=params["limit"], statuses=statuses)


MODEL_ID_PARAMETER = OpenApiParameter(
    "model_id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="A model id (may contain slashes), matched case-insensitively, or a merge key.",
)


def model_not_found(model_id: str, gateway: str, *, param: str = "model_id", at: datetime | None = None) -> dict[str, Any]:
    """The 404 body of a model id that resolves to nothing in `gateway` (at `at`: among the models listed then)."""
    then = f" at {instant_text(at)}" if at else ""
    return error_body(
        f"no model {model_id[:200]!r} in gateway {gateway!r}{then} (looked up by id, case-insensitive, and by merge key); "
        f"search with GET /catalog/v1/models?q=...",
        code="model_not_found",
        type_="not_found_error",
        param=param,
    )


def _resolve(model_id: str, gateway: str, at: datetime | None = None) -> tuple[int, selectors.ResolvedModel | None]:
    """The catalog version and `selectors.model_resolve`'s answer read at it (at `at`: among the
    models listed then), through the response cache (found models only: a miss is not remembered,
    so made-up ids cannot fill the cache)."""
    version, generation = cache.catalog_version(), cache.generation()
    resolved = cache.get(cache.key("resolve", version, generation, gateway, model_id, at))
    if isinstance(resolved, selectors.ResolvedModel):
        return version, resolved

    def read(totals: Mapping[str, Any]) -> selectors.ResolvedModel | None:
        if at is not None and not point_in_time.answers_today(at):
            return point_in_time.model_resolve_at(model_id=model_id, gateway=gateway, at=at)
        return selectors.model_resolve(model_id=model_id, gateway=gateway)

    version, resolved = at_one_version(read)
    if resolved is not None:
        cache.set(cache.key("resolve", version, generation, gateway, model_id, at), resolved, settings.CATALOG_CACHE_SECONDS)
    return version, resolved


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_models_retrieve",
        summary="One model with every offer",
        parameters=[MODEL_ID_PARAMETER, ModelDetailQuerySerializer, *LIFECYCLE_HEADERS],
        responses={
            200: ModelDetailResponseSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such model."),
            410: GONE,
            **NOT_MODIFIED,
            **ERRORS,
        },
        tags=["catalog"],
    )
)
class ModelDetailView(CatalogView):
    # One model by id or merge key: with its offers and their freshness, or (`openai`) the OpenAI
    # model object alone. (No docstring: it would become the operation's description.)
    openai = False

    def get(self, request: Request, model_id: str) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(ModelDetailQuerySerializer, request, gateways=statuses.keys())
        gateway, at = params["gateway"], self.instant(params)
        model_id = model_id.rstrip("/")
        version, resolved = _resolve(model_id, gateway, at)
        if resolved is None:
            removed = selectors.model_removed(model_id=model_id, gateway=gateway)
            if removed is not None and at is None:
                return self.json(self.gone(removed), status=410)
            return self.json(self.not_found(model_id, gateway, at), status=404)
        involved = [statuses[slug] for slug in dict.fromkeys(o["gateway"] for o in resolved.offers) if slug in statuses]
        etag = self.etag(version, self.tag, gateway, model_id, at, involved=involved)
        response = self.uncached(
            request, etag=etag, involved=involved, body=lambda: self.body(resolved, gateway, statuses, involved, at)
        )
        for name, value in lifecycle_headers(orjson.loads(resolved.public_json).get("deprecation")).items():
            response[name] = value
        return response

    @property
    def tag(self) -> str:
        return "openai-detail" if self.openai else "detail"

    def not_found(self, model_id: str, gateway: str, at: datetime | None = None) -> dict[str, Any]:
        body = model_not_found(model_id, gateway, at=at)
        if self.openai:
            body["error"].update(param="model", message=f"The model {model_id[:200]!r} does not exist ({gateway}).")
        return body

    def gone(self, removed: selectors.RemovedModel) -> dict[str, Any]:
        instead = f"; its successor is {removed.successor!r}" if removed.successor else ""
        body = error_body(
            f"the model {removed.model_id[:200]!r} was removed from {removed.gateway!r} "
            f"(missing from its list past the grace period){instead}; search with GET /catalog/v1/models?q=...",
            code="model_removed",
            type_="not_found_error",
            param="model" if self.openai else "model_id",
        )
        body["error"].update(
            gateway=removed.gateway,
            removed_at=removed.removed_at.isoformat().replace("+00:00", "Z") if removed.removed_at else None,
            successor=removed.successor,
        )
        return body

    def body(
        self,
        resolved: selectors.ResolvedModel,
        gateway: str,
        statuses: dict[str, SourceStatus],
        involved: list[SourceStatus],
        at: datetime | None,
    ) -> bytes:
        if self.openai:
            return resolved.openai_json.encode()
        document = orjson.loads(resolved.public_json)
        document["offers"] = [
            {**offer, "freshness": statuses[offer["gateway"]].freshness() if offer["gateway"] in statuses else None}
            for offer in resolved.offers
        ]
        return orjson.dumps(
            {
                "data": document,
                "gateway": gateway,
                "matched_by": resolved.matched_by,
                "freshness": self.freshness(involved),
                **({"as_of": instant_text(at)} if at else {}),
                "timestamp": now_text(),
            }
        )


@extend_schema_view(
    get=extend_schema(
        operation_id="openai_models_retrieve",
        summary="OpenAI-compatible model",
        parameters=[MODEL_ID_PARAMETER, ModelDetailQuerySerializer, *LIFECYCLE_HEADERS],
        responses={
            200: OpenAIModelSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such model."),
            410: GONE,
            **ERRORS,
        },
        tags=["openai"],
    )
)
class OpenAIModelDetailView(ModelDetailView):
    openai = True


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_models_prices",
        summary="Price history of one model: each offer's listing and price spans",
        description=(
            "Every offer of the model (for a slug: that gateway's), with when it was listed and each price "
            "while it held (`valid_from` inclusive, `valid_to` exclusive, null while it holds), oldest first. "
            "`since`/`until` keep the spans overlapping that range; `component` keeps those components."
        ),
        parameters=[MODEL_ID_PARAMETER, PriceHistoryQuerySerializer],
        responses={
            200: PriceHistoryResponseSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such model."),
            **NOT_MODIFIED,
            **ERRORS,
        },
        tags=["catalog"],
    )
)
class ModelPriceHistoryView(ModelDetailView):
    def get(self, request: Request, model_id: str) -> HttpResponse:  # type: ignore[override]
        statuses = self.statuses()
        params = self.params(PriceHistoryQuerySerializer, request, gateways=statuses.keys())
        gateway = params["gateway"]
        model_id = model_id.rstrip("/")

        def read(totals: Mapping[str, Any]) -> dict[str, Any] | None:
            found = selectors.model_offers(model_id=model_id, gateway=gateway)
            if found is None:
                return None
            served_id, offers = found
            spans = history.offer_history(
                pks=[pk for pk, _, _ in offers],
                components=params.get("component") or (),
                since=params.get("since"),
                until=params.get("until"),
            )
            data = [{"gateway": slug, "id": upstream_id, **spans[pk]} for pk, slug, upstream_id in offers]
            return {"id": served_id, "offers": data}

        version, data = at_one_version(read)
        if data is None:
            return self.json(self.not_found(model_id, gateway), status=404)
        query = sorted((k, str(v)) for k, v in params.items())
        etag = self.etag(version, "prices", model_id, query)
        body = {"data": data, "gateway": gateway, "timestamp": now_text()}
        return self.uncached(request, etag=etag, involved=[], body=lambda: orjson.dumps(body))


# --- providers, gateways, changes -----------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_providers_list",
        summary="Providers (model authors) with model counts per gateway",
        parameters=[STALE_HEADER],
        responses={200: ProviderListResponseSerializer, **NOT_MODIFIED, 400: UNKNOWN_PARAMETER, 429: ERRORS[429]},
        tags=["catalog"],
    )
)
class ProviderListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        self.params(NoQuerySerializer, request)

        def build(totals: Mapping[str, Any]) -> bytes:
            providers = selectors.provider_list()
            return envelope_part(orjson.dumps(providers), {"total": len(providers)})

        return self.cached(request, parts=("providers",), involved=[], build=build, tail=envelope_tail)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_gateways_list",
        summary="Gateways: public facts and health status",
        description="Never a key: `configured` says only whether a key is set where the gateway needs one.",
        responses={200: GatewayListResponseSerializer, **NOT_MODIFIED, 400: UNKNOWN_PARAMETER, 429: ERRORS[429]},
        tags=["catalog"],
    )
)
class GatewayListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        self.params(NoQuerySerializer, request)
        statuses = self.statuses()
        counts = active_counts_by_slug()
        data = [
            {
                "slug": status.slug,
                "name": status.name,
                "kind": status.kind,
                "enabled": status.enabled,
                "priority": status.priority,
                "configured": status.configured,
                "status": status.status,
                "stale": status.stale,
                "age_seconds": status.age_seconds,
                "last_success_at": status.last_success_at.isoformat() if status.last_success_at else None,
                "refresh_interval_seconds": status.refresh_interval_seconds,
                "stale_after_seconds": status.stale_after_seconds,
                "missing_grace_seconds": status.missing_grace_seconds,
                "model_count": counts.get(status.slug, 0),
            }
            for status in statuses.values()
        ]
        etag = self.etag(
            cache.catalog_version(),
            "gateways",
            [(g["slug"], g["last_success_at"], g["enabled"], g["configured"], g["model_count"]) for g in data],
            involved=statuses.values(),
        )
        # The statuses are in the ETag, but listing gateways reads no model: nothing to refresh.
        body = {"data": data, "total": len(data), "timestamp": now_text()}
        return self.uncached(request, etag=etag, involved=[], body=lambda: orjson.dumps(body))


CHANGES_DESCRIPTION = (
    "Added, removed, price and context changes recorded at publish time. Without `cursor`: newest first, "
    "paged by `offset`. With `cursor` (the `next_cursor` of an earlier answer; empty for the start): the "
    "changes after it, oldest first in commit order, so a reader that keeps passing `next_cursor` sees "
    "every change once. `since` is inclusive; filters combine with AND."
)


def _change_filters(params: Mapping[str, Any]) -> selectors.ChangeFilters:
    return selectors.ChangeFilters(
        gateway=params["gateway"],
        since=params.get("since"),
        kind=params.get("kind") or "",
        models=params.get("model") or (),
        components=params.get("component") or (),
        min_change_percent=params.get("min_change_percent"),
    )


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_changes_list",
        summary="Recorded model changes: newest first, or by cursor in commit order",
        description=CHANGES_DESCRIPTION,
        parameters=[ChangeQuerySerializer, STALE_HEADER],
        responses={200: ChangeListResponseSerializer, **NOT_MODIFIED, **ERRORS},
        tags=["catalog"],
    )
)
class ChangeListView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(ChangeQuerySerializer, request, gateways=statuses.keys())
        filters, limit = _change_filters(params), params["limit"]
        after = params.get("cursor")  # a position, or None: offset paging

        def build(totals: Mapping[str, Any]) -> bytes:
            if after is None:
                page = selectors.change_page(filters=filters, offset=params["offset"], limit=limit)
                facts = page_facts(
                    total=page.total or 0, returned=len(page.data), offset=params["offset"], limit=limit, gateway=filters.gateway
                )
            else:
                page = selectors.change_cursor_page(filters=filters, after=after, limit=limit, offset=params["offset"])
                facts = {"returned": len(page.data), "limit": limit, "gateway": filters.gateway, "has_more": page.has_more}
            facts["next_cursor"] = cursor.encode(page.next_position)
            return envelope_part(orjson.dumps(page.data), facts)

        query = ("changes", filters.cache_key_part(), after, params["offset"], limit)
        return self.cached(request, parts=query, involved=[], build=build, tail=envelope_tail)


@extend_schema_view(
    get=extend_schema(
        operation_id="catalog_changes_atom",
        summary="Recorded model changes as an Atom feed",
        description="The newest changes (`limit`, default 50) matching the same filters as GET /catalog/v1/changes, "
        "one Atom 1.0 entry each, titled in words.",
        parameters=[ChangeFeedQuerySerializer, STALE_HEADER],
        responses={
            (200, "application/atom+xml"): OpenApiResponse(OpenApiTypes.STR, description="An Atom 1.0 feed (RFC 4287)."),
            **NOT_MODIFIED,
            **ERRORS,
        },
        tags=["catalog"],
    )
)
class ChangeFeedView(CatalogView):
    def get(self, request: Request) -> HttpResponse:
        statuses = self.statuses()
        params = self.params(ChangeFeedQuerySerializer, request, gateways=statuses.keys())
        address = atom.FeedAddress(
            base=request.build_absolute_uri("/").rstrip("/"), filters=_change_filters(params), limit=params["limit"]
        )

        def build(totals: Mapping[str, Any]) -> bytes:
            changes = selectors.change_feed(filters=address.filters, limit=address.limit)
            return atom.feed_document(address=address, changes=changes)

        query = ("changes.atom", address.base, address.filters.cache_key_part(), address.limit)
        return self.cached(request, parts=query, involved=[], build=build, tail=lambda: b"", content_type=atom.CONTENT_TYPE)
