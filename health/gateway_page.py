"""One gateway's health page in the admin (`/admin/gateways/gateway/<id>/health/`): its dashboard row
(status, figures, charts), its last runs, its recent failures and its prompt-price range with the
outlier model named. Reads only what the refresh pipeline recorded, like the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from catalog.display import PER_MILLION_TOKENS, usd_per_million
from catalog.price_spread import PricedModel, PriceSpread, prompt_price_spread
from gateways.models import Gateway
from gateways.selectors import recent_failures, recent_runs
from health.selectors import gateway_health_list
from health.views import HISTORY_RUNS, health_rows

LAST_RUNS = 20


@dataclass(frozen=True, slots=True)
class ShownPrice:
    upstream_id: str
    per_million: str | None


@dataclass(frozen=True, slots=True)
class ShownSpread:
    """A `PriceSpread` in USD per 1M tokens, for people."""

    priced: int
    cheapest: ShownPrice
    dearest: ShownPrice
    median: str | None
    outlier: ShownPrice | None


def _shown(model: PricedModel) -> ShownPrice:
    return ShownPrice(model.upstream_id, usd_per_million(model.prompt_price))


def _spread(spread: PriceSpread | None) -> ShownSpread | None:
    if spread is None:
        return None
    return ShownSpread(
        spread.priced,
        _shown(spread.cheapest),
        _shown(spread.dearest),
        usd_per_million(spread.median, places=6),
        _shown(spread.outlier) if spread.outlier else None,
    )


def gateway_page(request: HttpRequest, gateway: Gateway, *, can_change: bool) -> HttpResponse:
    """Staff only: routed by the gateway admin (`health/admin.py`) through `admin_view`."""
    now = timezone.now()
    (row,) = health_rows(gateway_health_list(now=now, gateways=[gateway]), now=now)
    context = {
        **admin.site.each_context(request),
        "title": f"{gateway.name} ({gateway.slug}): health",
        "opts": Gateway._meta,
        "original": gateway,
        "now": now,
        "row": row,
        "runs": recent_runs(gateway_id=gateway.pk, limit=LAST_RUNS),
        "failures": recent_failures(gateway_id=gateway.pk, limit=5),
        "spread": _spread(prompt_price_spread(gateway_id=gateway.pk)),
        "history_runs": HISTORY_RUNS,
        "price_unit": PER_MILLION_TOKENS,
        "can_change": can_change,
    }
    return TemplateResponse(request, "admin/health/gateway_health.html", context)
