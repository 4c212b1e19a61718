"""Single flight under real concurrency: threads, each with its own database connection, racing
for one gateway's lease and queue mark (committed data, so `transactional_db`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from gateways import refresh, tasks
from gateways.leases import lease_acquire
from gateways.models import Gateway, RefreshRun
from gateways.refresh import gateway_refresh
from gateways.scheduling import gateway_enqueue_refresh

from ..conftest import json_transport

THREADS = 8


@pytest.fixture
def gateway(transactional_db: None, gateway_keys: Callable[..., None]) -> Gateway:
    gateway_keys(acme="k")
    return Gateway.objects.create(
        slug="acme", name="Acme", kind="openai_compatible", base_url="https://api.acme.test/v1", min_expected_models=1
    )


def race(work: Callable[[], Any]) -> list[Any]:
    """Run `work` in THREADS threads released at the same moment; their results."""
    start = threading.Barrier(THREADS)

    def contender() -> Any:
        try:
            start.wait(timeout=10)
            return work()
        finally:
            connection.close()  # each thread opened its own connection

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _: contender(), range(THREADS)))


def test_eight_threads_racing_for_the_lease_get_exactly_one_token(gateway: Gateway) -> None:
    now = timezone.now()
    tokens = race(lambda: lease_acquire(gateway_id=gateway.pk, now=now))
    winners = [t for t in tokens if t]
    assert len(winners) == 1
    gateway.refresh_from_db()
    assert gateway.lease_token == winners[0]


def test_eight_threads_racing_to_enqueue_send_one_message(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Any] = []
    monkeypatch.setattr(tasks.refresh_gateway, "delay", lambda *args, **kwargs: sent.append(args))
    now = timezone.now()
    queued = race(lambda: gateway_enqueue_refresh(gateway=gateway, trigger=RefreshRun.Trigger.STALE_READ, now=now))
    assert queued.count(True) == 1
    assert len(sent) == 1


def test_eight_concurrent_refreshes_fetch_the_upstream_once(gateway: Gateway, monkeypatch: pytest.MonkeyPatch) -> None:
    fetches = []
    others_done = threading.Event()
    finished: list[str] = []
    lock = threading.Lock()

    def slow_upstream(request: httpx.Request) -> httpx.Response:
        fetches.append(request.url.path)
        others_done.wait(timeout=20)  # hold the winner's fetch until every other contender has given up
        return httpx.Response(200, json={"data": [{"id": f"acme/m-{i}"} for i in range(3)]})

    real = refresh._fetch_live
    monkeypatch.setattr(refresh, "_fetch_live", lambda transport: real(json_transport(slow_upstream)))

    def contend() -> str:
        run = gateway_refresh(gateway=Gateway.objects.get(pk=gateway.pk), trigger=RefreshRun.Trigger.SCHEDULE)
        with lock:
            finished.append(run.outcome)
            if finished.count(RefreshRun.Outcome.SKIPPED) == THREADS - 1:
                others_done.set()
        return run.outcome

    outcomes = race(contend)
    assert sorted(outcomes) == ["skipped"] * (THREADS - 1) + ["success"]
    assert fetches == ["/v1/models"]
    assert RefreshRun.objects.filter(gateway=gateway).count() == THREADS
