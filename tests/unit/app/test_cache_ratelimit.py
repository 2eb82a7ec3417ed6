from __future__ import annotations

from dataclasses import dataclass

from app.cache import MemoryCache
from app.ratelimit import Decision, MemoryRateLimiter


@dataclass
class Ticker:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


def test_memory_cache_expires_and_deletes() -> None:
    ticker = Ticker()
    cache = MemoryCache(clock=ticker)
    cache.set("k", "v", ttl_seconds=10)
    assert cache.get("k") == "v"
    ticker.now += 9.99
    assert cache.get("k") == "v"
    ticker.now += 0.01
    assert cache.get("k") is None
    cache.set("k", "v2", 10)
    cache.delete("k")
    assert cache.get("k") is None
    cache.delete("missing")  # deleting a missing key is fine
    cache.ping()


def test_memory_limiter_allows_limit_then_blocks_until_window_ends() -> None:
    ticker = Ticker()
    limiter = MemoryRateLimiter(clock=ticker)
    decisions = [limiter.hit("login:a", limit=3, window_seconds=60) for _ in range(3)]
    assert [d.remaining for d in decisions] == [2, 1, 0]
    assert all(d.allowed for d in decisions)
    ticker.now += 20.5
    assert limiter.hit("login:a", 3, 60) == Decision(allowed=False, remaining=0, retry_after=40)
    assert limiter.hit("login:b", 3, 60).allowed  # keys are independent
    ticker.now += 39.5
    assert limiter.hit("login:a", 3, 60).allowed  # a new window


def test_memory_limiter_retry_after_is_at_least_one_second() -> None:
    ticker = Ticker()
    limiter = MemoryRateLimiter(clock=ticker)
    limiter.hit("k", 1, 1)
    ticker.now += 0.999
    assert limiter.hit("k", 1, 1).retry_after == 1


def test_memory_limiter_forgets_finished_windows() -> None:
    ticker = Ticker()
    limiter = MemoryRateLimiter(clock=ticker)
    for index in range(10_001):
        limiter.hit(f"k{index}", 5, 1)
    ticker.now += 2
    limiter.hit("fresh", 5, 1)
    assert len(limiter._windows) == 1
