"""FastAPI dependencies: the container, the request's unit of work, the authenticated user, limits.

Threadpool hops are the cost of a sync dependency or route: FastAPI runs each sync dependency,
each sync generator's enter and exit, the sync route and its response validation in a thread
call of their own (six for a sync route with a session and a user). The API routes are `async`
and their dependencies never block, so a request makes exactly one thread call: `UnitOfWork.run`
(or `.read`), which opens the session, does the route's database work and closes the session
before the thread returns. The HTML pages keep the sync `SessionDep` / `user_from_token`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from app.container import Container
from app.db import session_scope
from app.errors import RateLimited, Unauthorized
from app.models import User
from app.security import InvalidToken, read_token

SESSION_COOKIE = "session"
bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/login")


T = TypeVar("T")


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

    async def _call(self, factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
        semaphore = await self._container.slots.acquire()  # on the event loop, holding nothing
        try:
            return await run_in_threadpool(_in_session, factory, work)
        finally:
            semaphore.release()


def _in_session(factory: sessionmaker[Session], work: Callable[[Session], T]) -> T:
    with session_scope(factory) as session:
        return work(session)


async def unit_of_work(container: ContainerDep) -> UnitOfWork:
    return UnitOfWork(container)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]


async def bearer_user_id(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> uuid.UUID:
    """The user id of a valid, unexpired bearer token (signature and expiry checked here, on the
    event loop: no database). The routes confirm in their unit of work that the user exists
    (`require_user`, or a query that joins `users`), so a token of a deleted user is still 401."""
    if credentials is None or not credentials.credentials:
        raise Unauthorized()
    try:
        return read_token(credentials.credentials, container.settings.jwt_key, container.clock())
    except InvalidToken:
        raise Unauthorized() from None


UserIdDep = Annotated[uuid.UUID, Depends(bearer_user_id)]


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
