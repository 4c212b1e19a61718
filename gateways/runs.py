"""Recording refresh runs: every attempt leaves one `RefreshRun` row and updates the gateway's
health columns (last attempt, last success, last error, error kind, consecutive failures, latency,
model count, circuit), whatever the outcome, plus one log line operators can alert on.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gateways.circuit import circuit_trip
from gateways.errors import AdapterError, ErrorKind
from gateways.models import PUBLISHED_OUTCOMES, Gateway, RefreshRun

log = logging.getLogger("gateways.refresh")


def elapsed_ms(started: float) -> int:
    """Milliseconds since `started` (a `time.monotonic()` reading)."""
    return int((time.monotonic() - started) * 1000)


def run_begin(*, gateway: Gateway, trigger: str, force: bool, now: datetime, run: RefreshRun | None = None) -> RefreshRun:
    """A new `running` run, or `run` (a `queued` one an operator's request made) filled in."""
    if run is None:
        return RefreshRun.objects.create(gateway=gateway, trigger=trigger, forced=force, started_at=now)
    run.trigger, run.forced, run.started_at, run.outcome = trigger, force, now, RefreshRun.Outcome.RUNNING
    run.save(update_fields=["trigger", "forced", "started_at", "outcome"])
    return run


def run_skip(run: RefreshRun, reason: str) -> RefreshRun:
    """Nothing was attempted (another refresh holds the lease, the circuit is open): no error counts."""
    run.outcome = RefreshRun.Outcome.SKIPPED
    run.error_message = reason
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error_message", "finished_at"])
    log.info("refresh gateway=%s outcome=skipped reason=%s", run.gateway.slug, reason)
    return run


def run_finish(
    run: RefreshRun,
    started: float,
    *,
    outcome: str,
    error: AdapterError | None = None,
    model_count: int | None = None,
    degraded_reason: str = "",
    list_refreshed: bool = True,
) -> RefreshRun:
    """Close `run` with `outcome` and write the gateway's health columns in one transaction.
    A run that did not refresh the gateway's list (`list_refreshed=False`: one model's endpoints
    imported) is recorded without touching them: it says nothing of the list's age or health."""
    finished = timezone.now()
    run.outcome = outcome
    run.finished_at = finished
    run.duration_ms = elapsed_ms(started)
    if error is not None:
        run.error_kind = error.kind
        run.error_message = str(error)[:2000]
        run.http_status = error.http_status
        run.retryable = not error.permanent
        run.retry_after_seconds = error.retry_after
    elif degraded_reason:
        run.error_message = degraded_reason
    run.save()
    if not list_refreshed:
        _log_run(run)
        return run

    gateway_updates: dict[str, Any] = {"last_outcome": outcome, "refresh_requested": False}
    if outcome in PUBLISHED_OUTCOMES:
        gateway_updates.update(
            # A held run published its list (all but the held values): the data is as fresh.
            last_success_at=finished if outcome != RefreshRun.Outcome.DEGRADED else F("last_success_at"),
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
        if outcome == RefreshRun.Outcome.FAILED:
            circuit_trip(gateway_id=run.gateway_id, slug=run.gateway.slug, at=finished)
    _log_run(run)
    return run


def runs_close_abandoned(*, gateway_id: int, lease_expired_at: datetime, now: datetime) -> int:
    """Close the runs of a lease holder that never released it: its process was killed (SIGKILL,
    OOM, the hard time limit, a lost machine). Its run started at least a hard time limit before
    the lease ran out; a run that started later may be a contender about to record its own skip."""
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
    return closed


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
