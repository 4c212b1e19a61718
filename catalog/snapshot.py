"""A per-process, short-lived copy of what every catalog read asks before it touches the catalog.

Every read needs the catalog version, the response-cache generation and each gateway's freshness
before it can name its cache entry or answer `If-None-Match`. Asking the database and the cache
for them on every request cost more than serving a cached page, so each process keeps its last
answers for `CATALOG_STATE_SECONDS` (default 1 s; 0 turns the copy off):

- a change made in this process (a publish, `POST /cache/clear`, a gateway saved in the admin)
  clears the copy at once (`clear()`), so the next read here sees it;
- a change made in another process (a Celery worker's publish) is seen within that many seconds.

Freshness is computed with the clock of the moment it was read, so `age_seconds` may be up to
that many seconds behind. docs/design.md records the decision.

The last value loaded under each name is also kept past its time (and past `clear()`): when the
database is unavailable, `remembered` answers with it and marks the request as served stale
(`catalog.outage`), so a page the response cache holds is still served. Before the process has
read a name once, an outage raises as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

from catalog import outage

T = TypeVar("T")

_values: dict[str, tuple[float, Any]] = {}
_last_known: dict[str, Any] = {}


def remembered(name: str, load: Callable[[], T]) -> T:
    """`load()`'s value, reused for `CATALOG_STATE_SECONDS` in this process; the last one loaded
    when the database is unavailable (stale-if-error)."""
    ttl = settings.CATALOG_STATE_SECONDS
    now = time.monotonic()
    entry = _values.get(name)
    if ttl > 0 and entry is not None and entry[0] > now:
        return entry[1]
    try:
        value = load()
    except outage.DATABASE_UNAVAILABLE as exc:
        if name not in _last_known:
            raise
        outage.fell_back(name.replace("_", " "), exc)
        return _last_known[name]
    _last_known[name] = value
    if ttl > 0:
        _values[name] = (now + ttl, value)
    return value


def peek(name: str) -> Any:
    """The remembered value of `name` while it lasts, else None (never loads)."""
    entry = _values.get(name)
    return entry[1] if entry is not None and entry[0] > time.monotonic() else None


def put(name: str, value: Any) -> None:
    """Remember `value` as `name` for `CATALOG_STATE_SECONDS` (a newer value read elsewhere)."""
    _last_known[name] = value
    ttl = settings.CATALOG_STATE_SECONDS
    if ttl > 0:
        _values[name] = (time.monotonic() + ttl, value)


def clear() -> None:
    """Forget every remembered value (called after a change made in this process); the last
    known values stay, for an outage."""
    _values.clear()


def forget_last_known() -> None:
    """Forget the last known values too (a test's fresh process)."""
    _last_known.clear()
