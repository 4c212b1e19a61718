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

from catalog.models import AIModel


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


# A model priced this many times the gateway's median (or a median this many times its price) is
# named as the outlier of the range: one such row is usually a unit error or a special product.
OUTLIER_RATIO = 10


@dataclass(frozen=True, slots=True)
class PricedModel:
    upstream_id: str
    prompt_price: Decimal  # USD per token


@dataclass(frozen=True, slots=True)
class PriceSpread:
    """The prompt prices of one gateway's active, priced models: both ends with their models, the
    median, and the end that lies `OUTLIER_RATIO` times or more from the median (or None)."""

    priced: int
    cheapest: PricedModel
    dearest: PricedModel
    median: Decimal
    outlier: PricedModel | None


def prompt_price_spread(*, gateway_id: int) -> PriceSpread | None:
    """One gateway's prompt-price spread (one query over its priced active models), or None when
    none is priced."""
    rows = [
        PricedModel(upstream_id, Decimal(str(price)))
        for upstream_id, price in AIModel.objects.filter(active(), gateway_id=gateway_id, prompt_price__isnull=False)
        .order_by("prompt_price", "upstream_id")
        .values_list("upstream_id", "prompt_price")
    ]
    if not rows:
        return None
    middle = len(rows) // 2
    median = rows[middle].prompt_price if len(rows) % 2 else (rows[middle - 1].prompt_price + rows[middle].prompt_price) / 2
    cheapest, dearest = rows[0], rows[-1]
    high = dearest.prompt_price / median if median else None
    low = median / cheapest.prompt_price if cheapest.prompt_price else None
    outlier = None
    if high is not None and high >= OUTLIER_RATIO and (low is None or high >= low):
        outlier = dearest
    elif low is not None and low >= OUTLIER_RATIO:
        outlier = cheapest
    return PriceSpread(len(rows), cheapest, dearest, median, outlier)
