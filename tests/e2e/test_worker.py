"""The refresh pipeline through real processes: a Celery worker with the beat (the migration's
periodic task, ticking every second here), the fake upstream on a real socket, and the database
the test reads.

Results are read back from the stored rows and through `GET /catalog/v1/models`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from catalog.models import AIModel
from catalog.render import dumps, model_document
from gateways.adapters.openai_compatible import OpenAICompatible
from gateways.errors import ErrorKind
from gateways.fetch import decode_json
from gateways.models import Gateway, RefreshRun

from .conftest import SLUG, Worker, api_models, catalog_snapshot, seed_catalog, tick_every_second, wait_for
from .upstream import KEY, FakeUpstream, echo_key_401, hold_then, models, models_body, never_answers, raw

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Small limits so faults resolve in seconds: soft < hard < lease, fetch deadline < soft limit.
FAST = {
    "GATEWAY_FETCH_DEADLINE_SECONDS": 4,
    "CELERY_TASK_SOFT_TIME_LIMIT": 5,
    "CELERY_TASK_TIME_LIMIT": 7,
    "GATEWAY_LEASE_SECONDS": 9,
    "GATEWAY_RETRY_BASE_SECONDS": 0.2,
    "GATEWAY_RETRY_MAX_SECONDS": 1,
    "GATEWAY_MAX_RETRIES": 2,
}


def finished_runs(gateway: Gateway) -> list[RefreshRun]:
    return list(RefreshRun.objects.filter(gateway=gateway).exclude(outcome=RefreshRun.Outcome.RUNNING).order_by("id"))


def failed_runs(gateway: Gateway) -> list[RefreshRun]:
    return list(RefreshRun.objects.filter(gateway=gateway, outcome=RefreshRun.Outcome.FAILED).order_by("id"))


def settled(gateway: Gateway, failures: int) -> Callable[[], bool]:
    """`failures` runs failed, and the task is done with the gateway (no retry pending)."""

    def check() -> bool:
        fresh = Gateway.objects.get(pk=gateway.pk)
        return len(failed_runs(gateway)) >= failures and fresh.refresh_queued_at is None and not fresh.lease_token

    return check


def expected_documents(body: bytes) -> dict[str, str]:
    """What publishing `body` must store: the adapter's documents, rendered as at publish time."""
    adapter = OpenAICompatible(options={"price_unit": "per_token"})
    result = adapter.parse_body(decode_json(body))
    return {m.id: dumps(model_document(m, gateway_slug=SLUG)) for m in result.models}


def test_scheduled_tick_refreshes_a_due_gateway_through_the_worker(
    fake_gateway: Gateway, upstream: FakeUpstream, start_worker: Callable[..., Worker], client: Client
) -> None:
    tick_every_second()
    upstream.reply = models(10)
    worker = start_worker(upstream, **FAST)

    wait_for(lambda: finished_runs(fake_gateway), what="the scheduled refresh", log=worker.log)
    [run] = finished_runs(fake_gateway)
    assert (run.trigger, run.outcome, run.models_added, run.error_kind) == ("schedule", "success", 10, ""), run.error_message
    stored = dict(AIModel.objects.filter(gateway=fake_gateway, is_active=True).values_list("upstream_id", "public_json"))
    expected = expected_documents(models_body(10))
    assert stored == expected
    body = api_models(client)
    assert body["data"] == [json.loads(expected[model_id]) for model_id in sorted(expected)]
    assert (body["freshness"][SLUG]["status"], body["freshness"][SLUG]["stale"]) == ("ok", False)
    assert upstream.requests == [("/v1/models", f"Bearer {KEY}")]
    broker = settings.CELERY_BROKER_URL.split("://")[0]  # filesystem by default, Redis across machines
    assert f".> transport:   {broker}://" in worker.log()
    # The worker logs as the web processes do: one JSON object per line (operators alert on it).
    assert not re.search(r"^\[\d{4}-\d\d-\d\d [\d:,]+: (INFO|WARNING|ERROR)/", worker.log(), re.M), worker.log()
    [refresh_line] = [json.loads(line) for line in worker.log().splitlines() if '"logger": "gateways.refresh"' in line]
    assert (refresh_line["gateway"], refresh_line["outcome"], refresh_line["models_added"]) == (SLUG, "success", 10)
    assert refresh_line["message"].startswith("refresh gateway=fakeup outcome=success")


@pytest.mark.parametrize(
    ("reply", "kind", "attempts"),
    [
        (raw(503, b"<html>upstream busy</html>", {"Content-Type": "text/html"}), ErrorKind.HTTP_STATUS, 3),
        (echo_key_401(), ErrorKind.UNAUTHORIZED, 1),
    ],
    ids=["503-retried", "401-not-retried"],
)
def test_failing_upstream_keeps_the_catalog_and_retries_only_retryable_errors(
    fake_gateway: Gateway,
    upstream: FakeUpstream,
    start_worker: Callable[..., Worker],
    reply: Any,
    kind: str,
    attempts: int,
    client: Client,
) -> None:
    seed_catalog(fake_gateway, upstream)
    before = catalog_snapshot(fake_gateway)
    tick_every_second()
    upstream.reply = reply
    worker = start_worker(upstream, **FAST)

    wait_for(settled(fake_gateway, attempts), what=f"{attempts} attempt(s) and no retry pending", log=worker.log)
    runs = finished_runs(fake_gateway)[1:]  # after the seeding run
    assert len(failed_runs(fake_gateway)) == attempts
    assert [(r.trigger, r.outcome, r.error_kind) for r in runs] == [("schedule", "failed", kind)] * attempts
    assert upstream.request_count == attempts
    assert catalog_snapshot(fake_gateway) == before
    body = api_models(client)  # still served, labelled stale
    assert [m["id"] for m in body["data"]] == before["active"]
    assert (body["freshness"][SLUG]["status"], body["freshness"][SLUG]["stale"]) == ("failing", True)
    assert all(KEY not in r.error_message for r in runs)
    assert KEY not in worker.log()


def test_worker_killed_mid_refresh_leaves_the_catalog_and_the_lease_expires(
    fake_gateway: Gateway, upstream: FakeUpstream, start_worker: Callable[..., Worker]
) -> None:
    seed_catalog(fake_gateway, upstream)
    before = catalog_snapshot(fake_gateway)
    tick_every_second()
    upstream.reply = hold_then(models(12, price="0.000003"))
    first = start_worker(upstream, **FAST)

    wait_for(upstream.request_seen.is_set, what="the worker's fetch", log=first.log)
    first.kill()

    fake_gateway.refresh_from_db()
    [killed] = RefreshRun.objects.filter(gateway=fake_gateway, outcome=RefreshRun.Outcome.RUNNING)
    assert fake_gateway.lease_token and fake_gateway.lease_expires_at > timezone.now()
    assert catalog_snapshot(fake_gateway) == before

    upstream.reply = models(12, price="0.000003")
    upstream.release.set()  # the held response goes to a dead socket
    second = start_worker(upstream, **FAST)
    wait_for(
        lambda: RefreshRun.objects.filter(gateway=fake_gateway, outcome="success").count() == 2,
        what="the next scheduled refresh, once the lease expired",
        log=second.log,
    )
    killed.refresh_from_db()
    assert (killed.outcome, killed.error_kind) == ("failed", ErrorKind.INTERNAL)
    assert "stopped before it finished" in killed.error_message
    stored = dict(AIModel.objects.filter(gateway=fake_gateway, is_active=True).values_list("upstream_id", "public_json"))
    assert stored == expected_documents(models_body(12, price="0.000003"))
    assert json.loads(stored["acme/model-01"])["pricing"]["prompt"] == "0.000003"


def test_soft_time_limit_records_a_failed_run_and_releases_the_lease(
    fake_gateway: Gateway, upstream: FakeUpstream, start_worker: Callable[..., Worker]
) -> None:
    seed_catalog(fake_gateway, upstream)
    before = catalog_snapshot(fake_gateway)
    tick_every_second()
    upstream.reply = never_answers()
    # The fetch deadline is longer than the soft limit here, so the soft limit is what stops it.
    worker = start_worker(
        upstream, **{**FAST, "GATEWAY_FETCH_DEADLINE_SECONDS": 5, "CELERY_TASK_SOFT_TIME_LIMIT": 2, "GATEWAY_MAX_RETRIES": 0}
    )

    wait_for(settled(fake_gateway, 1), what="the refresh stopped by the soft time limit", log=worker.log)
    [run] = failed_runs(fake_gateway)
    assert (run.outcome, run.error_kind, run.retryable) == ("failed", ErrorKind.TIMEOUT, True)
    assert "soft time limit (2 s)" in run.error_message
    fake_gateway.refresh_from_db()
    assert (fake_gateway.lease_token, fake_gateway.lease_expires_at) == ("", None)
    assert catalog_snapshot(fake_gateway) == before
