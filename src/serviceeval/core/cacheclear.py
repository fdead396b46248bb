"""Empty one cache alias without touching the others.

Django's RedisCache.clear() runs FLUSHDB: with REDIS_URL every alias shares one
Redis database, so clearing the rendered fragments that way would also drop the
default cache's sign-in counters, rate limits and unread counts. Here only the
alias's own keys (its KEY_PREFIX and version) are deleted.
"""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_alias(alias: str) -> None:
    cache = caches[alias]
    if not isinstance(cache, RedisCache):
        cache.clear()  # local memory: one store per alias
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key("*"), count=1000))
    if keys:
        client.delete(*keys)
