"""The response cache in front of the catalog (Django's cache: Redis when configured).

Keys carry the catalog version and a cache generation, so a publish (which bumps the version) or
`invalidate()` (which bumps the generation) makes every older entry unreachable at once. Every
call tolerates a cache outage: the catalog itself is in the database, so reads go on without it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.core.cache import cache

from catalog.models import CatalogVersion

log = logging.getLogger(__name__)
GENERATION_KEY = "catalog:generation"


def catalog_version() -> int:
    return CatalogVersion.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def generation() -> int:
    try:
        value = cache.get(GENERATION_KEY)
    except Exception:  # noqa: BLE001 - any cache backend error means "no cache"
        log.warning("response cache unavailable; serving from the database")
        return 0
    return int(value or 0)


def invalidate() -> None:
    """Drop every cached response (used on publish commit and by `POST /cache/clear`)."""
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 1, None)
    except Exception:  # noqa: BLE001
        log.warning("response cache unavailable; nothing to invalidate")


def key(*parts: Any) -> str:
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"catalog:resp:{digest}"


def get(cache_key: str) -> Any:
    try:
        return cache.get(cache_key)
    except Exception:  # noqa: BLE001
        return None


def set(cache_key: str, value: Any, timeout: int) -> None:  # noqa: A001 - mirrors the cache API
    try:
        cache.set(cache_key, value, timeout)
    except Exception:  # noqa: BLE001
        log.warning("response cache unavailable; response not cached")
