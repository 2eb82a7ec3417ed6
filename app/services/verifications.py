"""Buying a number, receiving its code, cancelling and expiring — with refunds exactly once."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import domain
from app.db import session_scope
from app.errors import Conflict, NotFound
from app.models import LedgerKind, Verification, VerificationStatus
from app.providers import ProviderError, SmsProvider, SmsState
from app.services import catalogue, ledger

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purchase:
    verification: Verification
    created: bool  # False when an Idempotency-Key replay returned the original


def _by_key(session: Session, user_id: uuid.UUID, key: str) -> Verification | None:
    return session.scalar(
        select(Verification).where(Verification.user_id == user_id, Verification.idempotency_key == key)
    )


def _replay(existing: Verification, request: domain.PurchaseRequest) -> Purchase:
    domain.check_replay(existing.request_fingerprint, request)
    return Purchase(existing, created=False)


def reserve(
    session: Session,
    user_id: uuid.UUID,
    request: domain.PurchaseRequest,
    idempotency_key: str | None,
    ttl_seconds: int,
    now: datetime,
) -> Purchase:
    """Charge the wallet and record a pending verification in one transaction."""
    if idempotency_key is not None and (existing := _by_key(session, user_id, idempotency_key)):
        return _replay(existing, request)
    price = catalogue.price_of(session, request.service, request.country)
    if price is None:
        raise NotFound(f"no offer for service '{request.service}' in country '{request.country}'")
    verification = Verification(
        id=uuid.uuid4(),
        user_id=user_id,
        service_code=request.service,
        country_code=request.country,
        price=price,
        status=VerificationStatus.PENDING.value,
        idempotency_key=idempotency_key,
        request_fingerprint=request.fingerprint(),
        created_at=now,
        expires_at=domain.expires_at(now, ttl_seconds),
        updated_at=now,
    )
    session.add(verification)
    try:
        session.flush()  # a concurrent request with the same key waits here, then fails
    except IntegrityError:
        session.rollback()
        existing = _by_key(session, user_id, idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return _replay(existing, request)
    try:
        ledger.debit(session, user_id, price, LedgerKind.PURCHASE, f"verification:{verification.id}", now)
    except domain.InsufficientFunds:
        session.rollback()
        raise
    session.commit()
    return Purchase(verification, created=True)


def purchase(
    session: Session,
    sms: SmsProvider,
    user_id: uuid.UUID,
    request: domain.PurchaseRequest,
    idempotency_key: str | None,
    ttl_seconds: int,
    now: datetime,
) -> Purchase:
    """Reserve (charge) first, then rent the number; a provider failure refunds in full.

    One session throughout (the request's): each step commits, so no connection is held while
    the provider is called.
    """
    result = reserve(session, user_id, request, idempotency_key, ttl_seconds, now)
    if not result.created:
        return result
    verification = result.verification
    try:
        activation = sms.buy_number(request.service, request.country)
    except ProviderError:
        _finish(session, verification, VerificationStatus.FAILED, now)
        raise
    attached = session.scalars(
        update(Verification)
        .where(Verification.id == verification.id, Verification.status == VerificationStatus.PENDING.value)
        .values(phone_number=activation.phone_number, activation_id=activation.activation_id)
        .returning(Verification)
        .execution_options(synchronize_session=False, populate_existing=True)
    ).one_or_none()
    session.commit()
    if attached is not None:
        return Purchase(attached, created=True)
    _release(sms, activation.activation_id)  # cancelled or expired while we waited: give it back
    fresh = session.get(Verification, verification.id, populate_existing=True)
    assert fresh is not None  # noqa: S101 - rows are never deleted
    return Purchase(fresh, created=True)


def _release(sms: SmsProvider, activation_id: str | None) -> None:
    if activation_id is None:
        return
    try:
        sms.cancel(activation_id)
    except ProviderError:
        logger.warning("could not release activation %s at the provider", activation_id)


def _finish(session: Session, verification: Verification, target: VerificationStatus, now: datetime) -> bool:
    """pending -> target (refunding when the target is refundable) exactly once; True if this call did it."""
    domain.transition(VerificationStatus.PENDING, target)
    changed = session.execute(
        update(Verification)
        .where(Verification.id == verification.id, Verification.status == VerificationStatus.PENDING.value)
        .values(status=target.value, updated_at=now)
        .returning(Verification.id)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if changed is None:
        session.rollback()
        return False
    if domain.is_refundable(target):
        ledger.credit(
            session,
            verification.user_id,
            verification.price,
            LedgerKind.REFUND,
            f"verification:{verification.id}",
            now,
        )
    session.commit()
    return True


def _complete(session: Session, verification: Verification, code: str, now: datetime) -> None:
    session.execute(
        update(Verification)
        .where(Verification.id == verification.id, Verification.status == VerificationStatus.PENDING.value)
        .values(status=VerificationStatus.COMPLETED.value, code=code, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def refresh(session: Session, sms: SmsProvider, verification: Verification, now: datetime) -> Verification:
    """Lazy state update on read: expire (and refund) when overdue, else ask the provider for a code."""
    status = VerificationStatus(verification.status)
    if status is not VerificationStatus.PENDING:
        return verification
    if domain.is_expired(status, verification.expires_at, now):
        if _finish(session, verification, VerificationStatus.EXPIRED, now):
            _release(sms, verification.activation_id)
    elif verification.activation_id is not None:
        try:
            sms_status = sms.get_status(verification.activation_id)
        except ProviderError:
            logger.warning("status of %s unavailable; showing the stored state", verification.id)
            return verification
        if sms_status.state is SmsState.RECEIVED and sms_status.code:
            _complete(session, verification, sms_status.code, now)
        elif sms_status.state is SmsState.CANCELLED:
            _finish(session, verification, VerificationStatus.CANCELLED, now)
    session.expire_all()
    fresh = session.get(Verification, verification.id)
    assert fresh is not None  # noqa: S101 - rows are never deleted
    return fresh


def get_owned(
    session: Session, user_id: uuid.UUID, verification_id: uuid.UUID, *, lock: bool = False
) -> Verification:
    """The caller's verification, or NotFound — also when it belongs to someone else. With
    `lock`, the row stays locked (SELECT ... FOR UPDATE) until the session's transaction ends."""
    query = select(Verification).where(Verification.id == verification_id, Verification.user_id == user_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    found = session.scalar(query)
    if found is None:
        raise NotFound("no such verification")
    return found


def list_owned(
    session: Session, sms: SmsProvider, user_id: uuid.UUID, limit: int, now: datetime
) -> list[Verification]:
    rows = list(
        session.scalars(
            select(Verification)
            .where(Verification.user_id == user_id)
            .order_by(Verification.created_at.desc(), Verification.id)
            .limit(limit)
        )
    )
    return [refresh(session, sms, row, now) for row in rows]


def cancel(
    session: Session, sms: SmsProvider, user_id: uuid.UUID, verification_id: uuid.UUID, now: datetime
) -> Verification:
    """Cancel at the provider, then record it and refund, for exactly one of concurrent cancels:
    the row is locked first, so a second cancel waits and then finds it cancelled (409). Without
    the lock, a second cancel could see the provider's "cancelled" between the first one's
    provider call and its commit, record the cancellation itself, and both answer 409."""
    verification = refresh(session, sms, get_owned(session, user_id, verification_id, lock=True), now)
    status = VerificationStatus(verification.status)
    if status is VerificationStatus.COMPLETED:
        raise Conflict("a code was already received; this verification cannot be cancelled")
    if status is not VerificationStatus.PENDING:
        raise Conflict(f"this verification is already {status.value}")
    if verification.activation_id is not None:
        sms.cancel(verification.activation_id)  # a provider refusal surfaces as an error, no refund
    if not _finish(session, verification, VerificationStatus.CANCELLED, now):
        session.expire_all()
        current = get_owned(session, user_id, verification_id)
        raise Conflict(f"this verification is already {current.status}")
    session.expire_all()
    return get_owned(session, user_id, verification_id)


def sweep_expired(sessions: sessionmaker[Session], sms: SmsProvider, now: datetime, batch: int = 500) -> int:
    """Expire and refund every overdue pending verification; returns how many this call expired."""
    expired = 0
    with session_scope(sessions) as session:
        overdue = list(
            session.scalars(
                select(Verification)
                .where(
                    Verification.status == VerificationStatus.PENDING.value,
                    Verification.expires_at <= now,
                )
                .order_by(Verification.expires_at)
                .limit(batch)
            )
        )
        for verification in overdue:
            if _finish(session, verification, VerificationStatus.EXPIRED, now):
                expired += 1
                _release(sms, verification.activation_id)
    return expired
