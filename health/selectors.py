"""Gateway status, computed from what the refresh pipeline recorded (never a live probe).

The rules, in order (the first that matches wins):

1. `disabled`       the gateway is switched off.
2. `unconfigured`   its list needs a key and `GATEWAY_KEY_<SLUG>` is not set.
3. `never_refreshed` no refresh has succeeded and none has failed yet.
4. `failing`        the last refresh failed and there is no fresh data (never succeeded, or the
                    data is older than the stale window).
5. `stale`          the data is older than the gateway's stale window (`stale_after_seconds`),
                    whatever the last refresh said: stale data is never `ok`.
6. `degraded`       the data is fresh but the last refresh failed, the circuit is open, or the
                    last refresh published a fallback or static list.
7. `ok`             otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from catalog.sources import SourceStatus
from gateways.models import Gateway, RefreshRun
from gateways.services import gateways_refresh_stale, is_configured

OK, STALE, FAILING, DEGRADED, UNCONFIGURED, DISABLED, NEVER = (
    "ok",
    "stale",
    "failing",
    "degraded",
    "unconfigured",
    "disabled",
    "never_refreshed",
)
STATUSES = (OK, STALE, FAILING, DEGRADED, UNCONFIGURED, DISABLED, NEVER)


def data_age_seconds(gateway: Gateway, *, now: datetime) -> int | None:
    if gateway.last_success_at is None:
        return None
    return max(0, int((now - gateway.last_success_at).total_seconds()))


def gateway_status(gateway: Gateway, *, now: datetime) -> str:
    if not gateway.enabled:
        return DISABLED
    if not is_configured(gateway):
        return UNCONFIGURED
    age = data_age_seconds(gateway, now=now)
    stale = age is None or age > gateway.stale_after_seconds
    if age is None and gateway.consecutive_failures == 0:
        return NEVER
    if gateway.consecutive_failures > 0 and stale:
        return FAILING
    if stale:
        return STALE
    if (
        gateway.consecutive_failures > 0
        or gateway.circuit_state != Gateway.Circuit.CLOSED
        or gateway.last_outcome == RefreshRun.Outcome.DEGRADED
    ):
        return DEGRADED
    return OK


def source_status(gateway: Gateway, *, now: datetime) -> SourceStatus:
    age = data_age_seconds(gateway, now=now)
    return SourceStatus(
        slug=gateway.slug,
        name=gateway.name,
        enabled=gateway.enabled,
        priority=gateway.priority,
        status=gateway_status(gateway, now=now),
        stale=age is None or age > gateway.stale_after_seconds,
        age_seconds=age,
        last_success_at=gateway.last_success_at,
    )


class GatewaySources:
    """The `catalog.sources` provider backed by `Gateway` rows."""

    def statuses(self, *, slugs: Iterable[str] | None = None) -> dict[str, SourceStatus]:
        now = timezone.now()
        gateways = Gateway.objects.all()
        if slugs is not None:
            gateways = gateways.filter(slug__in=list(slugs))
        return {g.slug: source_status(g, now=now) for g in gateways.order_by("-priority", "slug")}

    def refresh_if_stale(self, statuses: Iterable[SourceStatus]) -> None:
        stale = [s.slug for s in statuses if s.stale and s.enabled and s.status != UNCONFIGURED]
        if stale:
            # Deduplicated there: one stale read after another queues one refresh.
            gateways_refresh_stale(slugs=stale)
