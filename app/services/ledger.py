"""The only code that changes a balance: a conditional UPDATE plus an append-only ledger row."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.domain import InsufficientFunds, check_amount
from app.loop_reads import Query
from app.models import LedgerEntry, LedgerKind, User, Wallet


def open_wallet(session: Session, user_id: uuid.UUID, currency: str) -> Wallet:
    wallet = Wallet(user_id=user_id, balance=0, currency=currency)
    session.add(wallet)
    return wallet


def balance(session: Session, user_id: uuid.UUID) -> int:
    value = session.scalar(select(Wallet.balance).where(Wallet.user_id == user_id))
    return int(value or 0)


# The whole of GET /wallet's database work: the user's existence (authentication) and the
# balance in one statement. Built once (building and hashing a new statement each time was a
# tenth of that request's work); columns, not entities, so it runs without a session, and on
# PostgreSQL on the event loop (`UnitOfWork.first`).
BALANCE_OF_USER = Query.of(
    select(User.id, Wallet.balance)
    .select_from(User)
    .outerjoin(Wallet, Wallet.user_id == User.id)
    .where(User.id == bindparam("user_id"))
)


def balance_from_row(row: Sequence[Any] | None) -> int | None:
    """BALANCE_OF_USER's answer: the balance (0 without a wallet), or None when no such user."""
    if row is None:
        return None
    return int(row[1] or 0)


def debit(
    session: Session, user_id: uuid.UUID, amount: int, kind: LedgerKind, reference: str, now: datetime
) -> int:
    """Take `amount` from the wallet or raise InsufficientFunds; returns the new balance.

    `balance >= amount` in the WHERE clause makes this a compare-and-set: PostgreSQL locks the row
    and re-checks the condition after a concurrent writer commits, so two debits can never both
    pass on the same money. The CHECK (balance >= 0) constraint is the last line of defence.
    """
    check_amount(amount)
    new_balance = session.execute(
        update(Wallet)
        .where(Wallet.user_id == user_id, Wallet.balance >= amount)
        .values(balance=Wallet.balance - amount)
        .returning(Wallet.balance)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new_balance is None:
        raise InsufficientFunds(balance(session, user_id), amount)
    _append(session, user_id, -amount, int(new_balance), kind, reference, now)
    return int(new_balance)


def credit(
    session: Session, user_id: uuid.UUID, amount: int, kind: LedgerKind, reference: str, now: datetime
) -> int:
    """Add `amount`; the ledger's UNIQUE (kind, reference) makes a second credit for one cause fail."""
    check_amount(amount)
    new_balance = session.execute(
        update(Wallet)
        .where(Wallet.user_id == user_id)
        .values(balance=Wallet.balance + amount)
        .returning(Wallet.balance)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    _append(session, user_id, amount, int(new_balance), kind, reference, now)
    return int(new_balance)


def _append(
    session: Session,
    user_id: uuid.UUID,
    amount: int,
    balance_after: int,
    kind: LedgerKind,
    reference: str,
    now: datetime,
) -> None:
    session.add(
        LedgerEntry(
            user_id=user_id,
            kind=kind.value,
            amount=amount,
            balance_after=balance_after,
            reference=reference,
            created_at=now,
        )
    )
    session.flush()


def entries(session: Session, user_id: uuid.UUID, limit: int, before_id: int | None) -> list[LedgerEntry]:
    query = select(LedgerEntry).where(LedgerEntry.user_id == user_id)
    if before_id is not None:
        query = query.where(LedgerEntry.id < before_id)
    return list(session.scalars(query.order_by(LedgerEntry.id.desc()).limit(limit)))


def ledger_total(session: Session, user_id: uuid.UUID) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.user_id == user_id)
    )
    return int(total or 0)
