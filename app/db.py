"""Engine and session factory, the request slots that bound database work per worker, and a
UTC-aware datetime column type that behaves the same on SQLite.

One unit of work per request: a request holds at most one session, hence at most one pooled
connection, and only after it has taken a *slot*. There are as many slots as pooled connections,
so a checkout never waits while a thread is held; a request that finds every slot taken waits on
the event loop (no thread, no connection) and gets 503 + Retry-After when `db_pool_timeout_seconds`
runs out. Without the slots, requests holding a connection could wait for a threadpool thread
while every thread waits for a connection: a deadlock broken only by the pool's timeout.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware UTC datetimes; SQLite drops the zone, so it is put back on the way out."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


class DatabaseBusy(Exception):
    """No connection (or request slot) became free in time; the client should retry shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("the database is busy")
        self.retry_after = retry_after


class RequestSlots:
    """At most `size` requests of this worker hold a session at once (one asyncio semaphore per
    event loop: the test client runs each request on a loop of its own)."""

    def __init__(self, size: int, timeout_seconds: float) -> None:
        self.size = size
        self.timeout_seconds = timeout_seconds
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.size)
        return semaphore

    async def acquire(self) -> asyncio.Semaphore:
        semaphore = self._semaphore()
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await semaphore.acquire()
        except TimeoutError:
            raise DatabaseBusy(retry_after=max(1, round(self.timeout_seconds))) from None
        return semaphore


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that rolls back on error and is always closed."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
