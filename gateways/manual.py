"""A person's "refresh now": the admin action, the dashboard button and `POST /cache/refresh`.

Each queued refresh gets a `queued` RefreshRun at once, whose id the caller reports and polls; the
worker fills that row in. Nothing is fetched in the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gateways.keys import configuration_problem
from gateways.leases import lease_held
from gateways.models import Gateway, RefreshRun
from gateways.scheduling import gateway_enqueue_refresh


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
    problem = configuration_problem(gateway)
    if problem is not None:
        return problem
    if lease_held(gateway, now=now):
        return "a refresh is already running"
    return None


def gateways_request_refresh(
    *, gateways: Iterable[Gateway], force: bool = False, trigger: str = RefreshRun.Trigger.MANUAL, now: datetime | None = None
) -> RefreshRequest:
    """Queue a refresh of each gateway that may be refreshed (see `refresh_blocker`) and has no
    refresh queued yet: create its `queued` RefreshRun and enqueue its task on commit."""
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
