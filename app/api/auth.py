"""Register, log in, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy.orm import Session

from app.api.schemas import Credentials, MeOut, RegisterRequest, TokenOut, UserOut
from app.deps import CallerDep, ContainerDep, UnitOfWorkDep, limit_login
from app.errors import Unauthorized, problem_docs
from app.models import User
from app.security import issue_token
from app.services import accounts, ledger

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    responses=problem_docs(409, 413, 422),
)
async def register(body: RegisterRequest, container: ContainerDep, db: UnitOfWorkDep) -> UserOut:
    def work(session: Session) -> UserOut:
        user = accounts.register(
            session,
            container.passwords,
            body.email,
            body.password,
            container.settings.currency,
            container.clock(),
        )
        return UserOut(id=user.id, email=user.email, created_at=user.created_at)

    return await db.run(work)


@router.post("/auth/login", response_model=TokenOut, responses=problem_docs(401, 413, 422, 429))
async def login(body: Credentials, request: Request, container: ContainerDep, db: UnitOfWorkDep) -> TokenOut:
    def work(session: Session) -> TokenOut:
        limit_login(container, request, body.email)
        user = accounts.authenticate(session, container.passwords, body.email, body.password)
        settings = container.settings
        token = issue_token(user.id, settings.jwt_key, settings.jwt_ttl_seconds, container.clock())
        return TokenOut(access_token=token.token, expires_at=token.expires_at)

    return await db.run(work)


@router.get("/me", response_model=MeOut, responses=problem_docs(401))
async def me(caller: CallerDep) -> MeOut:
    user_id, container, db = caller.user_id, caller.container, caller.db

    def work(session: Session) -> MeOut:
        user = session.get(User, user_id)
        if user is None:
            raise Unauthorized()
        return MeOut(
            id=user.id,
            email=user.email,
            created_at=user.created_at,
            balance=ledger.balance(session, user.id),
            currency=container.settings.currency,
        )

    return await db.read(work)
