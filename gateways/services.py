"""Writes of the gateways app: refreshing, importing, leases, the circuit breaker, enqueueing.

Views, tasks, admin actions and management commands call these; none re-implements them.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.selectors import ModelLookup
from catalog.services import PublishRefused, catalog_publish
from gateways.adapters.base import Adapter, ParseResult
from gateways.http import AdapterError, ErrorKind, build_client, decode_json, has_key, key_variable
from gateways.models import Gateway, RefreshRun
from gateways.registry import UnknownKind

log = logging.getLogger("gateways.refresh")


# --- single flight ----------------------------------------------------------------------------


def lease_acquire(*, gateway_id: int, now: datetime | None = None, seconds: int | None = None) -> str | None:
    """Take the gateway's refresh lease with one conditional UPDATE; the token, or None if held.
    Works the same on SQLite and PostgreSQL and needs no Redis."""
    now = now or timezone.now()
    token = secrets.token_hex(16)
    taken = (
        Gateway.objects.filter(pk=gateway_id)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(lease_token=token, lease_expires_at=now + timedelta(seconds=seconds or settings.GATEWAY_LEASE_SECONDS))
    )
    return token if taken == 1 else None


def lease_release(*, gateway_id: int, token: str) -> None:
    Gateway.objects.filter(pk=gateway_id, lease_token=token).update(lease_token="", lease_expires_at=None)


def lease_held(gateway: Gateway, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return gateway.lease_expires_at is not None and gateway.lease_expires_at > now


# --- circuit breaker --------------------------------------------------------------------------


def circuit_allows(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """Closed or half-open (open and cooled down): a refresh may be tried."""
    if gateway.circuit_state != Gateway.Circuit.OPEN:
        return True
    now = now or timezone.now()
    opened = gateway.circuit_opened_at or now
    return now - opened >= timedelta(seconds=settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS)


def circuit_state(gateway: Gateway, *, now: datetime | None = None) -> str:
    """The state to show: `half_open` once an open circuit has cooled down."""
    if gateway.circuit_state == Gateway.Circuit.OPEN and circuit_allows(gateway, now=now):
        return Gateway.Circuit.HALF_OPEN
    return gateway.circuit_state


def is_configured(gateway: Gateway) -> bool:
    return not gateway.adapter_class.requires_key or has_key(gateway.slug)


# --- refresh ----------------------------------------------------------------------------------


@dataclass(slots=True)
class DryRunResult:
    ok: bool
    models: int = 0
    rejected: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    error_kind: str = ""
    duration_ms: int = 0
    sample_ids: list[str] = field(default_factory=list)


Produce = Callable[[Adapter, Gateway], list[Any]]


def _fetch_live(transport: httpx.BaseTransport | None) -> Produce:
    def produce(adapter: Adapter, gateway: Gateway) -> list[Any]:
        with build_client(
            slug=gateway.slug,
            base_url=gateway.base_url,
            adapter=type(adapter),
            allow_http=gateway.allow_insecure_http,
            transport=transport,
        ) as client:
            return adapter.fetch(client)

    return produce


def _parse(adapter: Adapter, items: list[Any]) -> ParseResult:
    result = adapter.parse(items)
    adapter.enrich(result, ModelLookup())
    return result


def gateway_refresh(
    *,
    gateway: Gateway,
    force: bool = False,
    trigger: str = RefreshRun.Trigger.SCHEDULE,
    transport: httpx.BaseTransport | None = None,
    run: RefreshRun | None = None,
) -> RefreshRun:
    """Fetch, normalize, guard and publish one gateway's list. Always returns the recorded run;
    a failed refresh never changes the stored catalog. `run`: a `queued` run to fill in (from
    `gateways_request_refresh`) instead of creating one."""
    return _run(gateway=gateway, force=force, trigger=trigger, produce=_fetch_live(transport), run=run)


def gateway_import(*, gateway: Gateway, body: bytes | str, force: bool = False) -> RefreshRun:
    """Publish a saved upstream body exactly as a live fetch would: same adapter, same guards."""

    def produce(adapter: Adapter, gateway: Gateway) -> list[Any]:
        return adapter.items(decode_json(body))

    return _run(gateway=gateway, force=force, trigger=RefreshRun.Trigger.IMPORT, produce=produce, require_key=False)


def gateway_dry_run(*, gateway: Gateway, transport: httpx.BaseTransport | None = None) -> DryRunResult:
    """Test connection: fetch and normalize without publishing or recording anything."""
    started = time.monotonic()
    if not is_configured(gateway):
        return DryRunResult(
            ok=False,
            error_kind=ErrorKind.UNCONFIGURED,
            errors=[f"{key_variable(gateway.slug)} is not set; the gateway is unconfigured"],
        )
    try:
        adapter = gateway.adapter_class(options=gateway.options)
        result = _parse(adapter, _fetch_live(transport)(adapter, gateway))
    except AdapterError as exc:
        return DryRunResult(ok=False, error_kind=exc.kind, errors=[str(exc)], duration_ms=_ms(started))
    return DryRunResult(
        ok=bool(result.models),
        models=len(result.models),
        rejected=result.rejected,
        skipped=result.skipped,
        errors=result.errors[:5],
        duration_ms=_ms(started),
        sample_ids=[m.id for m in result.models[:5]],
    )


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _run(
    *, gateway: Gateway, force: bool, trigger: str, produce: Produce, require_key: bool = True, run: RefreshRun | None = None
) -> RefreshRun:
    now = timezone.now()
    if run is None:
        run = RefreshRun.objects.create(gateway=gateway, trigger=trigger, forced=force, started_at=now)
    else:
        run.trigger, run.forced, run.started_at, run.outcome = trigger, force, now, RefreshRun.Outcome.RUNNING
        run.save(update_fields=["trigger", "forced", "started_at", "outcome"])
    Gateway.objects.filter(pk=gateway.pk).update(last_attempt_at=now)
    started = time.monotonic()

    if require_key and not is_configured(gateway):
        # Unconfigured is a state, not a failure: no error counts, no circuit, no log spam.
        return _finish(
            run,
            started,
            outcome=RefreshRun.Outcome.SKIPPED,
            error=AdapterError(
                f"{key_variable(gateway.slug)} is not set; the gateway is unconfigured",
                kind=ErrorKind.UNCONFIGURED,
                permanent=True,
            ),
        )
    token = lease_acquire(gateway_id=gateway.pk, now=now)
    if token is None:
        run.outcome = RefreshRun.Outcome.SKIPPED
        run.error_message = "another refresh of this gateway is in progress"
        run.finished_at = timezone.now()
        run.save(update_fields=["outcome", "error_message", "finished_at"])
        return run
    try:
        adapter = gateway.adapter_class(options=gateway.options)
        result = _parse(adapter, produce(adapter, gateway))
        run.models_seen = len(result.models) + result.rejected + result.skipped
        run.models_rejected = result.rejected
        run.models_skipped = result.skipped
        run.rejections = result.errors
        run.warnings = result.warnings
        try:
            published = catalog_publish(gateway=gateway, models=result.models, force=force, rejected=result.rejected, now=now)
        except PublishRefused as exc:
            raise AdapterError(str(exc), kind=ErrorKind.GUARD, permanent=True) from None
        run.models_added = published.added
        run.models_changed = published.changed
        run.models_unchanged = published.unchanged
        run.models_deactivated = published.deactivated
        outcome = RefreshRun.Outcome.DEGRADED if result.degraded_reason else RefreshRun.Outcome.SUCCESS
        return _finish(
            run, started, outcome=outcome, model_count=len(result.models), degraded_reason=result.degraded_reason or ""
        )
    except AdapterError as exc:
        return _finish(run, started, outcome=RefreshRun.Outcome.FAILED, error=exc)
    except Exception as exc:  # noqa: BLE001 - a bug in one adapter must not kill the worker loop
        log.exception("refresh of %s crashed", gateway.slug)
        return _finish(
            run,
            started,
            outcome=RefreshRun.Outcome.FAILED,
            error=AdapterError(f"internal error: {exc.__class__.__name__}", kind=ErrorKind.INTERNAL, permanent=True),
        )
    finally:
        lease_release(gateway_id=gateway.pk, token=token)


def _finish(
    run: RefreshRun,
    started: float,
    *,
    outcome: str,
    error: AdapterError | None = None,
    model_count: int | None = None,
    degraded_reason: str = "",
) -> RefreshRun:
    finished = timezone.now()
    run.outcome = outcome
    run.finished_at = finished
    run.duration_ms = _ms(started)
    if error is not None:
        run.error_kind = error.kind
        run.error_message = str(error)[:2000]
        run.http_status = error.http_status
        run.retryable = not error.permanent
        run.retry_after_seconds = error.retry_after
    elif degraded_reason:
        run.error_message = degraded_reason
    run.save()

    gateway_updates: dict[str, Any] = {"last_outcome": outcome, "refresh_requested": False}
    if outcome in (RefreshRun.Outcome.SUCCESS, RefreshRun.Outcome.DEGRADED):
        gateway_updates.update(
            last_success_at=finished if outcome == RefreshRun.Outcome.SUCCESS else F("last_success_at"),
            last_error="",
            last_error_kind="",
            consecutive_failures=0,
            last_latency_ms=run.duration_ms,
            last_model_count=model_count,
            degraded_reason=degraded_reason[:300],
            circuit_state=Gateway.Circuit.CLOSED,
            circuit_opened_at=None,
        )
    elif outcome == RefreshRun.Outcome.FAILED and error is not None:
        gateway_updates.update(
            last_error=run.error_message,
            last_error_kind=error.kind,
            consecutive_failures=F("consecutive_failures") + 1,
            last_latency_ms=run.duration_ms,
        )
    elif error is not None:  # skipped: unconfigured
        gateway_updates.update(last_error=run.error_message, last_error_kind=error.kind)
    with transaction.atomic():
        Gateway.objects.filter(pk=run.gateway_id).update(**gateway_updates)
        if outcome == RefreshRun.Outcome.FAILED:
            Gateway.objects.filter(
                pk=run.gateway_id, consecutive_failures__gte=settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD
            ).update(circuit_state=Gateway.Circuit.OPEN, circuit_opened_at=finished)
    _log_run(run)
    return run


def _log_run(run: RefreshRun) -> None:
    level = logging.WARNING if run.outcome == RefreshRun.Outcome.FAILED else logging.INFO
    log.log(
        level,
        "refresh gateway=%s outcome=%s error_kind=%s duration_ms=%s seen=%s added=%s changed=%s deactivated=%s rejected=%s",
        run.gateway.slug,
        run.outcome,
        run.error_kind or "-",
        run.duration_ms,
        run.models_seen,
        run.models_added,
        run.models_changed,
        run.models_deactivated,
        run.models_rejected,
        extra={
            "gateway": run.gateway.slug,
            "outcome": run.outcome,
            "error_kind": run.error_kind or None,
            "duration_ms": run.duration_ms,
            "models_seen": run.models_seen,
            "models_added": run.models_added,
            "models_changed": run.models_changed,
            "models_deactivated": run.models_deactivated,
            "models_rejected": run.models_rejected,
            "run_id": run.pk,
        },
    )


# --- what is due, and enqueueing -------------------------------------------------------------


def gateway_is_due(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """Enabled, configured, data older than its refresh interval, circuit allowing, not leased."""
    now = now or timezone.now()
    if not gateway.enabled or not is_configured(gateway) or lease_held(gateway, now=now):
        return False
    if not circuit_allows(gateway, now=now):
        return False
    if gateway.refresh_requested:
        return True
    if gateway.last_success_at is None:
        # Never succeeded: retry at the cadence of attempts, not on every tick.
        return gateway.last_attempt_at is None or now - gateway.last_attempt_at >= timedelta(
            seconds=min(gateway.refresh_interval_seconds, 300)
        )
    if now - gateway.last_success_at < timedelta(seconds=gateway.refresh_interval_seconds):
        return False
    return gateway.last_attempt_at is None or now - gateway.last_attempt_at >= timedelta(seconds=60)


def gateway_enqueue_refresh(
    *, gateway: Gateway, force: bool = False, trigger: str = RefreshRun.Trigger.MANUAL, run: RefreshRun | None = None
) -> None:
    """Queue a refresh once the current transaction commits. Only ids travel: never a key.

    A broker outage must not turn the request that asked for a refresh into a 500: the failure is
    logged, and a `queued` run is closed as failed with a message that says so."""
    from gateways.tasks import refresh_gateway

    gateway_id = gateway.pk
    run_id = run.pk if run is not None else None
    kwargs: dict[str, Any] = {"force": force, "trigger": trigger}
    if run_id is not None:
        kwargs["run_id"] = run_id

    def enqueue() -> None:
        try:
            refresh_gateway.delay(gateway_id, **kwargs)
        except Exception as exc:  # noqa: BLE001 - whatever the broker client raises, record it and go on
            log.warning("could not queue a refresh of gateway id=%s: %s", gateway_id, exc.__class__.__name__)
            if run_id is not None:
                RefreshRun.objects.filter(pk=run_id, outcome=RefreshRun.Outcome.QUEUED).update(
                    outcome=RefreshRun.Outcome.FAILED,
                    finished_at=timezone.now(),
                    error_kind=ErrorKind.CONNECTION,
                    error_message=f"the refresh could not be queued: broker unreachable ({exc.__class__.__name__})",
                )

    transaction.on_commit(enqueue)


def gateways_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """The scheduler's tick: enqueue every gateway that is due. Returns their slugs."""
    now = now or timezone.now()
    due = [gateway for gateway in Gateway.objects.filter(enabled=True) if gateway_is_due(gateway, now=now)]
    for gateway in due:
        gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.SCHEDULE)
    return [gateway.slug for gateway in due]


def gateways_mark_due(*, gateways: Any) -> int:
    """Make gateways due at the next scheduler tick; their stored models are untouched."""
    return gateways.update(refresh_requested=True)


@dataclass(slots=True)
class RefreshRequest:
    """What `gateways_request_refresh` did: the queued runs, and each gateway it left alone with why."""

    queued: list[RefreshRun] = field(default_factory=list)
    skipped: list[tuple[Gateway, str]] = field(default_factory=list)


def refresh_blocker(gateway: Gateway, *, now: datetime | None = None) -> str | None:
    """Why an operator's refresh of `gateway` would be pointless now, or None when it may be queued.
    An open circuit does not block: a manual refresh is the operator's half-open probe."""
    now = now or timezone.now()
    if not gateway.enabled:
        return "disabled"
    try:
        configured = is_configured(gateway)
    except UnknownKind:
        return f"no adapter is registered for kind {gateway.kind!r}"
    if not configured:
        return f"{key_variable(gateway.slug)} is not set"
    if lease_held(gateway, now=now):
        return "a refresh is already running"
    return None


def gateways_request_refresh(
    *, gateways: Iterable[Gateway], force: bool = False, trigger: str = RefreshRun.Trigger.MANUAL, now: datetime | None = None
) -> RefreshRequest:
    """An operator's "refresh now" (admin action, dashboard button, `POST /cache/refresh`).

    For each gateway that may be refreshed (see `refresh_blocker`) and has no refresh queued yet,
    create a `queued` RefreshRun and enqueue its task on commit (`gateway_enqueue_refresh`); the
    worker fills that row in, so its id is the one to report and to poll. Nothing is fetched here."""
    now = now or timezone.now()
    gateways = list(gateways)
    recent = now - timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
    waiting = dict(
        RefreshRun.objects.filter(
            gateway__in=[g.pk for g in gateways], outcome=RefreshRun.Outcome.QUEUED, started_at__gte=recent
        ).values_list("gateway_id", "pk")
    )
    request = RefreshRequest()
    with transaction.atomic():
        for gateway in gateways:
            reason = refresh_blocker(gateway, now=now)
            if reason is None and gateway.pk in waiting:
                reason = f"a refresh is already queued (run {waiting[gateway.pk]})"
            if reason is not None:
                request.skipped.append((gateway, reason))
                continue
            run = RefreshRun.objects.create(
                gateway=gateway, trigger=trigger, forced=force, started_at=now, outcome=RefreshRun.Outcome.QUEUED
            )
            gateway_enqueue_refresh(gateway=gateway, force=force, trigger=trigger, run=run)
            request.queued.append(run)
    return request
