"""The status rules (health/selectors.py), at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.freshness import DEGRADED, DISABLED, FAILING, NEVER, OK, STALE, UNCONFIGURED
from gateways.models import Gateway, RefreshRun
from health.selectors import gateway_status, status_reason

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WINDOW = 3 * 3600


def gateway(**fields) -> Gateway:
    """An unsaved gateway (the rules read only its columns). OpenRouter needs no key."""
    defaults = {"slug": "gw", "name": "GW", "kind": "openrouter", "enabled": True, "stale_after_seconds": WINDOW}
    return Gateway(**{**defaults, **fields})


def fresh(**fields) -> Gateway:
    return gateway(last_success_at=NOW - timedelta(minutes=5), last_outcome=RefreshRun.Outcome.SUCCESS, **fields)


@pytest.mark.parametrize(
    ("age", "status"),
    [(WINDOW - 1, OK), (WINDOW, OK), (WINDOW + 1, STALE), (10 * WINDOW, STALE)],
)
def test_data_older_than_the_stale_window_is_stale_and_exactly_the_window_is_not(age: int, status: str) -> None:
    subject = gateway(last_success_at=NOW - timedelta(seconds=age), last_outcome=RefreshRun.Outcome.SUCCESS)

    assert gateway_status(subject, now=NOW) == status


@pytest.mark.parametrize(("age", "status"), [(WINDOW, DEGRADED), (WINDOW + 1, FAILING)])
def test_a_failed_refresh_is_degraded_while_data_is_fresh_and_failing_once_it_is_stale(age: int, status: str) -> None:
    subject = gateway(
        last_success_at=NOW - timedelta(seconds=age), last_outcome=RefreshRun.Outcome.FAILED, consecutive_failures=1
    )

    assert gateway_status(subject, now=NOW) == status


def test_never_succeeded_and_failed_is_failing() -> None:
    assert gateway_status(gateway(consecutive_failures=1, last_outcome="failed"), now=NOW) == FAILING


def test_nothing_finished_yet_is_never_refreshed() -> None:
    assert gateway_status(gateway(), now=NOW) == NEVER


def test_only_fallback_data_published_is_stale_not_never_refreshed() -> None:
    assert gateway_status(gateway(last_outcome=RefreshRun.Outcome.DEGRADED), now=NOW) == STALE


@pytest.mark.parametrize(
    "fields",
    [
        {"circuit_state": Gateway.Circuit.OPEN},
        {"circuit_state": Gateway.Circuit.HALF_OPEN},
        {"consecutive_failures": 2},
    ],
)
def test_fresh_data_with_a_problem_is_degraded(fields: dict) -> None:
    assert gateway_status(fresh(**fields), now=NOW) == DEGRADED


def test_fresh_data_from_a_fallback_publish_is_degraded() -> None:
    subject = gateway(last_success_at=NOW - timedelta(minutes=5), last_outcome=RefreshRun.Outcome.DEGRADED)

    assert gateway_status(subject, now=NOW) == DEGRADED


def test_disabled_wins_over_everything() -> None:
    assert gateway_status(fresh(enabled=False, consecutive_failures=9), now=NOW) == DISABLED


def test_a_key_that_is_needed_and_missing_is_unconfigured(gateway_keys) -> None:
    subject = fresh(kind="groq", slug="groq-x")

    assert gateway_status(subject, now=NOW) == UNCONFIGURED
    assert status_reason(subject, status=UNCONFIGURED, now=NOW) == (
        "GATEWAY_KEY_GROQ_X is not set, so it is not refreshed; its stored list (5 min old, fresh) is served"
    )
    gateway_keys(**{"groq-x": "k"})
    assert gateway_status(subject, now=NOW) == OK


def test_a_kind_with_no_adapter_is_unconfigured_not_an_error() -> None:
    subject = fresh(kind="ghost")

    assert gateway_status(subject, now=NOW) == UNCONFIGURED
    assert status_reason(subject, status=UNCONFIGURED, now=NOW) == (
        "no adapter is registered for kind 'ghost', so it is not refreshed; its stored list (5 min old, fresh) is served"
    )


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"last_success_at": NOW - timedelta(minutes=12)}, "data 12 min old; refreshed every 60 min"),
        ({"last_success_at": NOW - timedelta(hours=5)}, "its data is 5 h old, older than its 3 h stale window"),
        (
            {"last_success_at": NOW - timedelta(hours=5), "consecutive_failures": 1, "last_error_kind": "timeout"},
            "the last refresh failed (timeout); its data is 5 h old (stale after 3 h)",
        ),
        (
            {"last_success_at": NOW - timedelta(minutes=30), "consecutive_failures": 2, "last_error_kind": "rate_limited"},
            "the last 2 refreshes failed (rate limited (429)); serving data from 30 min ago",
        ),
        (
            {"last_success_at": NOW - timedelta(minutes=30), "circuit_state": "open"},
            "the circuit breaker is open; refreshes pause until it cools down",
        ),
    ],
)
def test_the_reason_explains_the_status_with_figures_only(fields: dict, reason: str) -> None:
    subject = gateway(refresh_interval_seconds=3600, **fields)

    assert status_reason(subject, status=gateway_status(subject, now=NOW), now=NOW) == reason


@settings(max_examples=300, deadline=None)
@given(
    age=st.integers(min_value=0, max_value=30 * 86400),
    window=st.integers(min_value=60, max_value=7 * 86400),
    failures=st.integers(min_value=0, max_value=10),
    outcome=st.sampled_from(["", "success", "degraded", "failed", "skipped", "running"]),
    circuit=st.sampled_from(["closed", "open", "half_open"]),
)
def test_stale_data_is_never_ok_whatever_the_last_run_said(
    age: int, window: int, failures: int, outcome: str, circuit: str
) -> None:
    subject = gateway(
        stale_after_seconds=window,
        last_success_at=NOW - timedelta(seconds=age),
        consecutive_failures=failures,
        last_outcome=outcome,
        circuit_state=circuit,
    )

    status = gateway_status(subject, now=NOW)

    if age > window:
        assert status in (STALE, FAILING)
    if status == OK:
        assert age <= window and failures == 0 and circuit == "closed" and outcome != "degraded"
