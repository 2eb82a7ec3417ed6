"""Top-ups: create a payment with the provider; credit the wallet once, when it settles."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.errors import InvalidRequest, NotFound
from app.models import LedgerKind, Payment, PaymentStatus, WebhookEvent
from app.providers import PaymentProvider, PaymentState, ProviderError
from app.services import ledger

logger = logging.getLogger(__name__)


def create_topup(
    session: Session,
    provider: PaymentProvider,
    user_id: uuid.UUID,
    amount: int,
    currency: str,
    now: datetime,
) -> Payment:
    payment = Payment(
        id=uuid.uuid4(),
        user_id=user_id,
        amount=amount,
        currency=currency,
        status=PaymentStatus.PENDING.value,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    session.commit()  # recorded before the provider is called, so nothing is ever untracked
    try:
        intent = provider.create_payment(amount, currency, str(payment.id))
    except ProviderError:
        payment.status = PaymentStatus.FAILED.value
        session.commit()
        raise
    payment.provider_payment_id = intent.provider_payment_id
    payment.checkout_url = intent.checkout_url
    session.flush()
    # The provider's answer and, when it settled at once (e.g. the sandbox), the credit: one
    # transaction, and the row's new state set in memory instead of read back.
    outcome = None
    if intent.state is PaymentState.SUCCEEDED and settle(session, intent.provider_payment_id, now):
        outcome = PaymentStatus.SUCCEEDED
    elif intent.state is PaymentState.FAILED and fail(session, intent.provider_payment_id, now):
        outcome = PaymentStatus.FAILED
    session.commit()
    if outcome is not None:
        set_committed_value(payment, "status", outcome.value)
        set_committed_value(payment, "updated_at", now)
    return payment


def settle(session: Session, provider_payment_id: str, now: datetime) -> bool:
    """pending -> succeeded and credit the wallet; False (and no change) if not pending."""
    row = session.execute(
        update(Payment)
        .where(
            Payment.provider_payment_id == provider_payment_id,
            Payment.status == PaymentStatus.PENDING.value,
        )
        .values(status=PaymentStatus.SUCCEEDED.value, updated_at=now)
        .returning(Payment.id, Payment.user_id, Payment.amount)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        return False
    payment_id, user_id, amount = row
    ledger.credit(session, user_id, int(amount), LedgerKind.TOPUP, f"payment:{payment_id}", now)
    return True


def fail(session: Session, provider_payment_id: str, now: datetime) -> bool:
    result = session.execute(
        update(Payment)
        .where(
            Payment.provider_payment_id == provider_payment_id,
            Payment.status == PaymentStatus.PENDING.value,
        )
        .values(status=PaymentStatus.FAILED.value, updated_at=now)
        .returning(Payment.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    return result is not None


def get_owned(session: Session, user_id: uuid.UUID, payment_id: uuid.UUID) -> Payment:
    payment = session.scalar(select(Payment).where(Payment.id == payment_id, Payment.user_id == user_id))
    if payment is None:
        raise NotFound("no such top-up")
    return payment


class EventOutcome(StrEnum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    NO_CHANGE = "no-change"


@dataclass(frozen=True)
class PaymentEvent:
    event_id: str
    event_type: str
    provider_payment_id: str
    amount: int
    currency: str


def handle_event(session: Session, event: PaymentEvent, now: datetime) -> EventOutcome:
    """Apply a verified provider event exactly once; a replay or a late duplicate changes nothing."""
    session.add(WebhookEvent(event_id=event.event_id, event_type=event.event_type, received_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return EventOutcome.DUPLICATE
    payment = session.scalar(select(Payment).where(Payment.provider_payment_id == event.provider_payment_id))
    if payment is None:
        # Not recorded: a non-2xx answer makes the provider retry once our side has caught up.
        session.rollback()
        raise NotFound("no payment with this provider id")
    if payment.amount != event.amount or payment.currency != event.currency:
        session.rollback()
        logger.warning("payment event %s does not match payment %s", event.event_id, payment.id)
        raise InvalidRequest("event amount or currency does not match the payment", field="body.data.amount")
    if event.event_type == "payment.succeeded":
        changed = settle(session, event.provider_payment_id, now)
    else:
        changed = fail(session, event.provider_payment_id, now)
    session.commit()
    return EventOutcome.PROCESSED if changed else EventOutcome.NO_CHANGE
