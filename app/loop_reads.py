"""Reads on the event loop: a single-statement read of plain columns, run on one of psycopg's
async connections from a small pool of its own, with no thread call.

Why (issue 11, `benchmarks/README.md`): under load a thread call cost more than the read it
carried. With a hundred requests in flight, the event loop and the worker threads hand the GIL to
each other, and GET /wallet's one round trip paid for a thread hop and SQLAlchemy's execute
around psycopg's. Here the read is psycopg's alone, awaited on the loop.

Only the hottest read goes this way (`UnitOfWork.first`); writes and multi-statement reads keep
the thread path and its session. The pool keeps the sync pool's promises:
- a connection idle for more than `PING_AFTER_IDLE_SECONDS` is pinged before it is handed out,
  and replaced if the ping fails; the others are not pinged (no extra round trip);
- a request that finds every connection taken waits on the loop, holding nothing, and gets
  `DatabaseBusy` (503 + Retry-After) after the pool timeout;
- a connection lost mid-read raises psycopg's `OperationalError` (a 503 with Retry-After, see
  `app.factory`); the pool discards it and connects afresh.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Select, make_url

from app.db import PING_AFTER_IDLE_SECONDS, DatabaseBusy, sat_idle

_PSYCOPG = make_url("postgresql+psycopg://").get_dialect()()


@dataclass(frozen=True)
class Query:
    """One statement, written once with SQLAlchemy: run as is on the thread path, and rendered
    once for psycopg (`%(name)s` parameters) for the loop."""

    statement: Select[*tuple[Any, ...]]
    sql: str

    @classmethod
    def of(cls, statement: Select[*tuple[Any, ...]]) -> Query:
        return cls(statement, str(statement.compile(dialect=_PSYCOPG)))


def conninfo(sqlalchemy_url: str) -> str:
    """libpq's URI for a SQLAlchemy URL (`postgresql+psycopg://…` → `postgresql://…`)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(hide_password=False)


class LoopReads:
    """The worker's pool of async connections (autocommit), opened on the app's event loop."""

    def __init__(
        self,
        url: str,
        *,
        size: int,
        timeout_seconds: float,
        ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS,
    ) -> None:
        self.size = size
        self.timeout_seconds = timeout_seconds
        self._conninfo = conninfo(url)
        self._ping_after_idle_seconds = ping_after_idle_seconds
        self._returned_at: weakref.WeakKeyDictionary[AsyncConnection[Any], float]
        self._returned_at = weakref.WeakKeyDictionary()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None

    async def open(self) -> None:
        """A new pool on the running loop (a closed pool cannot be reopened, and a test may start
        the same app twice). It connects in the background: a database that is down at start-up
        makes reads wait (then 503), not the worker fail to boot."""
        if self._pool is not None:
            raise RuntimeError("LoopReads is already open")
        self._pool = AsyncConnectionPool(
            self._conninfo,
            kwargs={"autocommit": True, "connect_timeout": 5},
            min_size=self.size,
            max_size=self.size,
            timeout=self.timeout_seconds,
            check=self._ping_if_idle,
            open=False,
            name="loop-reads",
        )
        await self._pool.open(wait=False)
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        pool, self._pool, self._loop = self._pool, None, None
        if pool is not None:
            await pool.close()

    def serves_running_loop(self) -> bool:
        """Open, and on this loop: the pool's connections and waiters belong to the loop it was
        opened on (a test client without its lifespan runs each request on a loop of its own)."""
        if self._loop is None or self._pool is None:
            return False
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    async def first(self, query: Query, params: Mapping[str, object]) -> Sequence[Any] | None:
        """The statement's first row, or None (only where `serves_running_loop()`)."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("LoopReads.first before open()")
        try:
            connection = await pool.getconn()
        except PoolTimeout:
            raise DatabaseBusy.after_waiting(self.timeout_seconds) from None
        try:
            cursor = await connection.execute(query.sql, params)
            return await cursor.fetchone()
        finally:
            # Stamped here rather than in the pool's `reset` hook, which would move every return
            # to a background task. A connection returned mid-statement is closed by the pool.
            self._returned_at[connection] = time.monotonic()
            await pool.putconn(connection)

    async def _ping_if_idle(self, connection: AsyncConnection[Any]) -> None:
        if not sat_idle(self._returned_at.get(connection), self._ping_after_idle_seconds):
            return  # a new connection, or one in use moments ago
        await AsyncConnectionPool.check_connection(connection)  # raises: the pool replaces it
