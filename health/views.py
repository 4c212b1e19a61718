"""Liveness, and the gateway health dashboard (an admin page; also at /health/gateways/dashboard).

The dashboard reads what the refresh pipeline recorded, in a fixed number of queries whatever the
number of gateways (gateways, model figures, run history, latest runs, recent failures). Its
refresh buttons POST here (CSRF-protected by the admin view wrapper), queue through
`gateways.manual` and redirect back with a message: nothing is fetched in the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from catalog.display import PER_MILLION_TOKENS, duration_text, milliseconds_text, usd_per_million
from catalog.freshness import STATUS_MEANINGS, STATUSES
from gateways.admin_reports import report_refresh
from gateways.manual import gateways_request_refresh, refresh_blocker
from gateways.models import Gateway, RefreshRun
from gateways.selectors import latest_runs, pending_reviews, recent_failures, run_history
from health.charts import Sparkline, latency_chart, model_count_chart
from health.selectors import GatewayHealth, gateway_health_list, status_summary

HISTORY_RUNS = 20
ALL = "*"
REFRESH_PERMISSION = "gateways.change_gateway"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


@dataclass(frozen=True, slots=True)
class Card:
    status: str
    count: int
    meaning: str
    selected: bool

    @property
    def label(self) -> str:
        return self.status.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Row:
    health: GatewayHealth
    models_chart: Sparkline
    latency_chart: Sparkline
    latest_run: RefreshRun | None
    refresh_blocker: str | None
    price_min: str | None  # USD per 1M tokens
    price_max: str | None
    review_run_id: int | None = None  # a held run waiting for review (drift guard)

    @property
    def gateway(self) -> Gateway:
        return self.health.gateway

    @property
    def circuit_label(self) -> str:
        return self.health.circuit.replace("_", "-")

    @property
    def age_text(self) -> str:
        return duration_text(self.health.age_seconds)

    @property
    def interval_text(self) -> str:
        return duration_text(self.gateway.refresh_interval_seconds)

    @property
    def stale_text(self) -> str:
        return duration_text(self.gateway.stale_after_seconds)

    @property
    def latency_text(self) -> str:
        return milliseconds_text(self.gateway.last_latency_ms)

    @property
    def waiting(self) -> bool:
        return self.latest_run is not None and self.latest_run.outcome in (RefreshRun.Outcome.QUEUED, RefreshRun.Outcome.RUNNING)


def health_rows(items: list[GatewayHealth], *, now: datetime) -> list[Row]:
    """The dashboard's rows (also the top of a gateway's own health page), in a fixed number of queries."""
    ids = [item.gateway.pk for item in items]
    history = run_history(gateway_ids=ids, limit=HISTORY_RUNS, now=now)
    latest = latest_runs(gateway_ids=ids)
    reviews = pending_reviews(gateway_ids=ids)
    return [
        Row(
            health=item,
            models_chart=model_count_chart(history.get(item.gateway.pk, [])),
            latency_chart=latency_chart(history.get(item.gateway.pk, [])),
            latest_run=latest.get(item.gateway.pk),
            refresh_blocker=refresh_blocker(item.gateway, now=now),
            # Aggregates come from the indexed price column (floating point on SQLite): rounded.
            price_min=usd_per_million(item.prompt_price_min, places=4),
            price_max=usd_per_million(item.prompt_price_max, places=4),
            review_run_id=reviews.get(item.gateway.pk),
        )
        for item in items
    ]


@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """Staff only: wrapped in `admin.site.admin_view` wherever it is routed."""
    if request.method == "POST":
        return _refresh(request)
    now = timezone.now()
    items = gateway_health_list(now=now)
    wanted = request.GET.get("status")
    if wanted not in STATUSES:
        wanted = None
    counts = status_summary(items)
    rows = health_rows([item for item in items if wanted is None or item.status == wanted], now=now)
    context = {
        **admin.site.each_context(request),
        "title": "Gateway health",
        "is_nav_sidebar_enabled": False,  # the table needs the width
        "now": now,
        "cards": [Card(s, counts[s], STATUS_MEANINGS[s], s == wanted) for s in STATUSES],
        "status_filter": wanted,
        "rows": rows,
        "total": len(items),
        "failures": recent_failures(),
        "history_runs": HISTORY_RUNS,
        "price_unit": PER_MILLION_TOKENS,
        "can_refresh": request.user.has_perm(REFRESH_PERMISSION),
    }
    return TemplateResponse(request, "admin/health/dashboard.html", context)


def _refresh(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(REFRESH_PERMISSION):
        raise PermissionDenied("refreshing needs the permission to change gateways")
    target = request.POST.get("gateway", "")
    if target == ALL:
        report_refresh(
            request, gateways_request_refresh(gateways=Gateway.objects.filter(enabled=True), trigger=RefreshRun.Trigger.MANUAL)
        )
    else:
        gateway = Gateway.objects.filter(slug=target).first()
        if gateway is None:
            messages.error(request, f"Unknown gateway {target!r}; nothing was queued.")
        else:
            report_refresh(request, gateways_request_refresh(gateways=[gateway], trigger=RefreshRun.Trigger.MANUAL))
    return HttpResponseRedirect(request.get_full_path())
