"""A web process asks for a stale gateway's refresh at most once per
`GATEWAY_STALE_REFRESH_ASK_SECONDS` (gateways/stale_asks.py, from `gateways.apps._refresh_stale`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gateways import scheduling
from gateways.models import Gateway
from gateways.stale_asks import ASKS, MAX_SLUGS, AskLimit
from tests.clock import Clock


@pytest.fixture
def asks(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The slugs of each call of `gateways_refresh_stale` (the query the limit saves), acme's only
    (the built-in gateways that need no key are stale in a fresh database too)."""
    calls: list[list[str]] = []
    monkeypatch.setattr(
        scheduling, "gateways_refresh_stale", lambda *, slugs: calls.append([s for s in slugs if s == "acme"]) or []
    )
    return calls


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(ASKS, "clock", clock)
    return clock


@pytest.fixture
def never_refreshed(db: None, gateway_keys: Callable[..., None]) -> Gateway:
    """A configured gateway that never had a live list: every read of it is stale."""
    gateway = Gateway.objects.create(slug="acme", name="Acme", kind="openai_compatible", base_url="https://api.acme.test/v1")
    gateway_keys(acme="k")
    return gateway


def test_two_reads_in_a_row_ask_once_and_a_read_after_the_interval_asks_again(
    never_refreshed: Gateway, asks: list[list[str]], clock: Clock, client: Any, settings: Any
) -> None:
    settings.GATEWAY_STALE_REFRESH_ASK_SECONDS = 30
    for _ in range(2):
        assert client.get("/catalog/v1/models").status_code == 200
    assert asks == [["acme"]]

    clock.now += 29
    client.get("/catalog/v1/models")
    assert asks == [["acme"]]

    clock.now += 1
    client.get("/catalog/v1/models")
    assert asks == [["acme"], ["acme"]]


def test_zero_asks_on_every_read(
    never_refreshed: Gateway, asks: list[list[str]], clock: Clock, client: Any, settings: Any
) -> None:
    settings.GATEWAY_STALE_REFRESH_ASK_SECONDS = 0
    for _ in range(3):
        client.get("/catalog/v1/models")
    assert asks == [["acme"]] * 3


def test_each_slug_has_its_own_interval() -> None:
    clock = Clock()
    limit = AskLimit(clock)
    assert limit.due(["a", "b", "a"], seconds=30) == ["a", "b"]
    clock.now += 10
    assert limit.due(["a", "c"], seconds=30) == ["c"]
    clock.now += 20
    assert limit.due(["a", "b", "c"], seconds=30) == ["a", "b"]


def test_memory_is_bounded() -> None:
    limit = AskLimit(Clock())
    for n in range(3 * MAX_SLUGS):
        limit.due([f"gateway-{n}"], seconds=30)
    assert len(limit.asked_at) <= MAX_SLUGS + 1
