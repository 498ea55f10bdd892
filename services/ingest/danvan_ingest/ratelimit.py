"""Per-key rate limits, shared by every ingest replica through Redis.

A generic cell rate algorithm (GCRA) in one Lua script: each caller has one
Redis key holding its "theoretical arrival time", so a limit of N a minute
allows a burst of N and then one request every 60/N seconds, and the answer to
a refused request is the exact Retry-After. Redis's own clock is used, so
replicas with drifting clocks agree.

Why not the ``limits`` library: it would be one more dependency for ~30 lines,
and its moving-window Redis strategy keeps one list entry per request, which a
hammering submitter would grow. The broker's Redis (or the embedded Valkey)
holds the buckets; if it is down the limiter lets requests through (the
database, not the broker, decides what is accepted) and logs once a minute.
"""

from __future__ import annotations

import logging
import math
import time
from functools import lru_cache

import redis

from danvan_shared.settings import get_settings

logger = logging.getLogger("danvan.ingest.ratelimit")

# KEYS[1]: the caller's bucket; ARGV[1]: ms between requests; ARGV[2]: burst tolerance in ms;
# ARGV[3]: "1" to count the request when allowed, "0" to only look.
# Returns 0 when allowed, else the milliseconds until the next request would be.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - tolerance
if allow_at > now then return allow_at - now end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], tat + interval, 'PX', math.ceil(tat + interval - now) + 1000)
end
return 0
"""


@lru_cache(maxsize=4)
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


_last_warning = 0.0


def retry_after_seconds(identity: str, per_minute: int | None = None, *, count: bool = True) -> int:
    """0 if ``identity`` may make a request now (and count it, unless ``count`` is
    False), else seconds to wait."""
    global _last_warning
    settings = get_settings()
    limit = per_minute or settings.rate_limit_per_minute
    interval_ms = 60_000 / limit
    try:
        wait_ms = int(
            _client(settings.effective_broker_url).eval(
                _GCRA,
                1,
                f"danvan:ratelimit:{identity}",
                interval_ms,
                interval_ms * limit,
                "1" if count else "0",
            )
        )
    except redis.RedisError as exc:
        if time.monotonic() - _last_warning > 60:
            _last_warning = time.monotonic()
            logger.warning("rate limiter unavailable (%s); not limiting", type(exc).__name__)
        return 0
    return 0 if wait_ms <= 0 else max(1, math.ceil(wait_ms / 1000))
