"""The scheduled refresh, in-process: enqueue-on-commit and deduplication, what is due, the task's
retry decisions and backoff, the circuit breaker, and the soft time limit.

Tasks run with `.apply()` (retries run inline, their countdowns ignored); the upstream is an
`httpx.MockTransport`; publishing to the broker is replaced by a recorder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from kombu.exceptions import OperationalError

from catalog.models import AIModel
from catalog.sources import source_statuses, stale_read
from gateways import refresh, scheduling, tasks
from gateways.circuit import circuit_state
from gateways.errors import ErrorKind
from gateways.leases import lease_acquire, lease_release
from gateways.manual import gateways_request_refresh
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from gateways.retries import refresh_retry_countdown, retry_backoff
from gateways.scheduling import gateway_enqueue_refresh, gateway_is_due, gateways_enqueue_due
from gatewayz_site.celery import app as celery_app

from ..conftest import json_transport

KEY = "sk-unit-secret-0123456789"


def model_list(count: int) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": f"acme/m-{i}", "object": "model", "owned_by": "acme"} for i in range(count)]}


@pytest.fixture
def gateway(db: None, gateway_keys: Callable[..., None]) -> Gateway:
    gateway_keys(acme=KEY)
    return Gateway.objects.create(
        slug="acme",
        name="Acme",
        kind="openai_compatible",
        base_url="https://api.acme.test/v1",
        min_expected_models=1,
        refresh_interval_seconds=3600,
    )


class Upstream:
    """What the fake upstream answers (`reply`), and how many requests it saw."""

    def __init__(self) -> None:
        self.reply: Callable[[httpx.Request], httpx.Response] = lambda request: httpx.Response(200, json=model_list(3))
        self.calls = 0

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        return self.reply(request)


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Upstream:
    """Every live fetch (the task's too) goes to this fake instead of the network."""
    fake = Upstream()
    real = refresh._fetch_live
    monkeypatch.setattr(refresh, "_fetch_live", lambda transport: real(json_transport(fake.handle)))
    return fake


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, ...]]]:
    """Messages that would have gone to the broker: (args, kwargs) of refresh_gateway."""
    messages: list[tuple[Any, ...]] = []
    monkeypatch.setattr(tasks.refresh_gateway, "delay", lambda *args, **kwargs: messages.append((args, kwargs)))
    yield messages


def runs(gateway: Gateway) -> list[RefreshRun]:
    return list(RefreshRun.objects.filter(gateway=gateway).order_by("id"))


# --- single flight ------------------------------------------------------------------------------


def test_lease_is_single_flight_and_only_its_holder_releases_it(gateway: Gateway) -> None:
    token = lease_acquire(gateway_id=gateway.pk)
    assert token
    assert lease_acquire(gateway_id=gateway.pk) is None
    lease_release(gateway_id=gateway.pk, token="someone-else")
    assert lease_acquire(gateway_id=gateway.pk) is None
    lease_release(gateway_id=gateway.pk, token=token)
    assert lease_acquire(gateway_id=gateway.pk)


def test_lease_outlives_the_hard_time_limit(gateway: Gateway, settings: Any) -> None:
    now = timezone.now()
    lease_acquire(gateway_id=gateway.pk, now=now)
    gateway.refresh_from_db()
    assert gateway.lease_expires_at - now == timedelta(seconds=settings.GATEWAY_LEASE_SECONDS)
    assert settings.GATEWAY_LEASE_SECONDS > settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT


def test_expired_lease_of_a_killed_worker_is_taken_over_and_its_run_closed_as_failed(gateway: Gateway, settings: Any) -> None:
    started = timezone.now() - timedelta(seconds=settings.GATEWAY_LEASE_SECONDS + 5)
    dead = RefreshRun.objects.create(gateway=gateway, started_at=started)  # the killed worker's run
    assert lease_acquire(gateway_id=gateway.pk, now=started)

    assert lease_acquire(gateway_id=gateway.pk, now=started + timedelta(seconds=settings.GATEWAY_LEASE_SECONDS - 1)) is None
    assert lease_acquire(gateway_id=gateway.pk)

    dead.refresh_from_db()
    assert (dead.outcome, dead.error_kind) == (RefreshRun.Outcome.FAILED, ErrorKind.INTERNAL)
    assert "stopped before it finished" in dead.error_message
    assert dead.finished_at is not None


def test_refresh_while_another_holds_the_lease_is_skipped_without_fetching(gateway: Gateway, upstream: Upstream) -> None:
    lease_acquire(gateway_id=gateway.pk)
    run = gateway_refresh(gateway=gateway)
    assert (run.outcome, run.error_message) == (RefreshRun.Outcome.SKIPPED, "another refresh of this gateway is in progress")
    assert upstream.calls == 0
    gateway.refresh_from_db()
    assert gateway.last_attempt_at is None


# --- enqueueing -------------------------------------------------------------------------------


def test_enqueue_sends_after_commit_and_only_the_gateway_id(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
        assert sent == []  # not before the commit
    assert len(callbacks) == 1
    assert sent == [((gateway.pk,), {"force": False, "trigger": "manual"})]
    message = json.dumps(sent)
    assert KEY not in message


def test_enqueue_in_a_rolled_back_transaction_sends_nothing_and_leaves_no_mark(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            gateway_enqueue_refresh(gateway=gateway)
            raise RuntimeError("roll back")
    gateway.refresh_from_db()
    assert (sent, gateway.refresh_queued_at) == ([], None)


def test_second_enqueue_is_deduplicated_until_the_task_is_done(
    gateway: Gateway, sent: list[tuple[Any, ...]], upstream: Upstream, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.SCHEDULE)
        assert not gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.STALE_READ)
        assert not gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
    assert len(sent) == 1

    tasks.refresh_gateway.apply(args=sent[0][0], kwargs=sent[0][1])
    gateway.refresh_from_db()
    assert gateway.refresh_queued_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway_enqueue_refresh(gateway=gateway)
    assert len(sent) == 2


def test_forced_enqueue_is_never_deduplicated(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        gateway_enqueue_refresh(gateway=gateway)
        assert gateway_enqueue_refresh(gateway=gateway, force=True)
    assert [kwargs["force"] for _, kwargs in sent] == [False, True]


def test_queue_mark_of_a_lost_message_expires(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    lost = timezone.now() - timedelta(seconds=scheduling.queue_expiry_seconds() + 1)
    Gateway.objects.filter(pk=gateway.pk).update(refresh_queued_at=lost)
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway_enqueue_refresh(gateway=gateway)
    assert len(sent) == 1


def test_enqueue_with_the_broker_down_does_not_raise_and_leaves_the_gateway_requested(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, caplog: Any
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(tasks.refresh_gateway, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.STALE_READ)
    gateway.refresh_from_db()
    assert (gateway.refresh_queued_at, gateway.refresh_requested) == (None, True)
    assert "could not queue a refresh" in caplog.text
    assert gateway_is_due(gateway)  # so the next tick queues it


# --- what is due ------------------------------------------------------------------------------

NOW = timezone.now()
AGO = {"fresh": NOW - timedelta(minutes=10), "old": NOW - timedelta(hours=2), "just": NOW - timedelta(seconds=30)}


@pytest.mark.parametrize(
    ("columns", "due"),
    [
        ({}, True),  # never refreshed
        ({"last_success_at": AGO["fresh"], "last_attempt_at": AGO["fresh"]}, False),
        ({"last_success_at": AGO["old"], "last_attempt_at": AGO["old"]}, True),
        ({"last_success_at": AGO["fresh"], "refresh_requested": True}, True),
        ({"enabled": False}, False),
        ({"lease_token": "x", "lease_expires_at": NOW + timedelta(minutes=1)}, False),
        ({"lease_token": "x", "lease_expires_at": NOW - timedelta(minutes=1)}, True),  # a dead worker's lease
        ({"refresh_queued_at": AGO["just"]}, False),
        ({"circuit_state": "open", "circuit_opened_at": AGO["just"], "consecutive_failures": 5}, False),
        ({"circuit_state": "open", "circuit_opened_at": AGO["old"], "consecutive_failures": 5}, True),  # half-open
        ({"retry_not_before": NOW + timedelta(minutes=5)}, False),
        ({"consecutive_failures": 1, "last_attempt_at": AGO["just"]}, False),  # failed a moment ago
        ({"consecutive_failures": 1, "last_attempt_at": AGO["fresh"]}, True),
        ({"last_success_at": AGO["old"], "last_outcome": "degraded", "last_attempt_at": AGO["fresh"]}, False),
    ],
    ids=[
        "never-refreshed",
        "fresh",
        "older-than-interval",
        "requested",
        "disabled",
        "leased",
        "lease-expired",
        "queued",
        "circuit-open",
        "circuit-half-open",
        "retry-after",
        "failed-just-now",
        "failed-a-while-ago",
        "degraded-recently",
    ],
)
def test_gateway_is_due(gateway: Gateway, columns: dict[str, Any], due: bool) -> None:
    Gateway.objects.filter(pk=gateway.pk).update(**columns)
    gateway.refresh_from_db()
    assert gateway_is_due(gateway, now=NOW) is due


def test_unconfigured_gateway_is_never_due(gateway: Gateway, settings: Any) -> None:
    settings.GATEWAY_KEYS = {}
    assert not gateway_is_due(gateway)


def test_tick_queues_each_due_gateway_once_even_when_two_beats_tick(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    Gateway.objects.exclude(pk=gateway.pk).update(enabled=False)  # the built-in ones
    fresh = Gateway.objects.create(slug="fresh", name="Fresh", kind="openai_compatible", base_url="https://f.test/v1")
    Gateway.objects.filter(pk=fresh.pk).update(last_success_at=timezone.now(), last_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.enqueue_due_refreshes.apply().get() == ["acme"]
        assert tasks.enqueue_due_refreshes.apply().get() == []
    assert sent == [((gateway.pk,), {"force": False, "trigger": "schedule"})]


def test_stale_read_queues_one_refresh_and_labels_the_data_stale(
    gateway: Gateway, upstream: Upstream, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    gateway_refresh(gateway=gateway)
    long_ago = timezone.now() - timedelta(seconds=gateway.stale_after_seconds + 60)
    Gateway.objects.filter(pk=gateway.pk).update(last_success_at=long_ago, last_attempt_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # three reads in a row
            statuses = source_statuses()
            stale_read([statuses["acme"]])
    assert statuses["acme"].stale is True
    assert statuses["acme"].status == "stale"
    assert sent == [((gateway.pk,), {"force": False, "trigger": "stale_read"})]
    assert upstream.calls == 1  # only the seeding refresh: a read never fetches
    assert AIModel.objects.filter(gateway=gateway, is_active=True).count() == 3


def test_stale_read_queues_nothing_while_the_circuit_is_open(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    Gateway.objects.filter(pk=gateway.pk).update(
        circuit_state="open", circuit_opened_at=timezone.now(), consecutive_failures=5, last_attempt_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        stale_read([source_statuses()["acme"]])
    assert sent == []


# --- retries and backoff ----------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_is_capped(settings: Any) -> None:
    settings.GATEWAY_RETRY_BASE_SECONDS = 10
    settings.GATEWAY_RETRY_MAX_SECONDS = 100
    for retries, ceiling in [(0, 10), (1, 20), (2, 40), (3, 80), (4, 100), (9, 100)]:
        delays = {retry_backoff(retries) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays), (retries, delays)
        assert len(delays) > 1  # jittered, not one fixed value


def test_backoff_is_never_sooner_than_retry_after(settings: Any) -> None:
    settings.GATEWAY_RETRY_BASE_SECONDS = 1
    assert retry_backoff(0, retry_after=42.0) == 42.0
    assert all(retry_backoff(5, retry_after=3.0) >= 16 for _ in range(20))  # the backoff is longer still


def failed_run(gateway: Gateway, **fields: Any) -> RefreshRun:
    return RefreshRun.objects.create(gateway=gateway, started_at=timezone.now(), outcome=RefreshRun.Outcome.FAILED, **fields)


@pytest.mark.parametrize(
    ("status", "kind", "retried"),
    [
        (500, ErrorKind.HTTP_STATUS, True),
        (502, ErrorKind.HTTP_STATUS, True),
        (503, ErrorKind.HTTP_STATUS, True),
        (429, ErrorKind.RATE_LIMITED, True),
        (401, ErrorKind.UNAUTHORIZED, False),
        (403, ErrorKind.UNAUTHORIZED, False),
        (404, ErrorKind.NOT_FOUND, False),
        (400, ErrorKind.HTTP_STATUS, False),
    ],
)
def test_status_errors_are_retried_only_when_retryable(
    gateway: Gateway, upstream: Upstream, status: int, kind: str, retried: bool
) -> None:
    upstream.reply = lambda request: httpx.Response(status, json={"error": "no"})
    run = gateway_refresh(gateway=gateway)
    assert (run.outcome, run.error_kind, run.http_status, run.retryable) == ("failed", kind, status, retried)
    assert (refresh_retry_countdown(run=run, retries=0) is not None) is retried


@pytest.mark.parametrize(
    ("reply", "kind", "retried"),
    [
        (lambda request: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=request)), ErrorKind.TIMEOUT, True),
        (lambda request: (_ for _ in ()).throw(httpx.ConnectError("refused", request=request)), ErrorKind.CONNECTION, True),
        (lambda request: httpx.Response(200, content=b'{"data": [{"id": "a"'), ErrorKind.MALFORMED, False),
        (lambda request: httpx.Response(200, json={"data": []}), ErrorKind.GUARD, False),
    ],
    ids=["timeout", "connection", "malformed", "guard-empty"],
)
def test_other_failures_are_retried_only_when_retryable(
    gateway: Gateway, upstream: Upstream, reply: Callable[[httpx.Request], httpx.Response], kind: str, retried: bool
) -> None:
    upstream.reply = reply
    run = gateway_refresh(gateway=gateway)
    assert (run.outcome, run.error_kind, run.retryable) == ("failed", kind, retried)
    assert (refresh_retry_countdown(run=run, retries=0) is not None) is retried


def test_retry_countdown_honours_retry_after_and_the_attempt_cap(gateway: Gateway, settings: Any) -> None:
    settings.GATEWAY_MAX_RETRIES = 2
    settings.GATEWAY_RETRY_BASE_SECONDS = 1
    settings.GATEWAY_RETRY_MAX_SECONDS = 600
    limited = failed_run(gateway, error_kind=ErrorKind.RATE_LIMITED, retryable=True, retry_after_seconds=120)
    assert refresh_retry_countdown(run=limited, retries=0) == 120
    assert refresh_retry_countdown(run=limited, retries=1) == 120
    assert refresh_retry_countdown(run=limited, retries=2) is None  # two retries ran: three attempts in all
    beyond = failed_run(gateway, error_kind=ErrorKind.RATE_LIMITED, retryable=True, retry_after_seconds=3600)
    assert refresh_retry_countdown(run=beyond, retries=0) is None  # the schedule waits instead (retry_not_before)


def test_no_retry_once_the_circuit_is_open(gateway: Gateway) -> None:
    run = failed_run(gateway, error_kind=ErrorKind.TIMEOUT, retryable=True)
    Gateway.objects.filter(pk=gateway.pk).update(circuit_state="open", circuit_opened_at=timezone.now())
    assert refresh_retry_countdown(run=run, retries=0) is None


def test_429_holds_automatic_refreshes_back_until_retry_after(gateway: Gateway, upstream: Upstream) -> None:
    upstream.reply = lambda request: httpx.Response(429, headers={"Retry-After": "7200"}, json={"error": "slow down"})
    run = gateway_refresh(gateway=gateway)
    gateway.refresh_from_db()
    assert run.retry_after_seconds == 7200
    assert timedelta(seconds=7190) < gateway.retry_not_before - run.finished_at <= timedelta(seconds=7200)
    assert not gateway_is_due(gateway, now=timezone.now() + timedelta(hours=1))
    assert gateway_is_due(gateway, now=timezone.now() + timedelta(hours=2, seconds=5))

    upstream.reply = lambda request: httpx.Response(200, json=model_list(3))
    gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
    gateway.refresh_from_db()
    assert gateway.retry_not_before is None


# --- the task, in-process ---------------------------------------------------------------------


def test_task_retries_a_503_up_to_the_cap_then_clears_its_queue_mark(gateway: Gateway, upstream: Upstream, settings: Any) -> None:
    settings.GATEWAY_MAX_RETRIES = 3
    upstream.reply = lambda request: httpx.Response(503, text="busy")
    Gateway.objects.filter(pk=gateway.pk).update(refresh_queued_at=timezone.now())
    tasks.refresh_gateway.apply(args=[gateway.pk])
    assert [(r.outcome, r.error_kind, r.http_status) for r in runs(gateway)] == [("failed", "http_status", 503)] * 4
    assert upstream.calls == 4
    gateway.refresh_from_db()
    assert (gateway.refresh_queued_at, gateway.consecutive_failures, gateway.lease_token) == (None, 4, "")


def test_task_retry_that_succeeds_ends_the_chain(gateway: Gateway, upstream: Upstream) -> None:
    replies = iter([httpx.Response(500, text="oops"), httpx.Response(200, json=model_list(3))])
    upstream.reply = lambda request: next(replies)
    assert tasks.refresh_gateway.apply(args=[gateway.pk]).get() == "success"
    assert [r.outcome for r in runs(gateway)] == ["failed", "success"]
    gateway.refresh_from_db()
    assert (gateway.consecutive_failures, gateway.last_error_kind) == (0, "")


def test_task_does_not_retry_a_401_and_never_records_the_key(gateway: Gateway, upstream: Upstream) -> None:
    upstream.reply = lambda request: httpx.Response(401, json={"error": f"bad key {request.headers['Authorization']}"})
    assert tasks.refresh_gateway.apply(args=[gateway.pk]).get() == "failed"
    [run] = runs(gateway)
    assert (run.error_kind, run.retryable, upstream.calls) == (ErrorKind.UNAUTHORIZED, False, 1)
    assert KEY not in run.error_message
    gateway.refresh_from_db()
    assert KEY not in gateway.last_error


def test_task_retries_stop_when_the_circuit_opens(gateway: Gateway, upstream: Upstream, settings: Any) -> None:
    settings.GATEWAY_MAX_RETRIES = 4
    settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD = 2
    upstream.reply = lambda request: httpx.Response(502, text="bad gateway")
    tasks.refresh_gateway.apply(args=[gateway.pk])
    assert upstream.calls == 2
    gateway.refresh_from_db()
    assert circuit_state(gateway) == Gateway.Circuit.OPEN


def test_task_for_a_deleted_gateway_does_nothing(db: None) -> None:
    assert tasks.refresh_gateway.apply(args=[987654]).get() == "gone"


def test_soft_time_limit_becomes_a_failed_timeout_run_and_releases_the_lease(
    gateway: Gateway, upstream: Upstream, settings: Any
) -> None:
    settings.GATEWAY_MAX_RETRIES = 1

    def stuck(request: httpx.Request) -> httpx.Response:
        raise SoftTimeLimitExceeded()  # what the worker raises in the task when the soft limit passes

    upstream.reply = stuck
    tasks.refresh_gateway.apply(args=[gateway.pk])
    recorded = runs(gateway)
    assert [(r.outcome, r.error_kind, r.retryable) for r in recorded] == [("failed", "timeout", True)] * 2
    assert "soft time limit" in recorded[0].error_message
    gateway.refresh_from_db()
    assert (gateway.lease_token, gateway.lease_expires_at) == ("", None)


# --- circuit breaker --------------------------------------------------------------------------


def test_circuit_opens_after_consecutive_failures_and_closes_on_success(
    gateway: Gateway, upstream: Upstream, settings: Any
) -> None:
    settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD = 3
    upstream.reply = lambda request: httpx.Response(500, text="down")
    for expected in ["closed", "closed", "open"]:
        gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
        gateway.refresh_from_db()
        assert circuit_state(gateway) == expected

    upstream.reply = lambda request: httpx.Response(200, json=model_list(3))
    gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
    gateway.refresh_from_db()
    assert (circuit_state(gateway), gateway.consecutive_failures, gateway.circuit_opened_at) == ("closed", 0, None)


def test_open_circuit_skips_automatic_refreshes_and_lets_a_person_through(
    gateway: Gateway, upstream: Upstream, settings: Any
) -> None:
    settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD = 1
    upstream.reply = lambda request: httpx.Response(500, text="down")
    gateway_refresh(gateway=gateway)
    gateway.refresh_from_db()
    calls = upstream.calls

    skipped = gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.SCHEDULE, respect_circuit=True)
    assert skipped.outcome == "skipped" and "circuit is open" in skipped.error_message
    assert upstream.calls == calls

    upstream.reply = lambda request: httpx.Response(200, json=model_list(3))
    manual = gateway_refresh(gateway=gateway, trigger=RefreshRun.Trigger.MANUAL)
    assert manual.outcome == "success"


def test_half_open_after_cool_down_allows_one_trial_whose_failure_reopens(
    gateway: Gateway, upstream: Upstream, settings: Any
) -> None:
    settings.GATEWAY_CIRCUIT_FAILURE_THRESHOLD = 2
    settings.GATEWAY_CIRCUIT_COOLDOWN_SECONDS = 600
    opened = timezone.now() - timedelta(seconds=601)
    Gateway.objects.filter(pk=gateway.pk).update(circuit_state="open", circuit_opened_at=opened, consecutive_failures=2)
    gateway.refresh_from_db()
    assert circuit_state(gateway) == Gateway.Circuit.HALF_OPEN

    upstream.reply = lambda request: httpx.Response(503, text="still down")
    trial = gateway_refresh(gateway=gateway, respect_circuit=True)
    assert trial.outcome == "failed" and upstream.calls == 1
    gateway.refresh_from_db()
    assert circuit_state(gateway) == Gateway.Circuit.OPEN
    assert gateway.circuit_opened_at > opened
    assert gateway_refresh(gateway=gateway, respect_circuit=True).outcome == "skipped"
    assert upstream.calls == 1


# --- configuration ----------------------------------------------------------------------------


def test_celery_app_runs_with_the_safe_settings(settings: Any) -> None:
    conf = celery_app.conf
    assert (conf.task_acks_late, conf.worker_prefetch_multiplier, conf.task_reject_on_worker_lost) == (True, 1, False)
    assert (conf.task_serializer, conf.result_serializer, list(conf.accept_content)) == ("json", "json", ["json"])
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit < settings.GATEWAY_LEASE_SECONDS
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    if not conf.broker_url.startswith("filesystem://"):
        assert conf.broker_transport_options["visibility_timeout"] > max(conf.task_time_limit, settings.GATEWAY_RETRY_MAX_SECONDS)
    assert set(celery_app.tasks) >= {"gateways.tasks.refresh_gateway", "gateways.tasks.enqueue_due_refreshes"}


def test_migrations_schedule_the_one_periodic_tick_every_minute(db: None) -> None:
    [tick] = PeriodicTask.objects.filter(task="gateways.tasks.enqueue_due_refreshes")
    assert (tick.enabled, tick.interval.every, tick.interval.period, tick.expire_seconds) == (
        True,
        1,
        IntervalSchedule.MINUTES,
        55,
    )
    assert not PeriodicTask.objects.filter(task="gateways.tasks.refresh_gateway").exists()  # nothing per gateway


def test_operator_refresh_while_a_scheduled_one_is_queued_is_reported_and_leaves_no_run(
    gateway: Gateway, sent: list[tuple[Any, ...]], django_capture_on_commit_callbacks: Any
) -> None:
    Gateway.objects.exclude(pk=gateway.pk).update(enabled=False)  # the built-in ones
    with django_capture_on_commit_callbacks(execute=True):
        gateways_enqueue_due()
        request = gateways_request_refresh(gateways=[gateway])
        forced = gateways_request_refresh(gateways=[gateway], force=True)
    assert (request.queued, [(g.slug, reason) for g, reason in request.skipped]) == (
        [],
        [("acme", "a refresh is already queued")],
    )
    [run] = forced.queued  # force is never deduplicated
    assert RefreshRun.objects.filter(gateway=gateway).count() == 1
    assert [kwargs for _, kwargs in sent] == [
        {"force": False, "trigger": "schedule"},
        {"force": True, "trigger": "manual", "run_id": run.pk},
    ]
