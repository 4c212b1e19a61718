"""How many models each gateway serves: the one rule for an *active* model, and the grouped counts
that the catalog envelope, the health dashboard, the metrics, the admin and `check_gateways` read.

A stored row is active while its gateway's last published list had it (`AIModel.is_active`; rows
the upstream dropped are kept, inactive, for history). Nothing else decides it: every count of
"models of a gateway" comes from here, in one grouped query whatever the number of gateways.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Min, Q

from catalog.models import AIModel, MergedModel


def active(prefix: str = "") -> Q:
    """The rule, as a filter; `prefix` reaches it through a relation (`"catalog_models__"`)."""
    return Q(**{f"{prefix}is_active": True})


def active_count(relation: str = "catalog_models") -> Count:
    """An aggregate of a gateway's active models, for annotating a `Gateway` queryset."""
    return Count(relation, filter=active(f"{relation}__"))


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """One gateway's stored models: active and all rows, and the prompt-price range over the active
    ones (USD per token; None when none is priced)."""

    active: int = 0
    total: int = 0
    prompt_price_min: Decimal | None = None
    prompt_price_max: Decimal | None = None


NO_MODELS = ModelFigures()


def model_figures(*, gateway_ids: Iterable[int] | None = None) -> dict[int, ModelFigures]:
    """Per gateway id (all gateways, or those given): its `ModelFigures`. A gateway with no stored
    rows is absent; read it with `.get(pk, NO_MODELS)`."""
    rows = AIModel.objects.all()
    if gateway_ids is not None:
        rows = rows.filter(gateway_id__in=list(gateway_ids))
    grouped = (
        rows.values("gateway_id")
        .order_by("gateway_id")
        .annotate(
            active=Count("pk", filter=active()),
            total=Count("pk"),
            price_min=Min("prompt_price", filter=active()),
            price_max=Max("prompt_price", filter=active()),
        )
    )
    return {row["gateway_id"]: ModelFigures(row["active"], row["total"], row["price_min"], row["price_max"]) for row in grouped}


def active_counts_by_slug() -> dict[str, int]:
    """Active models per gateway slug, for gateways that have any (the catalog envelope)."""
    rows = AIModel.objects.filter(active()).values_list("gateway__slug").annotate(count=Count("pk")).order_by()
    return dict(rows)


def disagreement_counts() -> dict[str, int]:
    """Per gateway slug: the merged entries with a disagreement its offers take part in
    (`catalog.provenance`). Gateways with none are absent. One query over the (few) such entries."""
    counts: dict[str, int] = {}
    for text in MergedModel.objects.filter(has_disagreement=True).values_list("disagreeing_gateways_text", flat=True):
        for slug in filter(None, text.split(",")):
            counts[slug] = counts.get(slug, 0) + 1
    return counts
