"""The cache backend: Redis, where an outage only makes the cache miss.

Everything kept in the cache can be made again (dashboard charts, Telegram file
ids, the bot's album markers), but Django's Redis backend raises when the server
is down, which would turn a Redis outage into an error on every page that
caches. This backend answers as an empty cache instead, and logs the outage
once as a warning (and once more when Redis answers again).
"""

import logging
from collections.abc import Callable
from typing import Any

import redis
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

from core.outages import OutageLog

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (redis.ConnectionError, redis.TimeoutError)


class OutageTolerantRedisCache(RedisCache):
    """Django's RedisCache that behaves as an empty cache while Redis is down.

    The async methods (`aget`, ...) run these sync ones, so they are covered too.
    """

    outage = OutageLog(logger, "Cache (Redis)")

    def _call(self, fallback: Any, operation: Callable, *args: Any) -> Any:
        try:
            result = operation(*args)
        except OUTAGE_ERRORS as error:
            self.outage.down(error, "pages are served without the cache")
            return fallback
        self.outage.up()
        return result

    def get(self, key, default=None, version=None):
        return self._call(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call(False, super().has_key, key, version)

    # True, as if the key were new: an empty cache has no key yet.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(True, super().add, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call(None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._call(list(data), super().set_many, data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._call(None, super().delete_many, keys, version)

    def clear(self):
        return self._call(False, super().clear)
