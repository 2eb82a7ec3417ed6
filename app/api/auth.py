"""Register, log in, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from app.api.schemas import Credentials, MeOut, RegisterRequest, TokenOut, UserOut
from app.deps import ContainerDep, SessionDep, UserDep, limit_login
from app.errors import problem_docs
from app.security import issue_token
from app.services import accounts, ledger

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=problem_docs(409, 413, 422),
)
def register(body: RegisterRequest, container: ContainerDep, session: SessionDep) -> UserOut:
    user = accounts.register(
        session,
        container.passwords,
        body.email,
        body.password,
        container.settings.currency,
        container.clock(),
    )
    return UserOut(id=user.id, email=user.email, created_at=user.created_at)


@router.post("/auth/login", response_model=TokenOut, responses=problem_docs(401, 413, 422, 429))
def login(body: Credentials, request: Request, container: ContainerDep, session: SessionDep) -> TokenOut:
    limit_login(container, request, body.email)
    user = accounts.authenticate(session, container.passwords, body.email, body.password)
    token = issue_token(
        user.id, container.settings.jwt_key, container.settings.jwt_ttl_seconds, container.clock()
    )
    return TokenOut(access_token=token.token, expires_at=token.expires_at)


@router.get("/me", response_model=MeOut, responses=problem_docs(401))
def me(user: UserDep, container: ContainerDep, session: SessionDep) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        created_at=user.created_at,
        balance=ledger.balance(session, user.id),
        currency=container.settings.currency,
    )
