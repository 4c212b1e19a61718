"""Django's Redis cache behind a short circuit (`catalog.short_circuit`): the cache backend that
settings choose for a `redis://` `CACHE_URL`/`REDIS_URL`.

Connection errors and timeouts open the circuit; while it is open every cache call raises
`CacheUnavailable` at once, which the callers (`catalog.cache`, the throttle) already treat as
"no cache": reads go on from the database."""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache
from django.utils.functional import cached_property
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from catalog.short_circuit import ShortCircuit

CIRCUIT = ShortCircuit("response cache")


class CacheUnavailable(RedisConnectionError):
    """The cache failed a moment ago; not asked again until the circuit's window ends."""


class _Guarded:
    """The backend's client, each call passed through the circuit."""

    def __init__(self, client: Any, circuit: ShortCircuit) -> None:
        self._client, self._circuit = client, circuit

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if self._circuit.is_open():
                raise CacheUnavailable("response cache short-circuited")
            try:
                result = attribute(*args, **kwargs)
            except (RedisConnectionError, RedisTimeoutError) as exc:
                self._circuit.trip(exc)
                raise
            self._circuit.close()
            return result

        return guarded


class GuardedRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> Any:
        return _Guarded(self._class(self._servers, **self._options), CIRCUIT)
