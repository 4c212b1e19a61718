"""A hung Redis cache costs one blocked call per outage window, not one per request or per cache
call (`catalog.cache_backend`, `catalog.short_circuit`).

The "Redis" here is a loopback socket that completes every TCP handshake and never answers, as a
frozen (SIGSTOPped) redis-server does: each call that reaches it blocks for the client's socket
timeout. The test counts the connections it received, one per blocked call."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from catalog import cache_backend
from catalog.cache_backend import CIRCUIT, CacheUnavailable, _Guarded
from catalog.short_circuit import ShortCircuit

from .conftest import ALL_IDS


class SilentServer:
    """Accepts connections and reads what it is sent; never replies."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def hung_cache(settings: Any) -> Iterator[SilentServer]:
    server = SilentServer()
    settings.CACHES = {
        "default": {
            "BACKEND": "catalog.cache_backend.GuardedRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.2},
        }
    }
    settings.OUTAGE_RETRY_SECONDS = 600
    yield server
    server.close()
    # The circuit is the process's, whichever Redis tripped it: close it before the suite's own
    # Redis cache (the PostgreSQL+Redis run) is used again by the teardowns that follow.
    CIRCUIT.open_until = 0.0


def test_reads_with_a_hung_cache_answer_from_the_database_after_one_blocked_call(
    small_catalog: Any, client: Client, hung_cache: SilentServer
) -> None:
    paths = ["/catalog/v1/models?limit=1000", "/catalog/v1/gateways", "/catalog/v1/models/acme/alpha-chat"] * 2

    statuses = [client.get(path).status_code for path in paths]
    ids = {m["id"] for m in client.get("/catalog/v1/models?limit=1000").json()["data"]}

    assert statuses == [200] * 6
    assert ids == set(ALL_IDS)
    assert len(hung_cache.connections) == 1  # without the circuit: several per request
    assert CIRCUIT.blocked_calls == 1


class FlakyClient:
    """A cache client whose `get` fails while `down` is set."""

    def __init__(self) -> None:
        self.down, self.calls = True, 0

    def get(self, key: str, default: Any = None) -> Any:
        self.calls += 1
        if self.down:
            raise RedisTimeoutError("Timeout reading from socket")
        return "value"

    def incr(self, key: str, delta: int = 1) -> int:
        raise ValueError("Key not found")  # not an outage: the caller's own business


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> SimpleNamespace:
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr("catalog.short_circuit.time", SimpleNamespace(monotonic=lambda: now.value))
    settings.OUTAGE_RETRY_SECONDS = 10
    return now


def test_the_circuit_opens_on_a_timeout_and_probes_again_after_its_window(clock: SimpleNamespace) -> None:
    client, circuit = FlakyClient(), ShortCircuit("test cache")
    guarded = _Guarded(client, circuit)

    with pytest.raises(RedisTimeoutError):
        guarded.get("k")
    for _ in range(3):
        with pytest.raises(CacheUnavailable):
            guarded.get("k")
    assert (client.calls, circuit.blocked_calls) == (1, 1)

    clock.value += 10.5  # the window is over: the next call is a probe, and the cache is back
    client.down = False
    assert guarded.get("k") == "value"
    assert guarded.get("k") == "value"
    assert (client.calls, circuit.blocked_calls, circuit.is_open()) == (3, 1, False)


def test_a_failed_probe_opens_the_circuit_for_another_window(clock: SimpleNamespace) -> None:
    client, circuit = FlakyClient(), ShortCircuit("test cache")
    guarded = _Guarded(client, circuit)
    with pytest.raises(RedisTimeoutError):
        guarded.get("k")

    clock.value += 10.5
    with pytest.raises(RedisTimeoutError):
        guarded.get("k")
    clock.value += 9.0
    with pytest.raises(CacheUnavailable):
        guarded.get("k")
    assert (client.calls, circuit.blocked_calls) == (2, 2)


def test_errors_that_are_not_an_outage_pass_through_without_opening_the_circuit(clock: SimpleNamespace) -> None:
    circuit = ShortCircuit("test cache")
    guarded = _Guarded(FlakyClient(), circuit)

    with pytest.raises(ValueError, match="Key not found"):
        guarded.incr("k")
    assert not circuit.is_open()


def test_cache_unavailable_is_a_connection_error_so_every_caller_treats_it_as_no_cache() -> None:
    assert issubclass(CacheUnavailable, RedisConnectionError)
    assert cache_backend.CIRCUIT is CIRCUIT
