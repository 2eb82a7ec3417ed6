"""Refunds happen exactly once, whichever of cancel, expiry sweep and lazy read gets there first."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.container import Container
from app.domain import PurchaseRequest
from app.errors import AppError
from app.models import LedgerEntry
from app.providers import SandboxSmsProvider
from app.services import verifications
from tests.integration.helpers import assert_ledger_consistent, new_user
from tests.support.fakes import FakeClock, register

pytestmark = pytest.mark.integration
REQUEST = PurchaseRequest("whatsapp", "DE")


def _buy(container: Container, user_id: uuid.UUID, key: str | None = None) -> verifications.Purchase:
    with container.sessions() as session:
        return verifications.purchase(session, container.sms, user_id, REQUEST, key, 900, container.clock())


def _refunds(container: Container, user_id: uuid.UUID) -> int:
    with container.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "refund")
            )
            or 0
        )


def test_cancel_refunds_through_the_api(client: TestClient) -> None:
    headers = register(client)
    client.post("/api/v1/wallet/topups", json={"amount": 500}, headers=headers)
    bought = client.post(
        "/api/v1/verifications", json={"service": "whatsapp", "country": "DE"}, headers=headers
    )
    assert bought.status_code == 201
    price = bought.json()["price"]
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 500 - price
    cancelled = client.post(f"/api/v1/verifications/{bought.json()['id']}/cancel", headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 500


def test_expiry_sweep_refunds_once(container: Container, clock: FakeClock) -> None:
    user_id = new_user(container, funds=1_000)
    bought = [_buy(container, user_id).verification for _ in range(3)]
    clock.advance(899)
    assert verifications.sweep_expired(container.sessions, container.sms, clock()) == 0
    clock.advance(1)
    swept = verifications.sweep_expired(container.sessions, container.sms, clock())
    assert swept >= 3  # other tests' overdue rows may be swept too; ours must be
    with container.sessions() as session:
        for row in bought:
            assert verifications.get_owned(session, user_id, row.id).status == "expired"
    assert _refunds(container, user_id) == 3
    assert assert_ledger_consistent(container, user_id) == 1_000


def test_code_arriving_wins_over_a_later_cancel(container: Container, sms: SandboxSmsProvider) -> None:
    user_id = new_user(container, funds=1_000)
    row = _buy(container, user_id).verification
    assert row.activation_id is not None
    sms.deliver(row.activation_id, "777000")
    with container.sessions() as session, pytest.raises(AppError, match="already received"):
        verifications.cancel(session, sms, user_id, row.id, container.clock())
    assert _refunds(container, user_id) == 0
    assert assert_ledger_consistent(container, user_id) == 1_000 - row.price


def test_racing_cancels_and_sweeps_refund_exactly_once(container: Container, clock: FakeClock) -> None:
    user_id = new_user(container, funds=1_000)
    row = _buy(container, user_id).verification
    clock.advance(900)  # overdue: sweeps, lazy reads and cancels all compete for the refund
    barrier = threading.Barrier(8)

    def contender(index: int) -> str:
        barrier.wait(timeout=30)
        if index % 2:
            return str(verifications.sweep_expired(container.sessions, container.sms, clock()))
        with container.sessions() as session:
            try:
                verifications.cancel(session, container.sms, user_id, row.id, clock())
            except AppError as error:
                return type(error).__name__
            return "cancelled"

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(contender, range(8)))
    assert _refunds(container, user_id) == 1
    assert assert_ledger_consistent(container, user_id) == 1_000
