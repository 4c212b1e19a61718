"""Gateway health for the dashboard, the admin, the JSON endpoints and the metrics: each gateway's
status (the rules of `catalog.freshness`, applied to the gateway's live facts), a one-sentence
reason, and figures from its stored models (never a live probe). Statuses, reasons and figures never
include an upstream's error text: that stays in `last_error`, which only staff see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from catalog.counts import NO_MODELS, disagreement_counts, model_figures
from catalog.display import duration_text
from catalog.freshness import (
    DEGRADED,
    DISABLED,
    FAILING,
    HELD,
    NEVER,
    STALE,
    STATUSES,
    UNCONFIGURED,
    data_age_seconds,
    is_stale,
    status_of,
)
from gateways.circuit import circuit_state
from gateways.keys import configuration_problem, key_state, key_variable
from gateways.leases import lease_held
from gateways.models import Gateway


def gateway_status(gateway: Gateway, *, now: datetime) -> str:
    """The gateway's status as of `now`, from its live facts (the environment's keys included)."""
    return status_of(gateway.source_facts(), now=now)


def _failures_text(gateway: Gateway) -> str:
    kind = gateway.get_last_error_kind_display() if gateway.last_error_kind else "error"
    count = gateway.consecutive_failures
    return f"the last refresh failed ({kind})" if count == 1 else f"the last {count} refreshes failed ({kind})"


def status_reason(gateway: Gateway, *, status: str, now: datetime) -> str:
    """One sentence on why `gateway` has `status`, from figures and error kinds only (safe to publish)."""
    age = data_age_seconds(gateway, now=now)
    window = duration_text(gateway.stale_after_seconds)
    if status == DISABLED:
        return "switched off in admin"
    if status == UNCONFIGURED:
        if age is None:
            return f"{configuration_problem(gateway)}; the gateway is not refreshed"
        served = "stale" if is_stale(gateway, now=now) else "fresh"
        return f"{configuration_problem(gateway)}, so it is not refreshed; its stored list ({duration_text(age)} old, {served}) is served"
    if status == NEVER:
        return "no refresh has finished yet"
    if status == FAILING:
        data = "no live data yet" if age is None else f"its data is {duration_text(age)} old (stale after {window})"
        return f"{_failures_text(gateway)}; {data}"
    if status == STALE:
        if age is None:
            return "only fallback data has been published; no live list yet"
        return f"its data is {duration_text(age)} old, older than its {window} stale window"
    if status == HELD:
        return (
            "the drift guard held suspect values of a refresh (the rest was published); "
            "staff approve or reject them in admin, and the stored values are served meanwhile"
        )
    if status == DEGRADED:
        if gateway.consecutive_failures:
            return f"{_failures_text(gateway)}; serving data from {duration_text(age)} ago"
        if gateway.circuit_state != Gateway.Circuit.CLOSED:
            return "the circuit breaker is open; refreshes pause until it cools down"
        return "the last refresh published a fallback or static list"
    return f"data {duration_text(age)} old; refreshed every {duration_text(gateway.refresh_interval_seconds)}"


def status_label(gateway: Gateway, *, status: str, now: datetime) -> str:
    """The badge text for `status`: its name, except that an unconfigured gateway whose stored
    list is served (imported, or fetched before its key went) says so: `served, no key` (or
    `stale, no key`; `not configured` instead of `no key` when an option is missing)."""
    if status != UNCONFIGURED or gateway.last_success_at is None:
        return status.replace("_", " ")
    missing = "no key" if key_state(gateway) == "missing" else "not configured"
    return f"{'stale' if is_stale(gateway, now=now) else 'served'}, {missing}"


# --- the health of every gateway, for the dashboard, the admin and the JSON endpoints ---------


@dataclass(frozen=True, slots=True)
class GatewayHealth:
    """One gateway's status and figures, from its row and its stored models (no live probe)."""

    gateway: Gateway
    status: str
    label: str  # the badge text (`status_label`)
    reason: str
    configuration_problem: str | None
    age_seconds: int | None
    stale: bool
    circuit: str  # `half_open` once an open circuit has cooled down
    refreshing: bool  # a worker holds the refresh lease
    models_active: int
    prompt_price_min: Decimal | None  # USD per token, over active models
    prompt_price_max: Decimal | None
    disagreements: int = 0  # merged entries where its offers disagree with another (`catalog.provenance`)

    @property
    def slug(self) -> str:
        return self.gateway.slug

    @property
    def configured(self) -> bool:
        return self.configuration_problem is None

    @property
    def key_variable(self) -> str:
        return key_variable(self.gateway.slug)

    @property
    def key_status(self) -> str:
        """`configured`, `missing` or `not needed` (`gateways.keys.key_state`)."""
        return key_state(self.gateway)

    @property
    def below_minimum(self) -> bool:
        return self.models_active < self.gateway.min_expected_models


def gateway_health(
    gateway: Gateway, *, now: datetime, models_active: int = 0, prices: tuple = (None, None), disagreements: int = 0
) -> GatewayHealth:
    status = gateway_status(gateway, now=now)
    return GatewayHealth(
        gateway=gateway,
        status=status,
        label=status_label(gateway, status=status, now=now),
        reason=status_reason(gateway, status=status, now=now),
        configuration_problem=configuration_problem(gateway),
        age_seconds=data_age_seconds(gateway, now=now),
        stale=is_stale(gateway, now=now),
        circuit=circuit_state(gateway, now=now),
        refreshing=lease_held(gateway, now=now),
        models_active=models_active,
        prompt_price_min=prices[0],
        prompt_price_max=prices[1],
        disagreements=disagreements,
    )


def gateway_health_list(*, now: datetime, gateways: Iterable[Gateway] | None = None) -> list[GatewayHealth]:
    """Every gateway's health (or those given), in three queries whatever their number."""
    gateways = list(Gateway.objects.all() if gateways is None else gateways)
    figures = model_figures(gateway_ids=[g.pk for g in gateways])
    disagreements = disagreement_counts()
    result = []
    for gateway in gateways:
        row = figures.get(gateway.pk, NO_MODELS)
        prices = (row.prompt_price_min, row.prompt_price_max)
        count = disagreements.get(gateway.slug, 0)
        result.append(gateway_health(gateway, now=now, models_active=row.active, prices=prices, disagreements=count))
    return result


def status_summary(items: Iterable[GatewayHealth]) -> dict[str, int]:
    """Counts by status, every status present (0 when none), in `STATUSES` order."""
    counts = dict.fromkeys(STATUSES, 0)
    for item in items:
        counts[item.status] += 1
    return counts
