"""One gateway's prompt-price spread, for the admin's gateway page: both ends with their models,
the median, and the outlier that usually means a unit error or a special product. Active rows only
(`catalog.counts.active`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.counts import active
from catalog.models import AIModel

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
