"""A reader following the change feed by cursor while two publishes run at once misses nothing and
reads nothing twice: change rows become visible in commit order (catalog.services._insert_changes).

Real threads and connections on the test database (SQLite file or PostgreSQL; CI runs both). The
interleaving that broke it on PostgreSQL is forced: the first publish stops right after inserting
its change rows and, if nothing holds it back, the second one publishes in full while the reader
reads. Had the first publish's rows got their ids before it took its turn on the catalog version,
they would commit behind a cursor the reader was already handed."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from catalog import bulk, services
from catalog.models import ModelChange
from tests.health.scenarios import make_gateway, publish

pytestmark = [pytest.mark.django_db(transaction=True)]

PAUSE_SECONDS = 3.0  # how long the first publish waits for the second to finish


def _read_to_the_end(client: Client, token: str) -> tuple[list[int], str]:
    ids: list[int] = []
    while True:
        body = client.get(f"/catalog/v1/changes?cursor={token}&limit=7").json()
        ids += [change["id"] for change in body["data"]]
        token = body["next_cursor"]
        if not body["has_more"]:
            return ids, token


def test_two_concurrent_publishes_while_a_reader_pages_by_cursor_leave_no_gap_and_no_repeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    left, right = make_gateway("left"), make_gateway("right")
    publish(left, 20, now=timezone.now())
    publish(right, 20, now=timezone.now())
    client = Client()
    seen, token = _read_to_the_end(client, "")
    assert len(seen) == 40

    first_inserted, second_done, first_resumed = threading.Event(), threading.Event(), threading.Event()
    real_insert = bulk.insert

    def insert(objs: Any) -> None:
        real_insert(objs)
        if threading.current_thread().name == "first" and objs and isinstance(objs[0], ModelChange):
            first_inserted.set()
            second_done.wait(PAUSE_SECONDS)
            first_resumed.set()

    monkeypatch.setattr(bulk, "insert", insert)
    errors: list[BaseException] = []

    def run(gateway: Any, prompt: str, done: threading.Event | None) -> None:
        try:
            if done is not None:
                first_inserted.wait(30)
            publish(gateway, 20, now=timezone.now(), prompt=prompt)  # 20 price changes each
        except BaseException as exc:  # noqa: BLE001 - reported by the test, not lost with the thread
            errors.append(exc)
        finally:
            if done is not None:
                done.set()
            connection.close()

    threads = [
        threading.Thread(target=run, args=(left, "0.0000006", None), name="first"),
        threading.Thread(target=run, args=(right, "0.0000007", second_done), name="second"),
    ]
    for thread in threads:
        thread.start()
    assert first_inserted.wait(30)
    reads_while_paused = 0
    while any(thread.is_alive() for thread in threads):
        page, token = _read_to_the_end(client, token)
        seen += page
        reads_while_paused += not first_resumed.is_set()
        time.sleep(0.02)
    for thread in threads:
        thread.join()
    page, token = _read_to_the_end(client, token)
    seen += page

    assert errors == []
    assert reads_while_paused > 0  # the reader really read between the two publishes' inserts and commits
    every = list(ModelChange.objects.order_by("id").values_list("id", flat=True))
    assert len(every) == 80
    assert len(seen) == len(set(seen)), "a change was read twice"
    assert seen == every, f"missed: {sorted(set(every) - set(seen))[:10]}"


def test_change_rows_get_their_ids_only_after_the_publish_took_its_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the test above relies on, visible on SQLite too (whose single writer hides the race)."""
    gateway = make_gateway("solo")
    publish(gateway, 3, now=timezone.now())
    order: list[str] = []
    real_lock, real_insert = services._lock_version, bulk.insert
    monkeypatch.setattr(services, "_lock_version", lambda: (order.append("lock"), real_lock())[1])
    monkeypatch.setattr(
        bulk, "insert", lambda objs: (order.append(type(objs[0]).__name__ if objs else "nothing"), real_insert(objs))[1]
    )
    publish(gateway, 3, now=timezone.now(), prompt="0.000001")
    assert "ModelChange" in order
    assert order.index("lock") < order.index("ModelChange")
