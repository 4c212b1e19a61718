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
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings

T = TypeVar("T")

_values: dict[str, tuple[float, Any]] = {}


def remembered(name: str, load: Callable[[], T]) -> T:
    """`load()`'s value, reused for `CATALOG_STATE_SECONDS` in this process."""
    ttl = settings.CATALOG_STATE_SECONDS
    if ttl <= 0:
        return load()
    now = time.monotonic()
    entry = _values.get(name)
    if entry is not None and entry[0] > now:
        return entry[1]
    value = load()
    _values[name] = (now + ttl, value)
    return value


def peek(name: str) -> Any:
    """The remembered value of `name` while it lasts, else None (never loads)."""
    entry = _values.get(name)
    return entry[1] if entry is not None and entry[0] > time.monotonic() else None


def put(name: str, value: Any) -> None:
    """Remember `value` as `name` for `CATALOG_STATE_SECONDS` (a newer value read elsewhere)."""
    ttl = settings.CATALOG_STATE_SECONDS
    if ttl > 0:
        _values[name] = (time.monotonic() + ttl, value)


def clear() -> None:
    """Forget every remembered value (called after a change made in this process)."""
    _values.clear()
