"""How fresh a gateway's data is, and its status: the one place these rules live. The read path
applies them to `catalog.Source` rows; the dashboard, the JSON health, the metrics and the admin
apply the same functions to the same rows.

The status rules, in order (the first that matches wins). "Data age" is the time since the last
refresh that published a live list (`last_success_at`); a refresh that published only a fallback or
static list does not make the data younger.

1. `disabled`        the gateway is switched off.
2. `unconfigured`    its list needs a key and `GATEWAY_KEY_<SLUG>` is not set, or no adapter is
                     registered for its kind.
3. `never_refreshed` no refresh has published anything and none has failed yet.
4. `failing`         the last refresh failed and there is no fresh data (never succeeded, or the
                     data is older than the stale window).
5. `stale`           the data is older than the gateway's stale window (`stale_after_seconds`), or
                     there is no live data at all, whatever the last refresh said: stale data is
                     never `ok`.
6. `held`            the data is fresh and the drift guard held suspect values of a refresh that
                     wait for staff review (`review_pending`; docs/admin.md, "Held runs").
7. `degraded`        the data is fresh but the last refresh failed, the circuit is open, or the
                     last refresh published a fallback or static list.
8. `ok`              otherwise.

"Older than" is strict: data exactly `stale_after_seconds` old is still fresh; one second more is
stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

OK, STALE, FAILING, DEGRADED, UNCONFIGURED, DISABLED, NEVER, HELD = (
    "ok",
    "stale",
    "failing",
    "degraded",
    "unconfigured",
    "disabled",
    "never_refreshed",
    "held",
)
STATUSES = (OK, STALE, FAILING, DEGRADED, HELD, UNCONFIGURED, DISABLED, NEVER)
# What each status means, for the dashboard legend and docs/admin.md.
STATUS_MEANINGS = {
    OK: "fresh live data and the last refresh succeeded",
    STALE: "data older than the gateway's stale window; still served, labelled stale",
    FAILING: "the last refresh failed and there is no fresh data to fall back on",
    DEGRADED: "fresh data, but the last refresh failed, the circuit is open or a fallback list was published",
    HELD: "fresh data, but the drift guard held suspect values of a refresh: they wait for staff review",
    UNCONFIGURED: "no key in the environment (or no adapter for its kind); not refreshed",
    DISABLED: "switched off in admin; not refreshed",
    NEVER: "enabled and configured, but no refresh has finished yet",
}


class Facts(Protocol):
    """What the rules read (`catalog.Source` has it)."""

    enabled: bool
    configured: bool
    last_success_at: datetime | None
    stale_after_seconds: int
    consecutive_failures: int
    published_fallback: bool
    circuit_open: bool
    review_pending: bool


def data_age_seconds(facts: Facts, *, now: datetime) -> int | None:
    if facts.last_success_at is None:
        return None
    return max(0, int((now - facts.last_success_at).total_seconds()))


def is_stale(facts: Facts, *, now: datetime) -> bool:
    age = data_age_seconds(facts, now=now)
    return age is None or age > facts.stale_after_seconds


def status_of(facts: Facts, *, now: datetime) -> str:
    if not facts.enabled:
        return DISABLED
    if not facts.configured:
        return UNCONFIGURED
    stale = is_stale(facts, now=now)
    if facts.last_success_at is None and facts.consecutive_failures == 0 and not facts.published_fallback:
        return NEVER
    if facts.consecutive_failures > 0 and stale:
        return FAILING
    if stale:
        return STALE
    if facts.review_pending:
        return HELD
    if facts.consecutive_failures > 0 or facts.circuit_open or facts.published_fallback:
        return DEGRADED
    return OK
