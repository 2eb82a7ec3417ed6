"""FastAPI dependencies: the container, the request's unit of work, the authenticated user, limits.

Threadpool hops are the cost of a sync dependency or route: FastAPI runs each sync dependency,
each sync generator's enter and exit, the sync route and its response validation in a thread
call of their own (six for a sync route with a session and a user). The API routes are `async`
and their dependencies never block, so a request makes exactly one thread call: `UnitOfWork.run`
(or `.read`, or `.first`), which opens the session, does the route's database work and closes the session
before the thread returns. The HTML pages keep the sync `SessionDep` / `user_from_token`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.container import Container
from app.db import session_scope
from app.errors import RateLimited, Unauthorized
from app.loop_reads import Query
from app.models import User
from app.security import InvalidToken, read_token

SESSION_COOKIE = "session"
BEARER_DESCRIPTION = "JWT from POST /api/v1/auth/login"


T = TypeVar("T")
S = TypeVar("S")
R = TypeVar("R")


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


async def request_slot(container: ContainerDep) -> AsyncIterator[None]:
    """Wait (on the event loop, holding nothing) for one of the worker's database slots."""
    semaphore = await container.slots.acquire()
    try:
        yield
    finally:
        semaphore.release()


def get_session(container: ContainerDep, _slot: Annotated[None, Depends(request_slot)]) -> Iterator[Session]:
    """The request's one unit of work: services take this session, never open one of their own."""
    with session_scope(container.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


class UnitOfWork:
    """The request's database work, run in one thread call with one session (hence at most one
    pooled connection) while holding one of the worker's request slots; the session is closed
    and the slot given back as soon as the work returns."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def run(self, work: Callable[[Session], T]) -> T:
        """Work that writes (or must read in one transaction): commits are the work's own."""
        return await self._call(self._container.sessions, work)

    async def read(self, work: Callable[[Session], T]) -> T:
        """Read-only work whose statements need no shared snapshot: each is its own transaction
        (autocommit), so no BEGIN and no ROLLBACK round trip. A write here is an error."""
        return await self._call(self._container.read_sessions, work)

    async def first(self, query: Query, params: Mapping[str, object]) -> Sequence[Any] | None:
        """The first row of a single-statement read of plain columns, in autocommit. On
        PostgreSQL it runs on the event loop (`app.loop_reads`: no thread call, no session);
        elsewhere (SQLite, or a loop the app's lifespan did not open) on a pooled connection in
        the thread path, without a session around it."""
        reads = self._container.loop_reads
        if reads is not None and reads.serves_running_loop():
            return await reads.first(query, params)
        return await self._in_thread(
            _on_connection,
            self._container.read_engine,
            lambda connection: connection.execute(query.statement, params).first(),
        )

    async def _call(self, factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
        return await self._in_thread(_in_session, factory, work)

    async def _in_thread(
        self, func: Callable[[S, Callable[[R], T]], T], source: S, work: Callable[[R], T]
    ) -> T:
        semaphore = await self._container.slots.acquire()  # on the event loop, holding nothing
        try:
            return await run_in_threadpool(func, source, work)
        finally:
            semaphore.release()


def _in_session(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    with session_scope(factory) as session:
        return work(session)


def _on_connection(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.connect() as connection:
        return work(connection)


async def unit_of_work(container: ContainerDep) -> UnitOfWork:
    return UnitOfWork(container)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


@dataclass(frozen=True, slots=True)
class Caller:
    """What an authenticated API route needs: the token's user id, the container and the
    request's unit of work."""

    user_id: uuid.UUID
    container: Container
    db: UnitOfWork


class BearerAuth(SecurityBase):
    """`Authorization: Bearer <JWT>`, as the authenticated API routes' one dependency.

    OpenAPI documents it as FastAPI's `HTTPBearer` (same scheme name and model). It replaces
    three dependencies (the bearer credentials, the container, the unit of work, each resolved by
    FastAPI per request) with one: the token's signature and expiry are checked here, on the
    event loop, without the database; the route's unit of work confirms that the user still
    exists (`require_user`, or a query that joins `users`), so a token of a deleted user is 401."""

    def __init__(self, description: str) -> None:
        self.model = HTTPBearerModel(description=description)
        self.scheme_name = "HTTPBearer"

    async def __call__(self, request: Request) -> Caller:
        container: Container = request.app.state.container
        scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
        if not token or scheme.lower() != "bearer":
            raise Unauthorized()
        try:
            user_id = read_token(token, container.settings.jwt_key, container.clock())
        except InvalidToken:
            raise Unauthorized() from None
        return Caller(user_id, container, UnitOfWork(container))


CallerDep = Annotated[Caller, Depends(BearerAuth(description=BEARER_DESCRIPTION))]


def require_user(session: Session, user_id: uuid.UUID) -> None:
    """401 unless the token's user still exists: one primary-key lookup of the id alone."""
    if session.scalar(select(User.id).where(User.id == user_id)) is None:
        raise Unauthorized()


def user_from_token(container: Container, session: Session, token: str | None) -> User | None:
    """The pages' signed-in user (session cookie), or None."""
    if not token:
        return None
    try:
        user_id = read_token(token, container.settings.jwt_key, container.clock())
    except InvalidToken:
        return None
    return session.get(User, user_id)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def enforce_limit(container: Container, key: str, limit: int, window: int) -> None:
    decision = container.limiter.hit(key, limit, window)
    if not decision.allowed:
        raise RateLimited(decision.retry_after)


def limit_login(container: Container, request: Request, email: str) -> None:
    settings = container.settings
    for key in (f"login:ip:{client_ip(request)}", f"login:email:{email.strip().lower()}"):
        enforce_limit(container, key, settings.login_rate_limit, settings.login_rate_window_seconds)


def limit_purchase(container: Container, user_id: uuid.UUID) -> None:
    settings = container.settings
    enforce_limit(
        container, f"purchase:{user_id}", settings.purchase_rate_limit, settings.purchase_rate_window_seconds
    )
