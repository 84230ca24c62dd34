"""A Redis cache that degrades instead of failing when Redis is away.

The cache only holds rate-limit counters and throttle histories. Losing them for the length of
an outage (limits fail open) is better than refusing every request with a 500: messages must
still be stored while Redis is down (docs/reliability.md).
"""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
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


class ResilientRedisCache(RedisCache):
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
