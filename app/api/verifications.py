"""Buy a number, watch for its code, cancel it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from app.api.schemas import PurchaseRequestIn, VerificationList, VerificationOut
from app.deps import ContainerDep, SessionDep, UserDep, limit_purchase
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
def purchase(
    body: PurchaseRequestIn,
    response: Response,
    user: UserDep,
    container: ContainerDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> VerificationOut:
    limit_purchase(container, user.id)
    try:
        result = verifications.purchase(
            session,
            container.sms,
            user.id,
            PurchaseRequest(service=body.service, country=body.country),
            idempotency_key,
            container.settings.verification_ttl_seconds,
            container.clock(),
        )
    except InsufficientFunds as error:
        raise PaymentRequired(f"this number costs {error.amount}; the balance is {error.balance}") from None
    except IdempotencyConflict as error:
        raise IdempotencyKeyReused(str(error)) from None
    except NoNumbersAvailable as error:
        raise ServiceUnavailable(f"{error}; you were not charged") from None
    except ProviderUnavailable:
        raise ProviderTimeout("SMS provider unavailable; you were not charged") from None
    except ProviderError:
        raise ProviderFailed("SMS provider error; you were not charged") from None
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return to_out(result.verification)


@router.get("", response_model=VerificationList, responses=problem_docs(401, 422))
def list_verifications(
    user: UserDep,
    container: ContainerDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> VerificationList:
    rows = verifications.list_owned(session, container.sms, user.id, limit, container.clock())
    return VerificationList(items=[to_out(row) for row in rows])


@router.get("/{verification_id}", response_model=VerificationOut, responses=problem_docs(401, 404, 422))
def get_verification(
    verification_id: uuid.UUID, user: UserDep, container: ContainerDep, session: SessionDep
) -> VerificationOut:
    row = verifications.get_owned(session, user.id, verification_id)
    return to_out(verifications.refresh(session, container.sms, row, container.clock()))


@router.post(
    "/{verification_id}/cancel",
    response_model=VerificationOut,
    responses=problem_docs(401, 404, 409, 422, 502, 504),
)
def cancel_verification(
    verification_id: uuid.UUID, user: UserDep, container: ContainerDep, session: SessionDep
) -> VerificationOut:
    try:
        row = verifications.cancel(session, container.sms, user.id, verification_id, container.clock())
    except ProviderUnavailable:
        raise ProviderTimeout("SMS provider unavailable; nothing was cancelled") from None
    except ProviderError:
        raise ProviderFailed("SMS provider refused the cancellation; nothing was refunded") from None
    return to_out(row)
