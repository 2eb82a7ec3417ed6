"""FastAPI dependencies: the container, a request-scoped session, the authenticated user, limits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.container import Container
from app.db import session_scope
from app.errors import RateLimited, Unauthorized
from app.models import User
from app.security import InvalidToken, read_token

SESSION_COOKIE = "session"
bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/login")


def get_container(request: Request) -> Container:
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


def user_from_token(container: Container, session: Session, token: str | None) -> User | None:
    if not token:
        return None
    try:
        user_id = read_token(token, container.settings.jwt_key, container.clock())
    except InvalidToken:
        return None
    return session.get(User, user_id)


def current_user(
    container: ContainerDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    user = user_from_token(container, session, credentials.credentials if credentials else None)
    if user is None:
        raise Unauthorized()
    return user


UserDep = Annotated[User, Depends(current_user)]


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
