"""Fixed-window rate limits: Redis (shared by every worker) or in-process (embedded mode)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import redis


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: int  # whole seconds until the window resets; 0 when allowed


class RateLimiter(Protocol):
    def hit(self, key: str, limit: int, window_seconds: int) -> Decision: ...


def _decide(count: int, limit: int, seconds_left: float) -> Decision:
    if count <= limit:
        return Decision(True, limit - count, 0)
    return Decision(False, 0, max(1, math.ceil(seconds_left)))


class MemoryRateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        now = self._clock()
        with self._lock:
            if len(self._windows) > 10_000:  # drop finished windows so memory stays bounded
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            reset_at, count = self._windows.get(key, (0.0, 0))
            if now >= reset_at:
                reset_at, count = now + window_seconds, 0
            count += 1
            self._windows[key] = (reset_at, count)
        return _decide(count, limit, reset_at - now)


class RedisRateLimiter:
    """INCR + EXPIRE in one transaction; the key's TTL is the time left in the window."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def hit(self, key: str, limit: int, window_seconds: int) -> Decision:
        full_key = f"{self._prefix}rl:{key}"
        pipe = self._client.pipeline(transaction=True)
        pipe.incr(full_key)
        pipe.expire(full_key, window_seconds, nx=True)
        pipe.pttl(full_key)
        count, _, ttl_ms = pipe.execute()
        if int(ttl_ms) < 0:  # no expiry (should not happen): repair rather than block forever
            self._client.expire(full_key, window_seconds)
            ttl_ms = window_seconds * 1000
        return _decide(int(count), limit, int(ttl_ms) / 1000)
