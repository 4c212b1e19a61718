"""Cache backends whose reads always miss (writes still happen): a permanently cold response cache."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache


class _AlwaysMiss:
    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return default

    def get_many(self, keys: Any, version: Any = None) -> dict[str, Any]:
        return {}

    def has_key(self, key: Any, version: Any = None) -> bool:
        return False


class ColdRedisCache(_AlwaysMiss, RedisCache):
    pass


class ColdLocMemCache(_AlwaysMiss, LocMemCache):
    pass
