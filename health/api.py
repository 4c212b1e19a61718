"""JSON health (public) and the system endpoints for operators and scripts (staff only).

Public: `GET /health/gateways`, `GET /health/gateways/{slug}`, `GET /readyz`. They read stored data
only (no live probe) and never reveal a key. Upstream error text is shown to staff only.

Staff only (`/cache/...`): a staff user's session (with the CSRF token on POST) or the DRF token of
a staff user (`Authorization: Token <key>`; `manage.py create_api_user NAME --staff` makes one).
Anonymous requests get 401, authenticated non-staff 403. Writes go through `gateways.manual` and
`gateways.scheduling`: a refresh is queued (202 with the id of its queued `RefreshRun`, to poll at
`/cache/runs/{id}`), never run in the request; a clear drops the response cache and marks gateways due, and never
deletes a stored model.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import cache as catalog_cache
from catalog.access import CatalogThrottle
from catalog.counts import NO_MODELS, model_figures
from catalog.models import CatalogVersion
from gateways.leases import lease_held
from gateways.manual import RefreshRequest, gateways_request_refresh
from gateways.models import Gateway, RefreshRun
from gateways.scheduling import NOT_QUEUED_MESSAGE, gateways_mark_due
from health.checks import run_checks
from health.selectors import gateway_health_list, gateway_status, status_summary
from health.serializers import (
    BrokerDownAllSerializer,
    BrokerDownSerializer,
    CacheClearSerializer,
    CacheStatusSerializer,
    CheckSerializer,
    GatewayHealthDetailSerializer,
    GatewayHealthListSerializer,
    NotQueuedSerializer,
    RefreshAllSerializer,
    RefreshQueuedSerializer,
    RefreshRunSerializer,
    SystemErrorSerializer,
    UnknownGatewaySerializer,
)

# Token first: its `WWW-Authenticate: Token` header is what turns "not logged in" into a 401.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]
RECENT_RUNS = 10
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}
NOT_STAFF = {401: SystemErrorSerializer, 403: SystemErrorSerializer}


def _is_staff(request: Request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_staff)


_SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,64}$")


def _gateways_by_slug(slug: str) -> QuerySet[Gateway]:
    """The gateway named `slug`; none for a value that cannot be a slug (a NUL byte would reach
    PostgreSQL as an error rather than a miss)."""
    if not _SLUG.match(slug):
        return Gateway.objects.none()
    return Gateway.objects.filter(slug=slug)


def _unknown_gateway(slug: str) -> Response:
    valid = list(Gateway.objects.order_by("slug").values_list("slug", flat=True))
    return Response(
        {"detail": f"unknown gateway {slug!r}; valid gateways: {', '.join(valid)}", "valid_gateways": valid},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _force(request: Request) -> bool | Response:
    value = request.query_params.get("force", "")
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    return Response({"detail": "force must be true or false"}, status=status.HTTP_400_BAD_REQUEST)


def _queued(request: Request, run: RefreshRun, *, force: bool) -> dict[str, Any]:
    """A queued run as the answer states it, read back after the broker was asked: `failed` (with
    the reason) when the broker could not take it. A run a fast worker already took stays `queued`
    here: the answer is about queueing, `run_url` tells the rest."""
    run.refresh_from_db(fields=["outcome", "error_message"])
    answer = {
        "gateway": run.gateway.slug,
        "run_id": run.pk,
        "run_url": request.build_absolute_uri(reverse("cache-run", args=[run.pk])),
        "status": RefreshRun.Outcome.QUEUED,
        "force": force,
    }
    if run.outcome == RefreshRun.Outcome.FAILED and run.error_message.startswith(NOT_QUEUED_MESSAGE):
        answer.update(status=RefreshRun.Outcome.FAILED, error=run.error_message)
    return answer


# The broker is down: the next scheduler tick queues the refresh (the gateway is marked requested).
BROKER_RETRY_AFTER_SECONDS = 60


def _broker_down(answer: dict[str, Any], detail: str) -> Response:
    return Response(
        {"detail": detail, **answer},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(BROKER_RETRY_AFTER_SECONDS)},
    )


FORCE_PARAMETER = OpenApiParameter(
    "force",
    {"type": "string", "enum": sorted(TRUE | FALSE)},  # exactly what `_force` reads
    description="Accept a list that shrank past the publish guard (`max_shrink_fraction`). Default false.",
)


# --- public health ------------------------------------------------------------------------------


class GatewayHealthListView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [CatalogThrottle]  # anonymous reads share the catalog's budget per address

    @extend_schema(
        tags=["health"],
        summary="Every gateway's status and figures, from stored data",
        operation_id="health_gateways_list",
        description="No live probe. `last_error` and `degraded_reason` appear for staff only.",
        responses={200: GatewayHealthListSerializer, 429: SystemErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        items = gateway_health_list(now=now)
        payload = {"generated_at": now, "summary": status_summary(items), "gateways": items}
        return Response(GatewayHealthListSerializer(payload, context={"staff": _is_staff(request)}).data)


class GatewayHealthDetailView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [CatalogThrottle]

    @extend_schema(
        tags=["health"],
        summary="One gateway's status, figures and latest runs",
        operation_id="health_gateway_retrieve",
        responses={200: GatewayHealthDetailSerializer, 404: SystemErrorSerializer, 429: SystemErrorSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        gateway = _gateways_by_slug(slug).first()
        if gateway is None:
            raise NotFound(f"unknown gateway {slug!r}")
        (health,) = gateway_health_list(now=timezone.now(), gateways=[gateway])
        runs = list(gateway.runs.select_related("gateway").defer("rejections", "warnings")[:RECENT_RUNS])
        context = {"staff": _is_staff(request), "runs": runs}
        return Response(GatewayHealthDetailSerializer(health, context=context).data)


class ReadyView(APIView):
    # No authentication: readiness must not need the session table it is checking.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["health"],
        summary="Readiness: database and broker reachable",
        operation_id="readyz",
        description="503 names the failing part. The broker check connects with a 2 s timeout.",
        responses={200: CheckSerializer, 503: CheckSerializer},
    )
    def get(self, request: Request) -> Response:
        results = run_checks()
        ready = all(r.ok for r in results)
        return Response(
            {"status": "ok" if ready else "unavailable", "checks": {r.name: r.detail for r in results}},
            status=status.HTTP_200_OK if ready else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


# --- system endpoints (staff) -------------------------------------------------------------------


class StaffView(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsAdminUser]


class CacheStatusView(StaffView):
    @extend_schema(
        tags=["system"],
        summary="Response cache, catalog version and per-gateway stored rows",
        operation_id="cache_status",
        responses={200: CacheStatusSerializer, **NOT_STAFF},
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        figures = model_figures()
        version = CatalogVersion.objects.filter(pk=1).first()
        gateways = [
            {
                "gateway": g.slug,
                "enabled": g.enabled,
                "status": gateway_status(g, now=now),
                "models_active": figures.get(g.pk, NO_MODELS).active,
                "models_total": figures.get(g.pk, NO_MODELS).total,
                "last_refresh_at": g.last_attempt_at,
                "last_success_at": g.last_success_at,
                "refresh_requested": g.refresh_requested,
                "refreshing": lease_held(g, now=now),
            }
            for g in Gateway.objects.all()
        ]
        payload = {
            "response_cache": _cache_backend(),
            "catalog_version": version.version if version else 0,
            "catalog_updated_at": version.updated_at if version else None,
            "gateways": gateways,
        }
        return Response(CacheStatusSerializer(payload).data)


def _cache_backend() -> dict[str, Any]:
    backend = settings.CACHES["default"]["BACKEND"]
    try:
        generation = django_cache.get(catalog_cache.GENERATION_KEY)
    except Exception:  # noqa: BLE001 - any backend error means unreachable
        return {"backend": backend, "reachable": False, "generation": None}
    return {"backend": backend, "reachable": True, "generation": int(generation or 0)}


class RefreshGatewayView(StaffView):
    @extend_schema(
        tags=["system"],
        summary="Queue a refresh of one gateway",
        operation_id="cache_refresh_gateway",
        description=(
            "Creates a `queued` RefreshRun and enqueues its task; answers 202 with the run's id at once. "
            "409 when the gateway cannot be refreshed now (disabled, no key, already running or queued). "
            "503 with the run's id and state (`failed`) when the broker could not take the task."
        ),
        parameters=[FORCE_PARAMETER],
        request=None,
        responses={
            202: RefreshQueuedSerializer,
            400: UnknownGatewaySerializer,
            409: NotQueuedSerializer,
            503: BrokerDownSerializer,
            **NOT_STAFF,
        },
    )
    def post(self, request: Request, gateway: str) -> Response:
        force = _force(request)
        if isinstance(force, Response):
            return force
        found = _gateways_by_slug(gateway).first()
        if found is None:
            return _unknown_gateway(gateway)
        result = gateways_request_refresh(gateways=[found], force=force, trigger=RefreshRun.Trigger.MANUAL)
        if result.skipped:
            reason = result.skipped[0][1]
            return Response(
                {"detail": f"{found.slug} was not queued: {reason}", "gateway": found.slug, "reason": reason},
                status=status.HTTP_409_CONFLICT,
            )
        answer = _queued(request, result.queued[0], force=force)
        if answer["status"] != RefreshRun.Outcome.QUEUED:
            return _broker_down(
                answer,
                f"{found.slug} was not queued: {answer['error']}; the gateway is marked due and the next scheduler tick "
                "queues it",
            )
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class RefreshAllView(StaffView):
    @extend_schema(
        tags=["system"],
        summary="Queue a refresh of every enabled gateway",
        operation_id="cache_refresh_all",
        parameters=[FORCE_PARAMETER],
        request=None,
        responses={202: RefreshAllSerializer, 400: SystemErrorSerializer, 503: BrokerDownAllSerializer, **NOT_STAFF},
    )
    def post(self, request: Request) -> Response:
        force = _force(request)
        if isinstance(force, Response):
            return force
        result: RefreshRequest = gateways_request_refresh(
            gateways=Gateway.objects.filter(enabled=True), force=force, trigger=RefreshRun.Trigger.MANUAL
        )
        answer = {
            "force": force,
            "queued": [_queued(request, run, force=force) for run in result.queued],
            "skipped": [{"gateway": g.slug, "reason": reason} for g, reason in result.skipped],
        }
        failed = [q["gateway"] for q in answer["queued"] if q["status"] != RefreshRun.Outcome.QUEUED]
        if failed:
            return _broker_down(
                answer,
                f"{len(failed)} of {len(answer['queued'])} refreshes could not be queued (the broker is unreachable); "
                "those gateways are marked due and the next scheduler tick queues them",
            )
        return Response(answer, status=status.HTTP_202_ACCEPTED)


class CacheClearView(StaffView):
    @extend_schema(
        tags=["system"],
        summary="Drop the response cache and mark gateways due",
        operation_id="cache_clear",
        description=(
            "Drops every cached catalog response (one cache serves all gateways, `gateway=all` included) and marks "
            "the gateway (or every enabled one) due at the next scheduler tick. Stored models are never deleted."
        ),
        parameters=[OpenApiParameter("gateway", OpenApiTypes.STR, description="Only mark this gateway due.")],
        request=None,
        responses={200: CacheClearSerializer, 400: UnknownGatewaySerializer, **NOT_STAFF},
    )
    def post(self, request: Request) -> Response:
        slug = request.query_params.get("gateway")
        if slug is not None:
            gateways = _gateways_by_slug(slug)
            if not gateways.exists():
                return _unknown_gateway(slug)
        else:
            gateways = Gateway.objects.filter(enabled=True)
        marked = sorted(gateways.values_list("slug", flat=True))
        gateways_mark_due(gateways=gateways)
        catalog_cache.invalidate()
        return Response({"response_cache": "cleared", "catalog_version": catalog_cache.catalog_version(), "marked_due": marked})


class RefreshRunView(StaffView):
    @extend_schema(
        tags=["system"],
        summary="One refresh run (poll the id a refresh answered with)",
        operation_id="cache_run_retrieve",
        responses={200: RefreshRunSerializer, 404: SystemErrorSerializer, **NOT_STAFF},
    )
    def get(self, request: Request, run_id: int) -> Response:
        run = RefreshRun.objects.select_related("gateway").filter(pk=run_id).first()
        if run is None:
            raise NotFound(f"no refresh run {run_id}")
        return Response(RefreshRunSerializer(run, context={"staff": True}).data)
