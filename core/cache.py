"""A Redis cache that degrades instead of failing when Redis is away.

The cache only holds rate-limit counters and throttle histories. Losing them for the length of
an outage (limits fail open) is better than refusing every request with a 500: messages must
still be stored while Redis is down (docs/reliability.md).
"""

import logging
import threading
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
FAILURES = (RedisError, OSError)


def _degrade(name: str, default: Any) -> Any:
    def method(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(super(ResilientRedisCache, self), name)(*args, **kwargs)
        except FAILURES as exc:
            logger.warning("cache %s failed, degrading: %s", name, exc)
            if callable(default):
                return default(*args, **kwargs)
            return default

    method.__name__ = name
    return method


def _get_default(key: str, default: Any = None, version: Any = None) -> Any:
    return default


def _incr_default(key: str, delta: int = 1, version: Any = None) -> int:
    return delta


class _PooledRedisClient(RedisCacheClient):
    """Reuses one ``redis.Redis`` per connection pool: Django builds a new one (hundreds of
    microseconds) for every cache call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redis_by_pool: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # Django internals (RedisCacheClient), not in its type stubs.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._redis_by_pool.get(id(pool))
        if client is None:
            client = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            self._redis_by_pool[id(pool)] = client
        return client


class SentinelPool:
    """``pool_class`` for Redis Sentinel (REDIS_SENTINELS): the cache's connections go to the
    master the sentinels name, and find the new one after a failover. Django passes the
    LOCATION URL, unused here: the sentinels say where the master is."""

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        master_name: str,
        sentinels: list[tuple[str, int]],
        sentinel_kwargs: dict[str, Any] | None = None,
        **options: Any,
    ) -> Any:
        from redis.sentinel import Sentinel, SentinelConnectionPool

        sentinel = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs or {})
        return SentinelConnectionPool(master_name, sentinel, **options)


_clients: dict[tuple, RedisCacheClient] = {}
_clients_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _PooledRedisClient

    @property
    def _cache(self) -> RedisCacheClient:
        """One client (and connection pool) per process. Django makes a cache object per thread
        and per async context, so each socket frame would otherwise connect to Redis anew."""
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = (tuple(servers), repr(sorted(options.items())))  # options hold lists (sentinels)
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.setdefault(key, self._class(servers, **options))
        return client

    def window_counts(self, keys: list[str], window: int) -> list[int]:
        """Add one to each key's count (a key may repeat) for a window of ``window`` seconds,
        and return the count after each addition: one round trip for all of them."""
        keys = [self.make_and_validate_key(key) for key in keys]
        try:
            pipe = self._cache.get_client(keys[0], write=True).pipeline(transaction=False)
            for key in keys:
                pipe.set(key, 0, ex=window, nx=True)
                pipe.incrby(key, 1)
            return [int(count) for count in pipe.execute()[1::2]]
        except FAILURES as exc:
            logger.warning("cache window_counts failed, degrading: %s", exc)
            return [1] * len(keys)

    get = _degrade("get", _get_default)
    get_many = _degrade("get_many", {})
    set = _degrade("set", None)
    set_many = _degrade("set_many", [])
    add = _degrade("add", False)
    touch = _degrade("touch", False)
    has_key = _degrade("has_key", False)
    incr = _degrade("incr", _incr_default)
    delete = _degrade("delete", False)
    delete_many = _degrade("delete_many", None)


def window_counts(keys: list[str], window: int) -> list[int]:
    """Count one more event for each of ``keys`` (a key may repeat) in a fixed window of
    ``window`` seconds, and return each count so far: shared by every process when the cache
    is Redis, in one round trip. Fails open (1) while the cache is away."""
    if not keys:
        return []
    cache = caches["default"]
    if isinstance(cache, ResilientRedisCache):
        return cache.window_counts(keys, window)
    counts = []
    for key in keys:
        cache.add(key, 0, timeout=window)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired in between
            counts.append(1 if cache.add(key, 1, timeout=window) else cache.incr(key))
    return counts


def rates_take(*, scope: str, whos: list[int], limit: int, window: int) -> list[bool]:
    """Count one action for each of ``whos`` (a person may repeat) against ``limit`` per fixed
    ``window`` seconds, over every door and server process; True for each one allowed."""
    slot = int(time.time() // window)
    counts = window_counts([f"uchat:rate:{scope}:{who}:{slot}" for who in whos], window + 1)
    return [count <= limit for count in counts]


def rate_take(
    *, scope: str, who: int, limit: int, window: int, message: str, amount: int = 1
) -> None:
    """``rates_take`` for ``amount`` actions of one person; over the limit, a
    ValidationError(code="rate_limited") with ``message`` (a 429 from the API, an error frame
    on sockets, a form error on pages)."""
    from django.core.exceptions import ValidationError

    if not all(rates_take(scope=scope, whos=[who] * amount, limit=limit, window=window)):
        raise ValidationError(message, code="rate_limited")
