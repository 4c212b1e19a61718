"""Prometheus metrics at /metrics (prometheus-client).

Gateway figures are read from the database at scrape time (one query each), so every web process
reports the same truth that the workers recorded: models served, data age, status, consecutive
failures, circuit state, refresh outcomes by error kind and a refresh-duration histogram built from
`RefreshRun` history. Request counts and latencies of the catalog endpoints are counted in the web
process by `CatalogRequestMetrics`. Under several gunicorn workers, `PROMETHEUS_MULTIPROC_DIR` makes
prometheus-client keep each worker's counts in a file there, and a scrape (answered by any one
worker) sums every worker's files with `MultiProcessCollector`; gatewayz_site/gunicorn.conf.py
empties the folder at start and drops a dead worker's live gauges. The gateway series are not
per-process (the collector reads the database), so they are reported once, not summed.

Protected: a staff session, a staff user's DRF token, or `Authorization: Bearer <METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from catalog.counts import NO_MODELS, model_figures
from catalog.freshness import STATUSES, data_age_seconds
from gateways.circuit import circuit_state
from gateways.models import Gateway, RefreshRun
from health.selectors import gateway_status

DURATION_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
CATALOG_PREFIXES = ("/catalog/", "/v1/", "/models")

REQUESTS = Counter("gatewayz_catalog_requests_total", "Catalog API requests.", ["endpoint", "method", "status"], registry=None)
LATENCY = Histogram(
    "gatewayz_catalog_request_duration_seconds",
    "Catalog API request latency.",
    ["endpoint"],
    registry=None,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class GatewayCollector(Collector):
    def collect(self) -> Iterator[object]:
        now = timezone.now()
        gateways = list(Gateway.objects.order_by("slug"))
        figures = model_figures()
        models = GaugeMetricFamily("gatewayz_gateway_models", "Active models served per gateway.", labels=["gateway"])
        age = GaugeMetricFamily(
            "gatewayz_gateway_data_age_seconds", "Age of the gateway's data (absent if never refreshed).", labels=["gateway"]
        )
        failures = GaugeMetricFamily("gatewayz_gateway_consecutive_failures", "Consecutive failed refreshes.", labels=["gateway"])
        circuit = GaugeMetricFamily(
            "gatewayz_gateway_circuit_state", "1 for the circuit's current state.", labels=["gateway", "state"]
        )
        status = GaugeMetricFamily("gatewayz_gateway_status", "1 for the gateway's current status.", labels=["gateway", "status"])
        for gateway in gateways:
            models.add_metric([gateway.slug], figures.get(gateway.pk, NO_MODELS).active)
            seconds = data_age_seconds(gateway, now=now)
            if seconds is not None:
                age.add_metric([gateway.slug], seconds)
            failures.add_metric([gateway.slug], gateway.consecutive_failures)
            current = circuit_state(gateway, now=now)
            for state in Gateway.Circuit.values:
                circuit.add_metric([gateway.slug, state], 1 if state == current else 0)
            current_status = gateway_status(gateway, now=now)
            for name in STATUSES:
                status.add_metric([gateway.slug, name], 1 if name == current_status else 0)
        yield from (models, age, failures, circuit, status)

        outcomes = CounterMetricFamily(
            "gatewayz_refresh_runs", "Refresh runs by outcome and error kind.", labels=["gateway", "outcome", "error_kind"]
        )
        for row in RefreshRun.objects.values("gateway__slug", "outcome", "error_kind").annotate(n=Count("id")).order_by():
            outcomes.add_metric([row["gateway__slug"], row["outcome"], row["error_kind"] or "none"], row["n"])
        yield outcomes

        buckets = {f"le_{i}": Count("id", filter=Q(duration_ms__lte=int(b * 1000))) for i, b in enumerate(DURATION_BUCKETS)}
        histogram = HistogramMetricFamily(
            "gatewayz_refresh_duration_seconds", "Duration of finished refresh runs.", labels=["gateway"]
        )
        rows = (
            RefreshRun.objects.filter(duration_ms__isnull=False)
            .exclude(outcome=RefreshRun.Outcome.SKIPPED)
            .values("gateway__slug")
            .annotate(total=Count("id"), **buckets)
            .order_by("gateway__slug")
        )
        sums = dict(
            RefreshRun.objects.filter(duration_ms__isnull=False)
            .exclude(outcome=RefreshRun.Outcome.SKIPPED)
            .values("gateway__slug")
            .annotate(s=Sum("duration_ms"))
            .values_list("gateway__slug", "s")
        )
        for row in rows:
            series = [(str(b), row[f"le_{i}"]) for i, b in enumerate(DURATION_BUCKETS)] + [("+Inf", row["total"])]
            histogram.add_metric([row["gateway__slug"]], series, (sums.get(row["gateway__slug"]) or 0) / 1000)
        yield histogram


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(GatewayCollector())
    if settings.PROMETHEUS_MULTIPROC_DIR:
        MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)  # REQUESTS and LATENCY of every worker
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    return registry


def _allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    if request.user.is_authenticated and request.user.is_staff:
        return True
    try:
        found = TokenAuthentication().authenticate(request)
    except AuthenticationFailed:
        return False
    return bool(found and found[0].is_staff)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return HttpResponse(status=405)
    if not _allowed(request):
        return HttpResponse(
            "metrics need a staff login, a staff API token or the METRICS_TOKEN bearer token\n",
            status=401,
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


# A request whose WSGI environ has this key set is not a client's: not counted (a worker's
# warm-up, gatewayz_site/warm.py).
UNCOUNTED = "gatewayz.uncounted"


class CatalogRequestMetrics:
    """Counts and times requests to the catalog endpoints (label: the URL route, not the raw path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(CATALOG_PREFIXES) or request.META.get(UNCOUNTED):
            return self.get_response(request)
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        endpoint = match.route if match else "unmatched"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(time.monotonic() - started)
        return response
