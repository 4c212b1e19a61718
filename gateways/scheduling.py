"""When a gateway is refreshed, and queueing its refresh task.

The scheduler's tick (`gateways_enqueue_due`, every minute) queues each gateway that is due; a read
that finds data stale queues it too (`gateways_refresh_stale`, from the catalog's `stale_data_read`
signal); an operator's "refresh now" goes through `gateways.manual`. All three meet at
`gateway_enqueue_refresh`, deduplicated by a queue mark on the gateway row (`refresh_queued_at`),
set by one conditional UPDATE, so they queue a gateway once between them. The task clears the mark
when it is done (or renews it while it waits for a retry); a mark older than
`queue_expiry_seconds()` is taken for a lost message.

The task is addressed by its registered name (`gateways.apps` imports the task module), so this
module never imports the tasks, which import it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.short_circuit import ShortCircuit
from gateways.circuit import circuit_allows
from gateways.errors import ErrorKind
from gateways.keys import is_configured
from gateways.leases import lease_held
from gateways.models import Gateway, RefreshRun

log = logging.getLogger("gateways.refresh")

REFRESH_TASK = "gateways.tasks.refresh_gateway"
FAILED_RETRY_SECONDS = 300  # after a failed run, the schedule waits this long (at most the interval)


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
    a `queued` RefreshRun for the task to fill in (`gateways.manual`). Only ids travel: never a
    key. A broker that cannot be reached costs the caller a log line, not an error: the gateway is
    marked requested (the next tick queues it) and a `queued` run is closed as failed."""
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


BROKER = ShortCircuit("broker")


class BrokerStillDown(Exception):  # noqa: N818 - named for the log line and the run's error
    """The broker failed a publish a moment ago: not asked again until the circuit's window ends."""


# How a `queued` run that the broker never took is closed; `health.api` tells such a run apart from
# one a fast worker already picked up and finished.
NOT_QUEUED_MESSAGE = "the refresh could not be queued: broker unreachable"


def _send_refresh(*, gateway_id: int, force: bool, trigger: str, run_id: int | None, marked_at: datetime) -> None:
    kwargs: dict[str, Any] = {"force": force, "trigger": trigger}
    if run_id is not None:
        kwargs["run_id"] = run_id
    try:
        # Fails fast when the broker is down or hung (CELERY_TASK_PUBLISH_RETRY_POLICY, socket
        # timeouts), and at once while the broker's short circuit is open: this runs on request
        # paths too (a stale read, "refresh now").
        if BROKER.is_open():
            raise BrokerStillDown
        current_app.tasks[REFRESH_TASK].delay(gateway_id, **kwargs)
    except Exception as exc:  # noqa: BLE001 - whatever the broker client raises, the caller must not fail
        if not isinstance(exc, BrokerStillDown):
            BROKER.trip(exc)
        Gateway.objects.filter(pk=gateway_id, refresh_queued_at=marked_at).update(refresh_queued_at=None, refresh_requested=True)
        if run_id is not None:
            RefreshRun.objects.filter(pk=run_id, outcome=RefreshRun.Outcome.QUEUED).update(
                outcome=RefreshRun.Outcome.FAILED,
                finished_at=timezone.now(),
                error_kind=ErrorKind.CONNECTION,
                error_message=f"{NOT_QUEUED_MESSAGE} ({exc.__class__.__name__})",
            )
        # Logged once the gateway is left requested: whoever reads the line sees that state.
        log.warning("could not queue a refresh of gateway id=%s: %s; the next tick will", gateway_id, exc.__class__.__name__)
    else:
        BROKER.close()


def refresh_queue_hold(*, gateway_id: int, now: datetime | None = None) -> None:
    """The task will retry: keep the gateway marked queued (from now) so nothing else queues it."""
    Gateway.objects.filter(pk=gateway_id).update(refresh_queued_at=now or timezone.now())


def refresh_queue_done(*, gateway_id: int) -> None:
    """The task is done with this gateway (success, permanent failure, or no retries left)."""
    Gateway.objects.filter(pk=gateway_id).update(refresh_queued_at=None)


def gateways_enqueue_due(*, now: datetime | None = None) -> list[str]:
    """The scheduler's tick: queue every gateway that is due. Returns the slugs it queued.

    It also writes every gateway's facts down for the catalog again (`Gateway.objects.sync_sources`),
    so a key added to the workers' environment shows in the served status within a tick."""
    now = now or timezone.now()
    Gateway.objects.sync_sources()
    gateways = list(Gateway.objects.all())
    due = [gateway for gateway in gateways if gateway.enabled and gateway_is_due(gateway, now=now)]
    return [
        gateway.slug for gateway in due if gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.SCHEDULE, now=now)
    ]


def gateways_refresh_stale(*, slugs: Iterable[str], now: datetime | None = None) -> list[str]:
    """A read found these gateways' data stale: queue one refresh of each that may refresh now
    (`gateway_may_refresh`), and return their slugs. Never waits and never fetches.

    While the broker's short circuit is open (a publish failed a moment ago) nothing is tried: the
    failed publish left its gateway requested, and the schedule queues stale gateways anyway; a
    queue mark written now would only be undone, and would answer a person's "refresh now" with
    "already queued" meanwhile."""
    if BROKER.is_open():
        return []
    now = now or timezone.now()
    queued = []
    for gateway in Gateway.objects.filter(slug__in=list(slugs), enabled=True):
        if gateway_may_refresh(gateway, now=now) and gateway_enqueue_refresh(
            gateway=gateway, trigger=RefreshRun.Trigger.STALE_READ, now=now
        ):
            queued.append(gateway.slug)
    return queued


def gateways_mark_due(*, gateways: QuerySet[Gateway]) -> int:
    """Make gateways due at the next scheduler tick; their stored models are untouched."""
    return gateways.update(refresh_requested=True)
