"""Balance, ledger, top-ups and the payment provider's webhook."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, status
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api.schemas import (
    LedgerEntryOut,
    LedgerPage,
    PaymentEventIn,
    TopupOut,
    TopupRequest,
    WalletOut,
    WebhookAck,
)
from app.deps import CallerDep, ContainerDep, UnitOfWorkDep, require_user
from app.errors import AppError, InvalidRequest, ProviderFailed, ProviderTimeout, Unauthorized, problem_docs
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
async def wallet(caller: CallerDep) -> WalletOut:
    # One statement: the user's existence (authentication) and the balance together.
    row = await caller.db.first(ledger.BALANCE_OF_USER, {"user_id": caller.user_id})
    balance = ledger.balance_from_row(row)
    if balance is None:
        raise Unauthorized()
    return WalletOut(balance=balance, currency=caller.container.settings.currency)


@router.get("/wallet/transactions", response_model=LedgerPage, responses=problem_docs(401, 422))
async def transactions(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    before_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> LedgerPage:
    user_id, db = caller.user_id, caller.db

    def work(session: Session) -> LedgerPage:
        require_user(session, user_id)
        items = [
            LedgerEntryOut(
                id=row.id,
                kind=LedgerKind(row.kind),
                amount=row.amount,
                balance_after=row.balance_after,
                reference=row.reference,
                created_at=row.created_at,
            )
            for row in ledger.entries(session, user_id, limit, before_id)
        ]
        return LedgerPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)

    return await db.read(work)


@router.post(
    "/wallet/topups",
    status_code=status.HTTP_201_CREATED,
    response_model=TopupOut,
    responses=problem_docs(401, 413, 422, 502, 504),
)
async def create_topup(body: TopupRequest, caller: CallerDep) -> TopupOut:
    user_id, container, db = caller.user_id, caller.container, caller.db
    settings = container.settings

    def work(session: Session) -> TopupOut:
        require_user(session, user_id)
        if not settings.min_topup_minor <= body.amount <= settings.max_topup_minor:
            raise InvalidRequest(
                f"amount must be between {settings.min_topup_minor} and {settings.max_topup_minor}",
                field="body.amount",
            )
        try:
            payment = payments.create_topup(
                session, container.payments, user_id, body.amount, settings.currency, container.clock()
            )
        except ProviderUnavailable as error:
            raise ProviderTimeout(f"payment provider unavailable: {error}") from None
        except ProviderError as error:
            raise ProviderFailed(f"payment provider error: {error}") from None
        return _topup_out(payment)

    return await db.run(work)


@router.get("/wallet/topups/{topup_id}", response_model=TopupOut, responses=problem_docs(401, 404, 422))
async def get_topup(topup_id: uuid.UUID, caller: CallerDep) -> TopupOut:
    user_id, db = caller.user_id, caller.db

    def work(session: Session) -> TopupOut:
        require_user(session, user_id)
        return _topup_out(payments.get_owned(session, user_id, topup_id))

    return await db.read(work)


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
    db: UnitOfWorkDep,
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

    # The request's unit of work (its slot bounds the connections): one thread call, off the loop.
    outcome = await db.run(lambda session: payments.handle_event(session, domain_event, now))
    return WebhookAck(outcome=outcome.value)
