"""The response cache in front of the catalog (Django's cache: Redis when configured).

Keys carry the catalog version and a cache generation, so a publish (which bumps the version) or
`invalidate()` (which bumps the generation) makes every older entry unreachable at once. Every
call tolerates a cache outage: the catalog itself is in the database, so reads go on without it.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.core.cache import cache

from catalog import snapshot
from catalog.cache_backend import CacheUnavailable
from catalog.models import CatalogVersion

log = logging.getLogger(__name__)
GENERATION_KEY = "catalog:generation"


def catalog_version() -> int:
    return catalog_state()[0]


def catalog_state() -> tuple[int, dict[str, Any]]:
    """The catalog version and the unfiltered list totals stored with it (`{"all": merged
    entries, "gateways": {slug: active models}}`, empty before the first publish), read together
    from one row and remembered for `CATALOG_STATE_SECONDS` in this process (`catalog.snapshot`)."""
    return snapshot.remembered("catalog_state", _load_state)


def read_state() -> tuple[int, dict[str, Any]]:
    """The catalog version and its totals as the database has them now (inside
    `catalog.consistent.catalog_read()`: as of the snapshot), never the remembered copy. A newer
    version than the remembered one replaces it, so this process's next reads ask for it."""
    state = _load_state()
    remembered = snapshot.peek("catalog_state")
    if remembered is None or state[0] > remembered[0]:
        snapshot.put("catalog_state", state)
    return state


def _load_state() -> tuple[int, dict[str, Any]]:
    row = CatalogVersion.objects.filter(pk=1).values_list("version", "totals").first()
    return (row[0], row[1] or {}) if row else (0, {})


def generation() -> int:
    return snapshot.remembered("generation", _load_generation)


def _load_generation() -> int:
    try:
        value = cache.get(GENERATION_KEY)
    except Exception as exc:  # noqa: BLE001 - any cache backend error means "no cache"
        _outage("response cache unavailable; serving from the database", exc)
        return 0
    return int(value or 0)


def invalidate() -> None:
    """Drop every cached response (used on publish commit and by `POST /cache/clear`)."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, None)
    except Exception as exc:  # noqa: BLE001
        _outage("response cache unavailable; nothing to invalidate", exc)
    snapshot.clear()
    _recent.clear()


def key(*parts: Any) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"catalog:resp:{digest}"


class _Recent:
    """The most recently used entries of this process, within `CATALOG_LOCAL_CACHE_BYTES`.

    An entry's key names the catalog version and cache generation it was built for, so an entry
    never goes out of date: a publish or `invalidate()` changes the keys that reads ask for, and
    the old entries are pushed out by use. Hot pages are then served without a round trip to the
    shared cache."""

    def __init__(self) -> None:
        self.entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()  # threaded servers (runserver, gunicorn gthread) share it

    def get(self, cache_key: str) -> Any:
        with self.lock:
            entry = self.entries.get(cache_key)
            if entry is None:
                return None
            self.entries.move_to_end(cache_key)
            return entry[0]

    def put(self, cache_key: str, value: Any, size: int | None = None) -> None:
        budget = settings.CATALOG_LOCAL_CACHE_BYTES
        size = _size(value) if size is None else size
        if size > budget // 4:  # one huge body must not push out every page
            return
        with self.lock:
            old = self.entries.pop(cache_key, None)
            if old is not None:
                self.size -= old[1]
            self.entries[cache_key] = (value, size)
            self.size += size
            while self.size > budget and self.entries:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


def _size(value: Any) -> int:
    if isinstance(value, bytes):
        return len(value)
    nbytes = getattr(value, "nbytes", None)
    return int(nbytes) if nbytes is not None else len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


_recent = _Recent()


def recent(cache_key: str) -> Any:
    """An entry of this process's recent entries only (None when it has none)."""
    return _recent.get(cache_key)


def remember(cache_key: str, value: Any, size: int | None = None) -> None:
    """Keep `value` with this process's recent entries only (not in the shared cache). `size`, its
    bytes when the caller knows them, saves measuring a large value by pickling it."""
    _recent.put(cache_key, value, size)


def get(cache_key: str) -> Any:
    value = _recent.get(cache_key)
    if value is not None:
        return value
    try:
        value = cache.get(cache_key)
    except Exception:  # noqa: BLE001
        return None
    if value is not None:
        _recent.put(cache_key, value)
    return value


def set(cache_key: str, value: Any, timeout: int) -> None:  # noqa: A001 - mirrors the cache API
    _recent.put(cache_key, value)
    try:
        cache.set(cache_key, value, timeout)
    except Exception as exc:  # noqa: BLE001
        _outage("response cache unavailable; response not cached", exc)


def _outage(message: str, exc: Exception) -> None:
    # While the backend's short circuit is open it has said so once (catalog.short_circuit);
    # one warning per call would be one per request.
    (log.debug if isinstance(exc, CacheUnavailable) else log.warning)(message)
