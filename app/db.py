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
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
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


# A pooled connection idle for longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 5.0
_RETURNED_AT = "returned_at"


def sat_idle(returned_at: float | None, idle_seconds: float) -> bool:
    """Whether a pooled connection returned at `returned_at` (monotonic; None: never used) has
    sat idle long enough to be pinged before it is handed out again."""
    return returned_at is not None and time.monotonic() - returned_at > idle_seconds


def ping_idle_connections(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Pessimistic disconnect handling for connections that sat idle, without a round trip for
    the others. `pool_pre_ping` pings on *every* checkout: one extra round trip per request, half
    of GET /wallet's. A connection that was in use moments ago is as alive as a ping would show;
    one idle for a while may have been cut (a database restart, a firewall's idle timeout), so it
    is pinged, and a failed ping makes the pool connect afresh (SQLAlchemy retries a checkout that
    raises DisconnectionError). A connection cut while in use fails its statement, SQLAlchemy
    invalidates the pool, and the request is a retryable 503 (see `app.factory`)."""

    def checked_in(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        if not sat_idle(record.info.get(_RETURNED_AT), idle_seconds):
            return  # a new connection, or one in use moments ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure: this connection is unusable
            raise exc.DisconnectionError(
                f"idle connection failed its ping: {type(error).__name__}"
            ) from error

    event.listen(engine.pool, "checkin", checked_in)
    event.listen(engine.pool, "checkout", checked_out)


def make_engine(
    url: str, *, ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS, **kwargs: Any
) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        ping_idle_connections(engine, ping_after_idle_seconds)
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


class DatabaseBusy(Exception):
    """No connection (or request slot) became free in time; the client should retry shortly."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("the database is busy")
        self.retry_after = retry_after

    @classmethod
    def after_waiting(cls, timeout_seconds: float) -> DatabaseBusy:
        """Busy after waiting `timeout_seconds`: retry after about as long (at least 1 s)."""
        return cls(retry_after=max(1, round(timeout_seconds)))


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
        if not semaphore.locked():  # a free slot, and nobody queued before us: no timer to arm
            await semaphore.acquire()  # returns at once
            return semaphore
        try:
            async with asyncio.timeout(self.timeout_seconds):
                await semaphore.acquire()
        except TimeoutError:
            raise DatabaseBusy.after_waiting(self.timeout_seconds) from None
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
