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
        key = (tuple(servers), tuple(sorted(options.items())))
        client = _clients.get(key)
        if client is None:
            with _clients_lock:
                client = _clients.setdefault(key, self._class(servers, **options))
        return client

    def window_count(self, key: str, window: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s count for a window of ``window`` seconds; one round trip."""
        key = self.make_and_validate_key(key)
        try:
            pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
            pipe.set(key, 0, ex=window, nx=True)
            pipe.incrby(key, amount)
            return int(pipe.execute()[1])
        except FAILURES as exc:
            logger.warning("cache window_count failed, degrading: %s", exc)
            return 1

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


def window_count(key: str, window: int, amount: int = 1) -> int:
    """Count ``amount`` more events for ``key`` in a fixed window of ``window`` seconds and
    return the count so far: shared by every process when the cache is Redis. Fails open
    (``amount``) while the cache is away."""
    cache = caches["default"]
    if isinstance(cache, ResilientRedisCache):
        return cache.window_count(key, window, amount)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired in between
        return amount if cache.add(key, amount, timeout=window) else cache.incr(key, amount)


def rate_take(
    *, scope: str, who: int, limit: int, window: int, message: str, amount: int = 1
) -> None:
    """Count ``amount`` actions of one person against ``limit`` per fixed ``window`` seconds,
    over every door and server process; over it, a ValidationError(code="rate_limited") with
    ``message`` (a 429 from the API, an error frame on sockets, a form error on pages)."""
    from django.core.exceptions import ValidationError

    key = f"uchat:rate:{scope}:{who}:{int(time.time() // window)}"
    if window_count(key, window + 1, amount) > limit:
        raise ValidationError(message, code="rate_limited")
