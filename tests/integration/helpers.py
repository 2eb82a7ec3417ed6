"""Small helpers for the integration tests (users, funding, ledger invariants)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.container import Container
from app.models import LedgerKind, User
from app.security import Passwords
from app.services import accounts, ledger
from tests.support.fakes import unique_email

FAST_PASSWORDS = Passwords(time_cost=1, memory_cost_kib=8)


def new_user(container: Container, funds: int = 0) -> uuid.UUID:
    """A user with `funds` credited through the ledger (as a settled top-up would)."""
    with container.sessions() as session:
        user = accounts.register(
            session, FAST_PASSWORDS, unique_email("it"), "password-123", "USD", container.clock()
        )
        if funds:
            ledger.credit(
                session, user.id, funds, LedgerKind.TOPUP, f"seed:{uuid.uuid4()}", container.clock()
            )
            session.commit()
        return user.id


def assert_ledger_consistent(container: Container, user_id: uuid.UUID) -> int:
    """The ledger sums to the balance and the balance is not negative; returns the balance."""
    with container.sessions() as session:
        assert session.scalar(select(User.id).where(User.id == user_id)) == user_id
        balance = ledger.balance(session, user_id)
        assert balance >= 0
        assert ledger.ledger_total(session, user_id) == balance
        return balance
