"""Everything a request needs, built once per app from the settings (and swappable in tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.cache import Cache, MemoryCache, RedisCache
from app.db import RequestSlots, make_engine, make_session_factory
from app.loop_reads import LoopReads
from app.providers import PaymentProvider, SmsProvider, make_payment_provider, make_sms_provider
from app.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from app.security import Passwords
from app.settings import Settings

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]  # autocommit, same pool: single-statement reads
    read_engine: Engine  # the same engine and pool in autocommit: reads of plain columns
    cache: Cache
    limiter: RateLimiter
    sms: SmsProvider
    payments: PaymentProvider
    passwords: Passwords
    slots: RequestSlots
    redis_client: redis.Redis | None = None
    clock: Clock = field(default=utc_now)
    loop_reads: LoopReads | None = None  # PostgreSQL only; opened by the app's lifespan

    def close(self) -> None:
        self.engine.dispose()
        if self.redis_client is not None:
            self.redis_client.close()


def pool_options(settings: Settings) -> dict[str, Any]:
    """Pool sizing from the settings (an in-memory SQLite database has a pool of its own kind)."""
    if settings.is_sqlite and ":memory:" in settings.effective_database_url:
        return {}
    return {
        "pool_size": settings.effective_db_pool_size,
        "max_overflow": settings.db_pool_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
    }


def build_container(
    settings: Settings,
    *,
    engine: Engine | None = None,
    sms: SmsProvider | None = None,
    payments: PaymentProvider | None = None,
    clock: Clock | None = None,
) -> Container:
    engine = engine or make_engine(settings.effective_database_url, **pool_options(settings))
    client: redis.Redis | None = None
    cache: Cache
    limiter: RateLimiter
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
        cache = RedisCache(client, settings.redis_key_prefix)
        limiter = RedisRateLimiter(client, settings.redis_key_prefix)
    else:  # embedded mode: one process, so process memory is a faithful cache and limiter
        cache = MemoryCache()
        limiter = MemoryRateLimiter()
    read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Container(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        read_sessions=make_session_factory(read_engine),
        read_engine=read_engine,
        cache=cache,
        limiter=limiter,
        sms=sms or make_sms_provider(settings),
        payments=payments or make_payment_provider(settings),
        passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_cost_kib),
        slots=RequestSlots(settings.effective_db_pool_size, settings.db_pool_timeout_seconds),
        redis_client=client,
        clock=clock or utc_now,
        loop_reads=None
        if settings.is_sqlite
        else LoopReads(
            settings.effective_database_url,
            size=settings.db_read_pool_size,
            timeout_seconds=settings.db_pool_timeout_seconds,
        ),
    )
