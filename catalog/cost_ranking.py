"""Where a workload is cheapest: every offer priced (`catalog.cost`), ranked, paged.

Three scopes, one ranking:

- one model (`model_offers_ranked`): each of its offers, a row per offer;
- the merged catalog (`gateway=all`): each entry that passes the list filters, priced at every
  offer, a row per entry with its cheapest offer;
- one gateway: each of its models that pass the filters, a row per model.

Rows are cheapest first; rows whose cost is unknown (`complete: false`) come last, by id: they
are never ranked as free. Entries read only their offers' prices (`MergedModel.offer_prices_json`,
rendered at publish time), so a ranking over the whole catalog parses no full documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db.models import QuerySet

from catalog.cost import OfferCost, Workload, offer_cost
from catalog.selectors import ModelFilters, ModelPage, model_list

MAX_PAGE = 10**9  # `/v1/models` without a limit: the whole list


@dataclass(frozen=True, slots=True)
class CostRow:
    id: str
    gateway: str
    upstream_id: str
    cost: OfferCost
    offers_priced: int = 1
    pk: int | None = None  # the entry's or row's key, for `sort=cost` pages (not served)
    provider: str | None = None  # the serving provider inside the gateway, for a per-provider offer

    def sort_key(self) -> tuple[Any, ...]:
        return (
            not self.cost.complete,
            self.cost.cost_usd or 0,
            self.id.lower(),
            self.gateway,
            self.upstream_id,
            self.provider or "",
        )

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "gateway": self.gateway,
            "upstream_id": self.upstream_id,
            "provider": self.provider,
            **self.cost.document(),
            "offers_priced": self.offers_priced,
        }


@dataclass(frozen=True, slots=True)
class CostPage:
    total: int
    rows: list[CostRow]


def _cheapest(pk: int | None, model_id: str, offers: Sequence[Sequence[Any]], workload: Workload) -> CostRow | None:
    """The entry's row: its cheapest complete offer, else its first offer (highest priority)."""
    rows = [
        CostRow(model_id, gateway, upstream_id, offer_cost(prices, workload, dynamic=dynamic), len(offers), pk, provider)
        # Entries published before per-provider offers have four members (no provider).
        for gateway, upstream_id, dynamic, prices, provider in (offer if len(offer) > 4 else (*offer, None) for offer in offers)
    ]
    return min(rows, key=lambda row: (not row.cost.complete, row.cost.cost_usd or 0)) if rows else None


def _page(rows: Iterable[CostRow], *, offset: int, limit: int) -> CostPage:
    ranked = sorted(rows, key=CostRow.sort_key)
    return CostPage(total=len(ranked), rows=ranked[offset : offset + limit])


def ranked_rows(queryset: QuerySet[Any], *, gateway: str, workload: Workload) -> Iterator[CostRow]:
    """Each entry (`MergedModel`, for `all`) or row (`AIModel`) of `queryset` priced, unranked."""
    queryset = queryset.order_by()
    if gateway == "all":
        entries = queryset.values_list("pk", "model_id", "offer_prices_json").iterator(chunk_size=2000)
        found = (_cheapest(pk, model_id, orjson.loads(offers), workload) for pk, model_id, offers in entries)
        yield from (row for row in found if row is not None)
        return
    rows = queryset.values_list("pk", "upstream_id", "prices", "pricing_dynamic").iterator(chunk_size=2000)
    for pk, upstream_id, prices, dynamic in rows:
        yield CostRow(upstream_id, gateway, upstream_id, offer_cost(prices, workload, dynamic=dynamic), pk=pk)


def document_row(document: Mapping[str, Any], *, gateway: str, workload: Workload) -> CostRow | None:
    """`ranked_rows` for a served document (a merged entry's, for `all`) instead of a stored row."""
    if gateway == "all":
        offers = [
            (o["gateway"], o["id"], o["pricing_dynamic"], o.get("prices") or (), o.get("provider")) for o in document["offers"]
        ]
        return _cheapest(None, document["id"], offers, workload)
    cost = offer_cost(document.get("prices") or (), workload, dynamic=document.get("pricing_dynamic", False))
    return CostRow(document["id"], gateway, document["id"], cost)


def models_ranked(*, filters: ModelFilters, workload: Workload, offset: int, limit: int) -> CostPage:
    """The models that pass `filters`, each at its cheapest offer (one for a gateway's own list)."""
    return _page(ranked_rows(model_list(filters=filters), gateway=filters.gateway, workload=workload), offset=offset, limit=limit)


def cost_sorted_page(*, filters: ModelFilters, workload: Workload, offset: int, limit: int | None, column: str) -> ModelPage:
    """`sort=cost` on the model lists: the stored documents (`column`) of one page, cheapest first."""
    ranked = models_ranked(filters=filters, workload=workload, offset=offset, limit=limit or MAX_PAGE)
    documents = dict(
        model_list(filters=filters).order_by().filter(pk__in=[row.pk for row in ranked.rows]).values_list("pk", column)
    )
    return ModelPage(total=ranked.total, fragments=[documents[row.pk] for row in ranked.rows])


def offers_ranked(*, model_id: str, offers: Sequence[dict[str, Any]], workload: Workload, offset: int, limit: int) -> CostPage:
    """One model's offers (as `catalog.selectors.model_resolve` lists them), each priced."""
    return _page(
        (
            CostRow(
                model_id,
                o["gateway"],
                o["id"],
                offer_cost(o.get("prices") or (), workload, dynamic=o["pricing_dynamic"]),
                provider=o.get("provider"),
            )
            for o in offers
        ),
        offset=offset,
        limit=limit,
    )
