"""Every response is read at one catalog version (catalog/consistent.py): while a worker publishes,
concurrent readers never get a page whose rows and `total` come from two versions, and no body is
cached under a version it was not read at. Real threaded server, real database (SQLite file or
PostgreSQL), real concurrency; `CATALOG_STATE_SECONDS` at its default, the setting under which
the tear was measured (issue "Torn reads during publishes")."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import orjson
import pytest
from django.utils import timezone

from catalog import cache
from catalog.bodies import CompressedPart
from catalog.models import AIModel, CatalogVersion
from tests.health.scenarios import make_gateway, publish

pytestmark = [pytest.mark.django_db(transaction=True)]

READS = ["/catalog/v1/models?gateway=tear&limit=1000", "/catalog/v1/models?limit=1000", "/v1/models?gateway=tear"]
# With no grace period, the second list of 200 in a row removes the 40 the first one left missing:
# the served count moves 240 -> 240 (40 missing) -> 200 -> 240 ..., one version per publish.
SIZES = (240, 200, 200)
PUBLISHES = 10
READERS = 6


@pytest.fixture
def recorded_cache_writes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], Any]]:
    """Each cache write of the server threads, with the key parts it was named by (version first)."""
    parts_by_key: dict[str, tuple[Any, ...]] = {}
    writes: list[tuple[tuple[Any, ...], Any]] = []
    real_key, real_set = cache.key, cache.set

    def key(*parts: Any) -> str:
        name = real_key(*parts)
        parts_by_key[name] = parts
        return name

    def set_(name: str, value: Any, timeout: int) -> None:
        writes.append((parts_by_key.get(name, ()), value))
        real_set(name, value, timeout)

    monkeypatch.setattr(cache, "key", key)
    monkeypatch.setattr(cache, "set", set_)
    return writes


def test_rows_total_and_cache_key_come_from_one_version_while_publishing(
    live_server: Any, settings: Any, recorded_cache_writes: list[tuple[tuple[Any, ...], Any]]
) -> None:
    settings.CATALOG_STATE_SECONDS = 1
    # Queued already: the readers' stale-read refresh writes nothing. (On SQLite that write waits for
    # the publisher's lock, which this loop never lets go of for long; it is not what is measured.)
    gateway = make_gateway("tear", refresh_queued_at=timezone.now(), missing_grace_seconds=0)
    publish(gateway, SIZES[0], now=timezone.now())
    models_at = {CatalogVersion.objects.get(pk=1).version: served(gateway)}

    stop = threading.Event()
    torn: list[str] = []
    reads = [0]
    errors: list[str] = []

    def reader(index: int) -> None:
        with httpx.Client(base_url=live_server.url, timeout=60) as client:
            while not stop.is_set():
                path = READS[(index + reads[0]) % len(READS)]
                try:
                    response = client.get(path)
                except httpx.TransportError as exc:  # reported below, not lost with the thread
                    errors.append(f"{path}: {exc!r}")
                    return
                reads[0] += 1
                if response.status_code != 200:
                    errors.append(f"{path}: {response.status_code}")
                    continue
                body = response.json()
                if len(body["data"]) != body["total"]:
                    torn.append(f"{path}: {len(body['data'])} rows, total {body['total']}")

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        n = 0
        # At least 300 reads across the publishes (on a busy machine the readers need more of them).
        while n < PUBLISHES or (reads[0] < 300 and n < 1000):
            n += 1
            publish(gateway, SIZES[n % len(SIZES)], now=timezone.now())
            models_at[CatalogVersion.objects.get(pk=1).version] = served(gateway)
    finally:
        stop.set()
        for thread in threads:
            thread.join()

    assert errors == []
    assert torn == [], f"{len(torn)} torn of {reads[0]} reads: {torn[:5]}"
    assert reads[0] >= 300  # the readers really overlapped the publishes

    listed = 0
    for parts, value in recorded_cache_writes:
        if len(parts) > 2 and parts[2] == "models" and isinstance(value, CompressedPart):
            version, body = parts[0], orjson.loads(value.plain(b"}"))
            assert (version, len(body["data"]), body["total"]) == (version, models_at[version], models_at[version])
            listed += 1
    assert listed > PUBLISHES  # bodies were built and cached at several versions
    assert set(models_at.values()) == {240, 200}  # the versions really served different counts


def served(gateway: Any) -> int:
    return AIModel.objects.filter(gateway=gateway, is_active=True).count()
