"""Writes of the gateways app: refreshing, importing, leases, the circuit breaker, enqueueing.

Views, tasks, admin actions and management commands call these; none re-implements them.
"""

from __future__ import annotations

import gc
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from celery.exceptions import SoftTimeLimitExceeded
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
    """Take the gateway's refresh lease; the new token, or None while another holder's lease runs.

    The lease is taken by one conditional UPDATE (a compare-and-set on the current holder's token
    and expiry), so it works the same on SQLite and PostgreSQL, needs no Redis, and of any number
    of workers, beats, manual refreshes and stale reads racing for it exactly one wins. It lasts
    `GATEWAY_LEASE_SECONDS`, longer than the task's hard time limit: a lease left by a process that
    died expires by itself, and whoever takes it next closes the dead process's run as failed."""
    now = now or timezone.now()
    seconds = seconds or settings.GATEWAY_LEASE_SECONDS
    current = Gateway.objects.filter(pk=gateway_id).values_list("lease_token", "lease_expires_at").first()
    if current is None:
        return None
    holder, expires_at = current
    if expires_at is not None and expires_at > now:
        return None
    token = secrets.token_hex(16)
    taken = (
        Gateway.objects.filter(pk=gateway_id, lease_token=holder)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now))
        .update(lease_token=token, lease_expires_at=now + timedelta(seconds=seconds))
    )
    if taken != 1:
        return None
    if holder and expires_at is not None:
        _close_abandoned_runs(gateway_id=gateway_id, lease_expired_at=expires_at, now=now)
    return token


def _close_abandoned_runs(*, gateway_id: int, lease_expired_at: datetime, now: datetime) -> None:
    # The previous holder never released its lease: its process was killed (SIGKILL, OOM, the hard
    # time limit, a lost machine). Its run started at least a hard time limit before the lease ran
    # out; a run that started later may be a contender that is about to record its own skip.
    cutoff = lease_expired_at - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    closed = RefreshRun.objects.filter(gateway_id=gateway_id, outcome=RefreshRun.Outcome.RUNNING, started_at__lt=cutoff).update(
        outcome=RefreshRun.Outcome.FAILED,
        error_kind=ErrorKind.INTERNAL,
        error_message=(
            "the process running this refresh stopped before it finished (killed, or past the hard time limit); "
            f"its lease expired at {lease_expired_at:%Y-%m-%d %H:%M:%S} UTC and nothing was published"
        ),
        finished_at=now,
    )
    if closed:
        log.warning("closed %s abandoned refresh run(s) of gateway id %s", closed, gateway_id)


def lease_renew(*, gateway_id: int, token: str, now: datetime | None = None) -> bool:
    """Extend a held lease; False when it is no longer ours (it ran out and someone took it)."""
    now = now or timezone.now()
    return bool(
        Gateway.objects.filter(pk=gateway_id, lease_token=token, lease_expires_at__gt=now).update(
            lease_expires_at=now + timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
        )
    )


def lease_release(*, gateway_id: int, token: str) -> None:
    Gateway.objects.filter(pk=gateway_id, lease_token=token).update(lease_token="", lease_expires_at=None)


def lease_held(gateway: Gateway, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return gateway.lease_expires_at is not None and gateway.lease_expires_at > now


# --- circuit breaker --------------------------------------------------------------------------
# The state lives on the gateway row, so every worker, beat and web process shares it. `_finish`
# opens the circuit after GATEWAY_CIRCUIT_FAILURE_THRESHOLD consecutive failed runs and closes it on
# a success; an open circuit counts as half-open once GATEWAY_CIRCUIT_COOLDOWN_SECONDS have passed,
# and then lets one trial through (the queue mark and the lease keep it to one): its failure opens
# the circuit again for another cool-down, its success closes it.


def circuit_allows(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """Closed or half-open (open and cooled down): a refresh may be tried."""
    if gateway.circuit_state != Gateway.Circuit.OPEN:
        return True
    now = now or timezone.now()
    opened = gateway.circuit_opened_at or now
    return now - opened >= timedelta(seconds=settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS)


def circuit_state(gateway: Gateway, *, now: datetime | None = None) -> str:
    """The state to show (`Gateway.Circuit`): `half_open` once an open circuit has cooled down."""
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
    respect_circuit: bool = False,
    transport: httpx.BaseTransport | None = None,
    run: RefreshRun | None = None,
) -> RefreshRun:
    """Fetch, normalize, guard and publish one gateway's list. Always returns the recorded run;
    a failed refresh never changes the stored catalog.

    Runs only under the gateway's lease (else the run is `skipped`). `respect_circuit` (automatic
    refreshes and retries) also skips while the circuit is open; a person's refresh goes through
    and serves as the trial. `run`: a `queued` run to fill in (from `gateways_request_refresh`)
    instead of creating one."""
    return _run(
        gateway=gateway,
        force=force,
        trigger=trigger,
        produce=_fetch_live(transport),
        respect_circuit=respect_circuit,
        run=run,
    )


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


_gc_pauses = 0
_gc_was_enabled = True
_gc_lock = threading.Lock()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a list is parsed and published. A refresh builds a few
    hundred thousand small objects that all stay alive until it ends, so each automatic collection
    rescans every one made so far: 15 % of a 20,000-model publish, more at 100,000. Nested and
    concurrent refreshes keep it off until the last one ends; what they leave is collected then."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
        _gc_pauses += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def _run(
    *,
    gateway: Gateway,
    force: bool,
    trigger: str,
    produce: Produce,
    require_key: bool = True,
    respect_circuit: bool = False,
    run: RefreshRun | None = None,
) -> RefreshRun:
    now = timezone.now()
    if run is None:
        run = RefreshRun.objects.create(gateway=gateway, trigger=trigger, forced=force, started_at=now)
    else:
        run.trigger, run.forced, run.started_at, run.outcome = trigger, force, now, RefreshRun.Outcome.RUNNING
        run.save(update_fields=["trigger", "forced", "started_at", "outcome"])
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
    if respect_circuit and not circuit_allows(gateway, now=now):
        cooled = (gateway.circuit_opened_at or now) + timedelta(seconds=settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS)
        return _skip(
            run, f"the circuit is open after {gateway.consecutive_failures} failures; next trial after {cooled:%H:%M:%S} UTC"
        )
    token = lease_acquire(gateway_id=gateway.pk, now=now)
    if token is None:
        return _skip(run, "another refresh of this gateway is in progress")
    Gateway.objects.filter(pk=gateway.pk).update(last_attempt_at=now)
    try:
        with _collector_paused():
            return _refresh_under_lease(run, started, gateway=gateway, token=token, force=force, now=now, produce=produce)
    except AdapterError as exc:
        return _finish(run, started, outcome=RefreshRun.Outcome.FAILED, error=exc)
    except SoftTimeLimitExceeded:
        # The worker's soft time limit: record the run (retryable, like any timeout) and let the
        # `finally` release the lease, instead of losing both to the hard limit's kill.
        return _finish(
            run,
            started,
            outcome=RefreshRun.Outcome.FAILED,
            error=AdapterError(
                f"the refresh ran past the task's soft time limit ({settings.CELERY_TASK_SOFT_TIME_LIMIT} s) and was stopped",
                kind=ErrorKind.TIMEOUT,
                permanent=False,
            ),
        )
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


def _refresh_under_lease(
    run: RefreshRun, started: float, *, gateway: Gateway, token: str, force: bool, now: datetime, produce: Produce
) -> RefreshRun:
    adapter = gateway.adapter_class(options=gateway.options)
    result = _parse(adapter, produce(adapter, gateway))
    run.models_seen = len(result.models) + result.rejected + result.skipped
    run.models_rejected = result.rejected
    run.models_skipped = result.skipped
    run.rejections = result.errors
    run.warnings = result.warnings
    if not lease_renew(gateway_id=gateway.pk, token=token):
        raise AdapterError(
            f"the refresh outlived its {settings.GATEWAY_LEASE_SECONDS} s lease; nothing was published",
            kind=ErrorKind.INTERNAL,
            permanent=True,
        )
    try:
        published = catalog_publish(gateway=gateway, models=result.models, force=force, rejected=result.rejected, now=now)
    except PublishRefused as exc:
        raise AdapterError(str(exc), kind=ErrorKind.GUARD, permanent=True) from None
    run.models_added = published.added
    run.models_changed = published.changed
    run.models_unchanged = published.unchanged
    run.models_deactivated = published.deactivated
    outcome = RefreshRun.Outcome.DEGRADED if result.degraded_reason else RefreshRun.Outcome.SUCCESS
    return _finish(run, started, outcome=outcome, model_count=len(result.models), degraded_reason=result.degraded_reason or "")


def _skip(run: RefreshRun, reason: str) -> RefreshRun:
    run.outcome = RefreshRun.Outcome.SKIPPED
    run.error_message = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error_message", "finished_at"])
    log.info("refresh gateway=%s outcome=skipped reason=%s", run.gateway.slug, reason)
    return run


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
            retry_not_before=None,
        )
    elif outcome == RefreshRun.Outcome.FAILED and error is not None:
        gateway_updates.update(
            last_error=run.error_message,
            last_error_kind=error.kind,
            consecutive_failures=F("consecutive_failures") + 1,
            last_latency_ms=run.duration_ms,
            retry_not_before=finished + timedelta(seconds=error.retry_after) if error.retry_after else None,
        )
    elif error is not None:  # skipped: unconfigured
        gateway_updates.update(last_error=run.error_message, last_error_kind=error.kind)
    with transaction.atomic():
        Gateway.objects.filter(pk=run.gateway_id).update(**gateway_updates)
        if outcome == RefreshRun.Outcome.FAILED and Gateway.objects.filter(
            pk=run.gateway_id, consecutive_failures__gte=settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD
        ).update(circuit_state=Gateway.Circuit.OPEN, circuit_opened_at=finished):
            log.warning(
                "circuit open for gateway=%s after %s consecutive failures; next trial in %s s",
                run.gateway.slug,
                settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD,
                settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS,
            )
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
# Whether a refresh is queued lives on the gateway row (`refresh_queued_at`), set by one
# conditional UPDATE, so the tick of any beat, a stale read and a manual refresh enqueue a gateway
# once between them. The task clears the mark when it is done (or renews it while it waits for a
# retry); a mark older than `queue_expiry_seconds()` is taken for a lost message.

FAILED_RETRY_SECONDS = 300  # after a failed run, the schedule waits this long (at most the interval)
AUTOMATIC_TRIGGERS = (RefreshRun.Trigger.SCHEDULE, RefreshRun.Trigger.STALE_READ)


def queue_expiry_seconds() -> float:
    """How long a queue mark holds: a task's lease plus its longest retry wait."""
    return settings.GATEWAY_LEASE_SECONDS + settings.GATEWAY_RETRY_MAX_SECONDS


def refresh_queued(gateway: Gateway, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    queued_at = gateway.refresh_queued_at
    return queued_at is not None and now - queued_at < timedelta(seconds=queue_expiry_seconds())


def gateway_may_refresh(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """Whether an automatic refresh may start now: enabled, configured, not being refreshed (no
    live lease, no queued task), circuit closed or half-open, past any Retry-After, and not failed
    within the last FAILED_RETRY_SECONDS (retries with backoff already ran for that failure)."""
    now = now or timezone.now()
    if not gateway.enabled or not is_configured(gateway):
        return False
    if lease_held(gateway, now=now) or refresh_queued(gateway, now=now) or not circuit_allows(gateway, now=now):
        return False
    if gateway.retry_not_before is not None and now < gateway.retry_not_before:
        return False
    if gateway.consecutive_failures and gateway.last_attempt_at is not None:
        pause = min(gateway.refresh_interval_seconds, FAILED_RETRY_SECONDS)
        if now - gateway.last_attempt_at < timedelta(seconds=pause):
            return False
    return True


def gateway_is_due(gateway: Gateway, *, now: datetime | None = None) -> bool:
    """The scheduler's rule: `gateway_may_refresh`, and its data is older than its refresh interval
    (or it never succeeded, or a refresh was requested)."""
    now = now or timezone.now()
    if not gateway_may_refresh(gateway, now=now):
        return False
    if gateway.refresh_requested:
        return True
    refreshed_at = gateway.last_success_at
    if gateway.last_outcome == RefreshRun.Outcome.DEGRADED and gateway.last_attempt_at is not None:
        # A degraded run published (a fallback list): the data is as new as that run.
        refreshed_at = max(filter(None, (refreshed_at, gateway.last_attempt_at)))
    return refreshed_at is None or now - refreshed_at >= timedelta(seconds=gateway.refresh_interval_seconds)


def gateway_enqueue_refresh(
    *,
    gateway: Gateway,
    force: bool = False,
    trigger: str = RefreshRun.Trigger.MANUAL,
    run: RefreshRun | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one refresh of `gateway`, sent to the broker when the current transaction commits.

    Deduplicated: returns False, and queues nothing, when a refresh of this gateway is already
    queued or waiting for a retry, unless `force` (a person asked to accept a shrunk list). `run`:
    a `queued` RefreshRun for the task to fill in (`gateways_request_refresh`). Only ids travel:
    never a key. A broker that cannot be reached costs the caller a log line, not an error: the
    gateway is marked requested (the next tick queues it) and a `queued` run is closed as failed."""
    now = now or timezone.now()
    marked = Gateway.objects.filter(pk=gateway.pk)
    if not force:
        stale_mark = now - timedelta(seconds=queue_expiry_seconds())
        marked = marked.filter(Q(refresh_queued_at__isnull=True) | Q(refresh_queued_at__lte=stale_mark))
    if not marked.update(refresh_queued_at=now):
        return False
    gateway_id = gateway.pk
    run_id = run.pk if run is not None else None
    transaction.on_commit(
        lambda: _send_refresh(gateway_id=gateway_id, force=force, trigger=trigger, run_id=run_id, marked_at=now)
    )
    return True


def _send_refresh(*, gateway_id: int, force: bool, trigger: str, run_id: int | None, marked_at: datetime) -> None:
    from gateways.tasks import refresh_gateway

    kwargs: dict[str, Any] = {"force": force, "trigger": trigger}
    if run_id is not None:
        kwargs["run_id"] = run_id
    try:
        # Fails fast when the broker is down (CELERY_TASK_PUBLISH_RETRY_POLICY, connect timeout):
        # this runs on request paths too (a stale read, "refresh now").
        refresh_gateway.delay(gateway_id, **kwargs)
    except Exception as exc:  # noqa: BLE001 - whatever the broker client raises, the caller must not fail
        log.warning("could not queue a refresh of gateway id=%s: %s; the next tick will", gateway_id, exc.__class__.__name__)
        Gateway.objects.filter(pk=gateway_id, refresh_queued_at=marked_at).update(refresh_queued_at=None, refresh_requested=True)
        if run_id is not None:
            RefreshRun.objects.filter(pk=run_id, outcome=RefreshRun.Outcome.QUEUED).update(
                outcome=RefreshRun.Outcome.FAILED,
                finished_at=timezone.now(),
                error_kind=ErrorKind.CONNECTION,
                error_message=f"the refresh could not be queued: broker unreachable ({exc.__class__.__name__})",
            )


def refresh_queue_hold(*, gateway_id: int, now: datetime | None = None) -> None:
    """The task will retry: keep the gateway marked queued (from now) so nothing else queues it."""
    Gateway.objects.filter(pk=gateway_id).update(refresh_queued_at=now or timezone.now())


def refresh_queue_done(*, gateway_id: int) -> None:
    """The task is done with this gateway (success, permanent failure, or no retries left)."""
    Gateway.objects.filter(pk=gateway_id).update(refresh_queued_at=None)


def gateways_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """The scheduler's tick: queue every gateway that is due. Returns the slugs it queued."""
    now = now or timezone.now()
    due = [gateway for gateway in Gateway.objects.filter(enabled=True) if gateway_is_due(gateway, now=now)]
    return [
        gateway.slug for gateway in due if gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.SCHEDULE, now=now)
    ]


def gateways_refresh_stale(*, slugs: Iterable[str], now: datetime | None = None) -> list[str]:
    """A read found these gateways' data stale: queue one refresh of each that may refresh now
    (`gateway_may_refresh`), and return their slugs. Never waits and never fetches."""
    now = now or timezone.now()
    queued = []
    for gateway in Gateway.objects.filter(slug__in=list(slugs), enabled=True):
        if gateway_may_refresh(gateway, now=now) and gateway_enqueue_refresh(
            gateway=gateway, trigger=RefreshRun.Trigger.STALE_READ, now=now
        ):
            queued.append(gateway.slug)
    return queued


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
            if not gateway_enqueue_refresh(gateway=gateway, force=force, trigger=trigger, run=run, now=now):
                run.delete()  # a scheduled or stale-read refresh is already queued (deduplicated)
                request.skipped.append((gateway, "a refresh is already queued"))
                continue
            request.queued.append(run)
    return request


# --- retries ---------------------------------------------------------------------------------


def retry_backoff(retries: int, *, retry_after: float | None = None) -> float:
    """Seconds before retry number `retries + 1`: exponential from GATEWAY_RETRY_BASE_SECONDS,
    capped at GATEWAY_RETRY_MAX_SECONDS, with jitter over the upper half (so retries of many
    gateways spread out), and never sooner than the upstream's Retry-After."""
    ceiling = min(settings.GATEWAY_RETRY_BASE_SECONDS * 2**retries, settings.GATEWAY_RETRY_MAX_SECONDS)
    return max(random.uniform(ceiling / 2, ceiling), retry_after or 0.0)


def refresh_retry_countdown(*, run: RefreshRun, retries: int) -> float | None:
    """Seconds until the failed `run` is retried, or None when it is not: the run did not fail
    with a retryable error (timeouts, connection errors, 429, 5xx), GATEWAY_MAX_RETRIES retries
    already ran, the circuit is now open, or the upstream's Retry-After is longer than
    GATEWAY_RETRY_MAX_SECONDS (then `retry_not_before` holds the schedule back instead)."""
    if run.outcome != RefreshRun.Outcome.FAILED or not run.retryable:
        return None
    if retries >= settings.GATEWAY_MAX_RETRIES:
        return None
    if (run.retry_after_seconds or 0) > settings.GATEWAY_RETRY_MAX_SECONDS:
        return None
    if Gateway.objects.filter(pk=run.gateway_id, circuit_state=Gateway.Circuit.OPEN).exists():
        return None
    return retry_backoff(retries, retry_after=run.retry_after_seconds)
