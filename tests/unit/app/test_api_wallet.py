from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from app.container import Container
from app.factory import create_app
from app.models import Payment
from app.providers import SandboxPaymentProvider
from app.security import sign_payload
from tests.support.fakes import FakeClock, register, signed_event
from tests.unit.app.conftest import ContainerFactory


def test_topup_in_sandbox_settles_and_is_in_the_ledger(client: TestClient) -> None:
    headers = register(client)
    topup = client.post("/api/v1/wallet/topups", json={"amount": 1500}, headers=headers)
    assert topup.status_code == 201
    assert topup.json()["status"] == "succeeded"
    assert client.get("/api/v1/wallet", headers=headers).json() == {"balance": 1500, "currency": "USD"}
    entries = client.get("/api/v1/wallet/transactions", headers=headers).json()["items"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in entries] == [("topup", 1500, 1500)]
    assert entries[0]["reference"] == f"payment:{topup.json()['id']}"
    shown = client.get(f"/api/v1/wallet/topups/{topup.json()['id']}", headers=headers)
    assert shown.json() == topup.json()


def test_topup_bounds(client: TestClient, container: Container) -> None:
    headers = register(client)
    too_small = client.post("/api/v1/wallet/topups", json={"amount": 99}, headers=headers)
    assert too_small.status_code == 422
    assert too_small.json()["field"] == "body.amount"
    too_big = container.settings.max_topup_minor + 1
    assert client.post("/api/v1/wallet/topups", json={"amount": too_big}, headers=headers).status_code == 422
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0


def test_ledger_pages_newest_first(client: TestClient) -> None:
    headers = register(client)
    for amount in (100, 200, 300):
        client.post("/api/v1/wallet/topups", json={"amount": amount}, headers=headers)
    first = client.get("/api/v1/wallet/transactions?limit=2", headers=headers).json()
    assert [e["amount"] for e in first["items"]] == [300, 200]
    rest = client.get(
        f"/api/v1/wallet/transactions?limit=2&before_id={first['next_before_id']}", headers=headers
    )
    assert [e["amount"] for e in rest.json()["items"]] == [100]
    assert rest.json()["next_before_id"] is None


def _pending_app(make_container: ContainerFactory) -> tuple[TestClient, Container]:
    container = make_container(payment_provider=SandboxPaymentProvider(auto_settle=False))
    return TestClient(create_app(container=container)), container


def test_webhook_settles_once_and_replays_change_nothing(
    make_container: ContainerFactory, clock: FakeClock
) -> None:
    client, _ = _pending_app(make_container)
    with client:
        headers = register(client)
        topup = client.post("/api/v1/wallet/topups", json={"amount": 700}, headers=headers).json()
        assert topup["status"] == "pending"
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0
        provider_id = _provider_id(container_of(client), topup["id"])
        body, sig = signed_event("evt-1", provider_id, 700, timestamp=int(clock().timestamp()))
        first = client.post("/api/v1/webhooks/payments", content=body, headers=sig)
        assert first.json() == {"outcome": "processed"}
        replay = client.post("/api/v1/webhooks/payments", content=body, headers=sig)
        assert replay.json() == {"outcome": "duplicate"}
        body2, sig2 = signed_event("evt-2", provider_id, 700, timestamp=int(clock().timestamp()))
        duplicate = client.post("/api/v1/webhooks/payments", content=body2, headers=sig2)
        assert duplicate.json() == {"outcome": "no-change"}
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 700
        assert len(client.get("/api/v1/wallet/transactions", headers=headers).json()["items"]) == 1
        assert (
            client.get(f"/api/v1/wallet/topups/{topup['id']}", headers=headers).json()["status"]
            == "succeeded"
        )


def test_failed_payment_event_credits_nothing(make_container: ContainerFactory, clock: FakeClock) -> None:
    client, _ = _pending_app(make_container)
    with client:
        headers = register(client)
        topup = client.post("/api/v1/wallet/topups", json={"amount": 700}, headers=headers).json()
        provider_id = _provider_id(container_of(client), topup["id"])
        ts = int(clock().timestamp())
        body, sig = signed_event("evt-f", provider_id, 700, event_type="payment.failed", timestamp=ts)
        assert (
            client.post("/api/v1/webhooks/payments", content=body, headers=sig).json()["outcome"]
            == "processed"
        )
        late, late_sig = signed_event("evt-s", provider_id, 700, timestamp=ts)
        assert (
            client.post("/api/v1/webhooks/payments", content=late, headers=late_sig).json()["outcome"]
            == "no-change"
        )
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0


def test_webhook_rejects_bad_signatures_and_mismatches(
    make_container: ContainerFactory, clock: FakeClock
) -> None:
    client, _ = _pending_app(make_container)
    with client:
        headers = register(client)
        topup = client.post("/api/v1/wallet/topups", json={"amount": 700}, headers=headers).json()
        provider_id = _provider_id(container_of(client), topup["id"])
        ts = int(clock().timestamp())
        body, sig = signed_event("evt-x", provider_id, 700, timestamp=ts, secret="wrong-secret")
        bad = client.post("/api/v1/webhooks/payments", content=body, headers=sig)
        assert bad.status_code == 401
        assert bad.json()["type"].endswith("/invalid-signature")
        stale_body, stale_sig = signed_event("evt-x", provider_id, 700, timestamp=ts - 3600)
        assert (
            client.post("/api/v1/webhooks/payments", content=stale_body, headers=stale_sig).status_code == 401
        )
        unsigned = client.post(
            "/api/v1/webhooks/payments", content=body, headers={"Content-Type": "application/json"}
        )
        assert unsigned.status_code == 401
        wrong_amount, wa_sig = signed_event("evt-y", provider_id, 70000, timestamp=ts)
        mismatch = client.post("/api/v1/webhooks/payments", content=wrong_amount, headers=wa_sig)
        assert mismatch.status_code == 422
        unknown, u_sig = signed_event("evt-z", "pay-unknown", 700, timestamp=ts)
        assert client.post("/api/v1/webhooks/payments", content=unknown, headers=u_sig).status_code == 404
        malformed_body = b'{"id": "evt-m", "type": "payment.refunded"}'
        m_sig = {"X-Signature": sign_payload(malformed_body, b"test-webhook-secret-0123456789", ts)}
        malformed = client.post("/api/v1/webhooks/payments", content=malformed_body, headers=m_sig)
        assert malformed.status_code == 422
        assert malformed.json()["field"].startswith("body.")
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0
        # a rejected event was not recorded: once correct, the same event id still applies
        good, good_sig = signed_event("evt-y", provider_id, 700, timestamp=ts)
        assert (
            client.post("/api/v1/webhooks/payments", content=good, headers=good_sig).json()["outcome"]
            == "processed"
        )


def test_another_users_topup_is_not_found(client: TestClient) -> None:
    alice, bob = register(client), register(client)
    topup = client.post("/api/v1/wallet/topups", json={"amount": 500}, headers=alice).json()
    assert client.get(f"/api/v1/wallet/topups/{topup['id']}", headers=bob).status_code == 404
    assert client.get(f"/api/v1/wallet/topups/{uuid.uuid4()}", headers=alice).status_code == 404
    assert client.get("/api/v1/wallet/transactions", headers=bob).json()["items"] == []


def container_of(client: TestClient) -> Container:
    container: Container = client.app.state.container  # type: ignore[attr-defined]
    return container


def _provider_id(container: Container, topup_id: str) -> str:
    with container.sessions() as session:
        payment = session.get(Payment, uuid.UUID(topup_id))
        assert payment is not None and payment.provider_payment_id is not None
        return payment.provider_payment_id
