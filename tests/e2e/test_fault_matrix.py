"""Fault injection against a real socket server: every way an upstream can fail leaves the stored
catalog byte for byte as it was, records the run with the right error kind, retries exactly when
the error is retryable, and keeps the stored data readable, labelled stale.

Stored data is read back through `GET /catalog/v1/models`. The task runs in this process (`refresh_gateway.apply()`: retries run inline, their countdowns
skipped) with a small deadline and byte cap; the upstream is `FakeUpstream` on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from catalog.models import AIModel
from gateways.errors import ErrorKind
from gateways.models import Gateway, RefreshRun
from gateways.tasks import refresh_gateway

from .conftest import SLUG, api_models, catalog_snapshot, seed_catalog
from .upstream import (
    KEY,
    FakeUpstream,
    Reply,
    cut_short,
    drip,
    echo_key_401,
    gzip_bomb,
    models,
    models_body,
    never_answers,
    raw,
    redirect_to,
)

pytestmark = pytest.mark.django_db

MAX_RETRIES = 2
RETRIED = 1 + MAX_RETRIES
HTML = b"<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>"

Case = tuple[Callable[[FakeUpstream], Reply], str, int, str]
CASES: dict[str, Case] = {
    # name: (reply, error kind, attempts that reach the upstream, words in the recorded message)
    "500": (lambda u: raw(500, b'{"error": "internal"}'), ErrorKind.HTTP_STATUS, RETRIED, "HTTP 500"),
    "503": (lambda u: raw(503, HTML, {"Content-Type": "text/html"}), ErrorKind.HTTP_STATUS, RETRIED, "HTTP 503"),
    "429-retry-after": (lambda u: raw(429, b"{}", {"Retry-After": "1"}), ErrorKind.RATE_LIMITED, RETRIED, "HTTP 429"),
    "never-answers": (lambda u: never_answers(), ErrorKind.TIMEOUT, RETRIED, "timed out"),
    "slow-drip": (lambda u: drip(), ErrorKind.TIMEOUT, RETRIED, "deadline"),
    "truncated-json": (lambda u: raw(200, models_body(10)[:-40]), ErrorKind.MALFORMED, 1, "not valid JSON"),
    "cut-short-in-transit": (lambda u: cut_short(), ErrorKind.CONNECTION, RETRIED, "connection failed"),
    "html-with-200": (lambda u: raw(200, HTML, {"Content-Type": "text/html"}), ErrorKind.MALFORMED, 1, "HTML page"),
    "empty-list": (lambda u: models(0), ErrorKind.GUARD, 1, "no usable models"),
    "below-min-expected": (lambda u: models(2), ErrorKind.GUARD, 1, "fewer than min_expected_models=3"),
    "shrunk-past-guard": (lambda u: models(4), ErrorKind.GUARD, 1, "shrank from 10 to 4"),
    "over-byte-cap": (lambda u: models(400), ErrorKind.TOO_LARGE, 1, "byte cap"),
    "gzip-bomb": (lambda u: gzip_bomb(), ErrorKind.TOO_LARGE, 1, "byte cap"),
    "redirect-other-host": (
        lambda u: redirect_to(f"http://localhost:{u.port}/v1/models"),
        ErrorKind.REDIRECT,
        1,
        "refused to follow http://localhost:",
    ),
    "401": (lambda u: echo_key_401(), ErrorKind.UNAUTHORIZED, 1, "HTTP 401"),
}


SLOW = {"never-answers", "slow-drip"}  # the cases that must run into the deadline


@pytest.fixture
def small_limits(settings: Any) -> Callable[[str], None]:
    """Applied after seeding: a busy machine must not turn the good seeding fetch, or a fault
    that is not about time, into a timeout."""

    def apply(case: str = "") -> None:
        settings.GATEWAY_FETCH_DEADLINE_SECONDS = 1.0 if case in SLOW else 20.0
        settings.GATEWAY_MAX_BODY_BYTES = 16 * 1024
        settings.GATEWAY_MAX_RETRIES = MAX_RETRIES

    return apply


@pytest.mark.parametrize("case", list(CASES))
def test_fault_keeps_the_catalog_and_is_recorded(
    case: str, fake_gateway: Gateway, upstream: FakeUpstream, small_limits: Callable[[str], None], client: Client
) -> None:
    make_reply, kind, attempts, words = CASES[case]
    seed_catalog(fake_gateway, upstream)  # ten good models, older than the stale window
    before = catalog_snapshot(fake_gateway)
    small_limits(case)
    upstream.reply = make_reply(upstream)

    assert refresh_gateway.apply(args=[fake_gateway.pk]).get() == "failed"

    runs = list(RefreshRun.objects.filter(gateway=fake_gateway).order_by("id"))[1:]
    assert [(r.outcome, r.error_kind) for r in runs] == [("failed", kind)] * attempts
    assert all(r.retryable is (attempts > 1) for r in runs)
    assert all(words in r.error_message and KEY not in r.error_message for r in runs), runs[0].error_message
    assert upstream.request_count == attempts
    assert catalog_snapshot(fake_gateway) == before

    fake_gateway.refresh_from_db()
    assert (fake_gateway.last_error_kind, fake_gateway.consecutive_failures) == (kind, attempts)
    assert (fake_gateway.refresh_queued_at, fake_gateway.lease_token) == (None, "")
    body = api_models(client)  # still served, labelled stale
    stored = dict(AIModel.objects.filter(gateway=fake_gateway, is_active=True).values_list("upstream_id", "public_json"))
    assert body["data"] == [json.loads(stored[model_id]) for model_id in before["active"]]
    assert len(body["data"]) == 10
    assert (body["freshness"][SLUG]["status"], body["freshness"][SLUG]["stale"]) == ("failing", True)


def test_429_records_the_upstreams_retry_after(
    fake_gateway: Gateway, upstream: FakeUpstream, small_limits: Callable[[str], None]
) -> None:
    seed_catalog(fake_gateway, upstream)
    small_limits()
    upstream.reply = raw(429, b"{}", {"Retry-After": "30"})
    refresh_gateway.apply(args=[fake_gateway.pk])
    runs = RefreshRun.objects.filter(gateway=fake_gateway, outcome="failed")
    assert [(r.http_status, r.retry_after_seconds) for r in runs] == [(429, 30.0)] * RETRIED


def test_failure_with_fresh_data_is_served_as_degraded_not_stale(
    fake_gateway: Gateway, upstream: FakeUpstream, small_limits: Callable[[str], None], client: Client
) -> None:
    seed_catalog(fake_gateway, upstream, stale=False)
    before = catalog_snapshot(fake_gateway)
    small_limits()
    upstream.reply = raw(500, b"{}")
    refresh_gateway.apply(args=[fake_gateway.pk])
    assert catalog_snapshot(fake_gateway) == before
    freshness = api_models(client)["freshness"][SLUG]
    assert (freshness["status"], freshness["stale"]) == ("degraded", False)


def test_forced_refresh_accepts_a_shrunk_list(
    fake_gateway: Gateway, upstream: FakeUpstream, small_limits: Callable[[str], None]
) -> None:
    seed_catalog(fake_gateway, upstream)
    small_limits()
    upstream.reply = models(4)
    assert refresh_gateway.apply(args=[fake_gateway.pk], kwargs={"force": True, "trigger": "manual"}).get() == "success"
    served = AIModel.objects.filter(gateway=fake_gateway, is_active=True)
    listed = served.filter(missing_since=None).values_list("upstream_id", flat=True)
    assert sorted(listed) == [f"acme/model-{i:02d}" for i in range(1, 5)]
    # The six the list lacks are served marked missing for the grace period, not removed at once.
    assert served.exclude(missing_since=None).count() == 6
