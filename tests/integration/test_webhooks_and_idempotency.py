"""Webhook replays and duplicate deliveries, and Idempotency-Key retries, over HTTP on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from app.container import Container
from app.factory import create_app
from app.models import Payment
from app.providers import SandboxPaymentProvider
from tests.integration.conftest import ContainerFactory
from tests.support.fakes import FakeClock, register, signed_event

pytestmark = pytest.mark.integration


def _provider_id(container: Container, topup_id: str) -> str:
    with container.sessions() as session:
        payment = session.get(Payment, uuid.UUID(topup_id))
        assert payment is not None and payment.provider_payment_id
        return payment.provider_payment_id


def test_concurrent_duplicate_webhooks_credit_once(
    make_container: ContainerFactory, clock: FakeClock
) -> None:
    container = make_container(payment_provider=SandboxPaymentProvider(auto_settle=False))
    with TestClient(create_app(container=container)) as client:
        headers = register(client)
        topup = client.post("/api/v1/wallet/topups", json={"amount": 2500}, headers=headers).json()
        provider_id = _provider_id(container, topup["id"])
        ts = int(clock().timestamp())
        # 4 deliveries of one event plus 4 distinct events for the same payment, all at once
        events = [signed_event("evt-same", provider_id, 2500, timestamp=ts) for _ in range(4)]
        events += [signed_event(f"evt-{i}", provider_id, 2500, timestamp=ts) for i in range(4)]
        barrier = threading.Barrier(len(events))

        def deliver(event: tuple[bytes, dict[str, str]]) -> str:
            barrier.wait(timeout=30)
            response = client.post("/api/v1/webhooks/payments", content=event[0], headers=event[1])
            assert response.status_code == 200, response.text
            outcome: str = response.json()["outcome"]
            return outcome

        with ThreadPoolExecutor(max_workers=len(events)) as pool:
            outcomes = list(pool.map(deliver, events))
        assert outcomes.count("processed") == 1
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 2500
        ledger = client.get("/api/v1/wallet/transactions", headers=headers).json()["items"]
        assert [(e["kind"], e["amount"]) for e in ledger] == [("topup", 2500)]
        replay = client.post("/api/v1/webhooks/payments", content=events[0][0], headers=events[0][1])
        assert replay.json() == {"outcome": "duplicate"}


def test_http_retries_with_one_idempotency_key_charge_once(client: TestClient) -> None:
    headers = register(client)
    client.post("/api/v1/wallet/topups", json={"amount": 1000}, headers=headers)
    keyed = {**headers, "Idempotency-Key": f"order-{uuid.uuid4()}"}
    body = {"service": "google", "country": "IN"}
    barrier = threading.Barrier(6)

    def buy(_: int) -> tuple[int, str]:
        barrier.wait(timeout=30)
        response = client.post("/api/v1/verifications", json=body, headers=keyed)
        return response.status_code, response.json()["id"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(buy, range(6)))
    assert sorted(status for status, _ in results) == [200, 200, 200, 200, 200, 201]
    assert len({verification_id for _, verification_id in results}) == 1
    price = client.get(f"/api/v1/verifications/{results[0][1]}", headers=headers).json()["price"]
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 1000 - price
