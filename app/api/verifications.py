"""Buy a number, watch for its code, cancel it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status
from sqlalchemy.orm import Session

from app.api.schemas import PurchaseRequestIn, VerificationList, VerificationOut
from app.deps import CallerDep, limit_purchase, require_user
from app.domain import IdempotencyConflict, InsufficientFunds, PurchaseRequest
from app.errors import (
    IdempotencyKeyReused,
    PaymentRequired,
    ProviderFailed,
    ProviderTimeout,
    ServiceUnavailable,
    problem_docs,
)
from app.models import Verification, VerificationStatus
from app.providers import NoNumbersAvailable, ProviderError, ProviderUnavailable
from app.services import verifications

router = APIRouter(prefix="/verifications", tags=["verifications"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string; a retried request with the same key is never charged twice",
    ),
]


def to_out(row: Verification) -> VerificationOut:
    return VerificationOut(
        id=row.id,
        service=row.service_code,
        country=row.country_code,
        price=row.price,
        status=VerificationStatus(row.status),
        phone_number=row.phone_number,
        code=row.code,
        created_at=row.created_at,
        expires_at=row.expires_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VerificationOut,
    responses={
        200: {
            "model": VerificationOut,
            "description": "Replay of an earlier request with this Idempotency-Key",
        },
        **problem_docs(401, 402, 404, 409, 413, 422, 429, 502, 503, 504),
    },
)
async def purchase(
    body: PurchaseRequestIn,
    response: Response,
    caller: CallerDep,
    idempotency_key: IdempotencyKey = None,
) -> VerificationOut:
    user_id, container, db = caller.user_id, caller.container, caller.db

    def work(session: Session) -> tuple[bool, VerificationOut]:
        require_user(session, user_id)
        limit_purchase(container, user_id)
        try:
            result = verifications.purchase(
                session,
                container.sms,
                user_id,
                PurchaseRequest(service=body.service, country=body.country),
                idempotency_key,
                container.settings.verification_ttl_seconds,
                container.clock(),
            )
        except InsufficientFunds as error:
            raise PaymentRequired(
                f"this number costs {error.amount}; the balance is {error.balance}"
            ) from None
        except IdempotencyConflict as error:
            raise IdempotencyKeyReused(str(error)) from None
        except NoNumbersAvailable as error:
            raise ServiceUnavailable(f"{error}; you were not charged") from None
        except ProviderUnavailable:
            raise ProviderTimeout("SMS provider unavailable; you were not charged") from None
        except ProviderError:
            raise ProviderFailed("SMS provider error; you were not charged") from None
        return result.created, to_out(result.verification)

    created, out = await db.run(work)
    if not created:
        response.status_code = status.HTTP_200_OK
    return out


@router.get("", response_model=VerificationList, responses=problem_docs(401, 422))
async def list_verifications(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> VerificationList:
    user_id, container, db = caller.user_id, caller.container, caller.db

    def work(session: Session) -> VerificationList:
        require_user(session, user_id)
        rows = verifications.list_owned(session, container.sms, user_id, limit, container.clock())
        return VerificationList(items=[to_out(row) for row in rows])

    return await db.run(work)  # reading may expire (and refund) overdue rows: a write


@router.get("/{verification_id}", response_model=VerificationOut, responses=problem_docs(401, 404, 422))
async def get_verification(verification_id: uuid.UUID, caller: CallerDep) -> VerificationOut:
    user_id, container, db = caller.user_id, caller.container, caller.db

    def work(session: Session) -> VerificationOut:
        require_user(session, user_id)
        row = verifications.get_owned(session, user_id, verification_id)
        return to_out(verifications.refresh(session, container.sms, row, container.clock()))

    return await db.run(work)


@router.post(
    "/{verification_id}/cancel",
    response_model=VerificationOut,
    responses=problem_docs(401, 404, 409, 422, 502, 504),
)
async def cancel_verification(verification_id: uuid.UUID, caller: CallerDep) -> VerificationOut:
    user_id, container, db = caller.user_id, caller.container, caller.db

    def work(session: Session) -> VerificationOut:
        require_user(session, user_id)
        try:
            row = verifications.cancel(session, container.sms, user_id, verification_id, container.clock())
        except ProviderUnavailable:
            raise ProviderTimeout("SMS provider unavailable; nothing was cancelled") from None
        except ProviderError:
            raise ProviderFailed("SMS provider refused the cancellation; nothing was refunded") from None
        return to_out(row)

    return await db.run(work)
