"""Balance, ledger, top-ups and the payment provider's webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from app.api.schemas import (
    LedgerEntryOut,
    LedgerPage,
    PaymentEventIn,
    TopupOut,
    TopupRequest,
    WalletOut,
    WebhookAck,
)
from app.deps import ContainerDep, SessionDep, UserDep
from app.errors import AppError, InvalidRequest, ProviderFailed, ProviderTimeout, problem_docs
from app.models import LedgerKind, Payment, PaymentStatus
from app.providers import ProviderError, ProviderUnavailable
from app.security import SIGNATURE_HEADER, InvalidSignature, verify_signature
from app.services import ledger, payments

router = APIRouter(tags=["wallet"])


class InvalidWebhookSignature(AppError):
    status, slug, title = 401, "invalid-signature", "Invalid webhook signature"


def _topup_out(payment: Payment) -> TopupOut:
    return TopupOut(
        id=payment.id,
        amount=payment.amount,
        currency=payment.currency,
        status=PaymentStatus(payment.status),
        checkout_url=payment.checkout_url,
        created_at=payment.created_at,
    )


@router.get("/wallet", response_model=WalletOut, responses=problem_docs(401))
def wallet(user: UserDep, container: ContainerDep, session: SessionDep) -> WalletOut:
    return WalletOut(balance=ledger.balance(session, user.id), currency=container.settings.currency)


@router.get("/wallet/transactions", response_model=LedgerPage, responses=problem_docs(401, 422))
def transactions(
    user: UserDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> LedgerPage:
    rows = ledger.entries(session, user.id, limit, before_id)
    items = [
        LedgerEntryOut(
            id=row.id,
            kind=LedgerKind(row.kind),
            amount=row.amount,
            balance_after=row.balance_after,
            reference=row.reference,
            created_at=row.created_at,
        )
        for row in rows
    ]
    return LedgerPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)


@router.post(
    "/wallet/topups",
    status_code=status.HTTP_201_CREATED,
    response_model=TopupOut,
    responses=problem_docs(401, 413, 422, 502, 504),
)
def create_topup(body: TopupRequest, user: UserDep, container: ContainerDep, session: SessionDep) -> TopupOut:
    settings = container.settings
    if not settings.min_topup_minor <= body.amount <= settings.max_topup_minor:
        raise InvalidRequest(
            f"amount must be between {settings.min_topup_minor} and {settings.max_topup_minor}",
            field="body.amount",
        )
    try:
        payment = payments.create_topup(
            session, container.payments, user.id, body.amount, settings.currency, container.clock()
        )
    except ProviderUnavailable as error:
        raise ProviderTimeout(f"payment provider unavailable: {error}") from None
    except ProviderError as error:
        raise ProviderFailed(f"payment provider error: {error}") from None
    return _topup_out(payment)


@router.get("/wallet/topups/{topup_id}", response_model=TopupOut, responses=problem_docs(401, 404, 422))
def get_topup(topup_id: uuid.UUID, user: UserDep, session: SessionDep) -> TopupOut:
    return _topup_out(payments.get_owned(session, user.id, topup_id))


@router.post(
    "/webhooks/payments",
    response_model=WebhookAck,
    responses=problem_docs(401, 404, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaymentEventIn"}}},
        }
    },
)
async def payment_webhook(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER, max_length=300)] = None,
) -> WebhookAck:
    """Signed by the provider: `X-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "t.body")>`."""
    body = await request.body()  # the exact bytes are what was signed
    settings = container.settings
    now = container.clock()
    try:
        verify_signature(
            body, signature, settings.webhook_key, int(now.timestamp()), settings.webhook_tolerance_seconds
        )
    except InvalidSignature as error:
        raise InvalidWebhookSignature(str(error)) from None
    try:
        event = PaymentEventIn.model_validate_json(body)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(["body", *(str(part) for part in first["loc"])])
        raise InvalidRequest(f"{field}: {first['msg']}", field=field) from None
    domain_event = payments.PaymentEvent(
        event_id=event.id,
        event_type=event.type,
        provider_payment_id=event.data.payment_id,
        amount=event.data.amount,
        currency=event.data.currency,
    )

    # The request's session (its slot bounds the connections), used from one thread at a time;
    # the blocking database work stays off the event loop.
    outcome = await run_in_threadpool(payments.handle_event, session, domain_event, now)
    return WebhookAck(outcome=outcome.value)
