"""Reads that see one catalog version: `catalog_read()` runs a response's queries in one snapshot.

A publish changes rows, the merged entries and the catalog version (with its totals) in one
transaction. A page built from several queries (the version and its totals, the rows, a count)
must see all of them from the same commit, or a page of 240 rows can carry `"total": 200` and be
cached under the other version's key (issue "Torn reads during publishes"):

- PostgreSQL: a `REPEATABLE READ READ ONLY` transaction; every statement sees the snapshot taken
  by its first one.
- SQLite (WAL): a deferred transaction; its first read fixes the snapshot, and readers never take
  the write lock (the connection's own transactions are `IMMEDIATE`, for writers).

Inside a transaction that is already open (a caller's, or a test's), that transaction is the
snapshot. docs/design.md ("One version per response") records the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, transaction

from catalog import cache

T = TypeVar("T")


def at_one_version(read: Callable[[Mapping[str, Any]], T]) -> tuple[int, T]:
    """`read(totals)` and the catalog version it saw, both from one snapshot."""
    with catalog_read():
        version, totals = cache.read_state()
        return version, read(totals)


@contextmanager
def catalog_read() -> Iterator[None]:
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "sqlite":
        with _deferred_sqlite_transaction():
            yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextmanager
def _deferred_sqlite_transaction() -> Iterator[None]:
    # Django's atomic() would BEGIN IMMEDIATE (settings: transaction_mode), taking the write lock.
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN DEFERRED")
    try:
        yield
    except BaseException:
        raw.execute("ROLLBACK")
        raise
    raw.execute("COMMIT")
