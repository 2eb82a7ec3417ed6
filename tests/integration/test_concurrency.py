"""Money under concurrency on real PostgreSQL: exactly as many purchases as the balance pays for."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.container import Container
from app.domain import InsufficientFunds, PurchaseRequest
from app.errors import Conflict
from app.models import LedgerEntry, Verification, Wallet
from app.providers import SandboxSmsProvider
from app.services import catalogue, verifications
from tests.integration.conftest import ContainerFactory
from tests.integration.helpers import assert_ledger_consistent, new_user

pytestmark = pytest.mark.integration
REQUEST = PurchaseRequest("telegram", "US")


def _race(container: Container, user_id: uuid.UUID, workers: int, keys: list[str | None]) -> Counter[str]:
    barrier = threading.Barrier(workers)

    def attempt(key: str | None) -> str:
        barrier.wait(timeout=30)
        try:
            with container.sessions() as session:
                result = verifications.purchase(
                    session, container.sms, user_id, REQUEST, key, 900, container.clock()
                )
        except InsufficientFunds:
            return "insufficient"
        return "created" if result.created else "replayed"

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return Counter(pool.map(attempt, keys))


def test_fifty_concurrent_purchases_with_money_for_ten(container: Container) -> None:
    with container.sessions() as session:
        price = catalogue.price_of(session, "telegram", "US")
    assert price is not None
    user_id = new_user(container, funds=price * 10)
    outcome = _race(container, user_id, 50, [None] * 50)
    assert outcome == Counter({"created": 10, "insufficient": 40})
    assert assert_ledger_consistent(container, user_id) == 0
    with container.sessions() as session:
        bought = session.scalar(select(func.count()).where(Verification.user_id == user_id))
        debits = session.scalar(
            select(func.count()).where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "purchase")
        )
    assert (bought, debits) == (10, 10)


def test_concurrent_retries_with_one_key_charge_once(container: Container) -> None:
    user_id = new_user(container, funds=10_000)
    outcome = _race(container, user_id, 12, ["same-key"] * 12)
    assert outcome == Counter({"created": 1, "replayed": 11})
    with container.sessions() as session:
        rows = session.scalars(select(Verification).where(Verification.user_id == user_id)).all()
    assert len(rows) == 1
    assert assert_ledger_consistent(container, user_id) == 10_000 - rows[0].price


def test_the_balance_cannot_go_negative_even_by_hand(container: Container) -> None:
    """The CHECK constraint is the last line of defence behind the conditional update."""
    user_id = new_user(container, funds=100)
    with container.sessions() as session, pytest.raises(IntegrityError, match="balance_non_negative"):
        session.execute(update(Wallet).where(Wallet.user_id == user_id).values(balance=-1))
        session.commit()
    assert assert_ledger_consistent(container, user_id) == 100


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = 1 WHERE user_id = :u",
        "DELETE FROM ledger_entries WHERE user_id = :u",
    ],
)
def test_the_ledger_is_append_only_in_the_database(container: Container, statement: str) -> None:
    user_id = new_user(container, funds=100)
    with container.sessions() as session, pytest.raises(DBAPIError, match="append-only"):
        session.execute(text(statement), {"u": user_id})
    assert assert_ledger_consistent(container, user_id) == 100


class _PausingCancelSms(SandboxSmsProvider):
    """Cancels at the provider, then holds the caller until released: the window in which a
    second cancel of the same verification runs."""

    def __init__(self) -> None:
        super().__init__(delay_seconds=None)
        self.cancelled = threading.Event()
        self.release = threading.Event()

    def cancel(self, activation_id: str) -> None:
        super().cancel(activation_id)
        if not self.cancelled.is_set():
            self.cancelled.set()
            self.release.wait(timeout=30)


def test_the_cancel_that_cancelled_at_the_provider_is_the_one_that_succeeds(
    make_container: ContainerFactory,
) -> None:
    """Two cancels of one verification: the first reaches the provider and pauses there; the
    second must wait for it (row lock) and then answer "already cancelled". Before the lock, the
    second saw the provider's "cancelled", recorded it itself, and both calls failed."""
    sms = _PausingCancelSms()
    container = make_container(sms_provider=sms)
    with container.sessions() as session:
        price = catalogue.price_of(session, "telegram", "US")
    assert price is not None
    user_id = new_user(container, funds=price)
    with container.sessions() as session:
        bought = verifications.purchase(session, sms, user_id, REQUEST, None, 900, container.clock())
    verification_id = bought.verification.id

    def cancel() -> str:
        try:
            with container.sessions() as session:
                row = verifications.cancel(session, sms, user_id, verification_id, container.clock())
        except Conflict:
            return "conflict"
        return row.status

    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(cancel)
        assert sms.cancelled.wait(timeout=30)  # the first is inside the provider call
        second = pool.submit(cancel)
        time.sleep(0.5)  # long enough for an unlocked second cancel to finish
        assert not second.done(), "the second cancel must wait for the first"
        sms.release.set()
        assert (first.result(timeout=30), second.result(timeout=30)) == ("cancelled", "conflict")
    assert assert_ledger_consistent(container, user_id) == price  # refunded exactly once
