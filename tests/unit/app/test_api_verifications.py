from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import Select, select

from app.container import Container
from app.factory import create_app
from app.models import Verification
from app.providers import NoNumbersAvailable, ProviderError, SandboxSmsProvider
from app.services import ledger, verifications
from tests.support.fakes import FailingSmsProvider, FakeClock, register
from tests.unit.app.conftest import ContainerFactory

BUY = {"service": "telegram", "country": "US"}
PRICE = 75  # seeded: telegram base 50 * US 150%


def funded(client: TestClient, amount: int = 1000) -> dict[str, str]:
    headers = register(client)
    assert client.post("/api/v1/wallet/topups", json={"amount": amount}, headers=headers).status_code == 201
    return headers


def balance(client: TestClient, headers: dict[str, str]) -> int:
    value: int = client.get("/api/v1/wallet", headers=headers).json()["balance"]
    return value


def test_purchase_charges_the_price_and_shows_the_number(client: TestClient) -> None:
    headers = funded(client)
    bought = client.post("/api/v1/verifications", json=BUY, headers=headers)
    assert bought.status_code == 201
    body = bought.json()
    assert (body["status"], body["price"], body["code"]) == ("pending", PRICE, None)
    assert body["phone_number"].startswith("+1555")
    assert balance(client, headers) == 1000 - PRICE
    kinds = [e["kind"] for e in client.get("/api/v1/wallet/transactions", headers=headers).json()["items"]]
    assert kinds == ["purchase", "topup"]


def test_purchase_without_money_is_402_and_changes_nothing(client: TestClient) -> None:
    headers = funded(client, amount=100)
    assert client.post("/api/v1/verifications", json=BUY, headers=headers).status_code == 201
    refused = client.post("/api/v1/verifications", json=BUY, headers=headers)
    assert refused.status_code == 402
    assert refused.json()["type"].endswith("/insufficient-funds")
    assert balance(client, headers) == 100 - PRICE
    assert len(client.get("/api/v1/verifications", headers=headers).json()["items"]) == 1


def test_unknown_offer_is_not_found(client: TestClient) -> None:
    headers = funded(client)
    refused = client.post(
        "/api/v1/verifications", json={"service": "myspace", "country": "US"}, headers=headers
    )
    assert refused.status_code == 404
    assert refused.json()["detail"] == "no offer for service 'myspace' in country 'US'"
    assert balance(client, headers) == 1000


def test_idempotent_retry_never_charges_twice(client: TestClient) -> None:
    headers = {**funded(client), "Idempotency-Key": "retry-me-1"}
    first = client.post("/api/v1/verifications", json=BUY, headers=headers)
    second = client.post("/api/v1/verifications", json=BUY, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert balance(client, headers) == 1000 - PRICE
    other_body = client.post("/api/v1/verifications", json={**BUY, "country": "GB"}, headers=headers)
    assert other_body.status_code == 409
    assert other_body.json()["type"].endswith("/idempotency-key-reused")
    fresh_key = client.post("/api/v1/verifications", json=BUY, headers={**headers, "Idempotency-Key": "k2"})
    assert fresh_key.status_code == 201
    assert balance(client, headers) == 1000 - 2 * PRICE


def test_idempotency_keys_are_per_user(client: TestClient) -> None:
    alice, bob = funded(client), funded(client)
    a = client.post("/api/v1/verifications", json=BUY, headers={**alice, "Idempotency-Key": "same"})
    b = client.post("/api/v1/verifications", json=BUY, headers={**bob, "Idempotency-Key": "same"})
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_bad_idempotency_key_is_rejected(client: TestClient) -> None:
    headers = {**funded(client), "Idempotency-Key": "x" * 256}
    refused = client.post("/api/v1/verifications", json=BUY, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["field"] == "header.Idempotency-Key"


def test_received_code_is_shown(client: TestClient, sms: SandboxSmsProvider, container: Container) -> None:
    headers = funded(client)
    bought = client.post("/api/v1/verifications", json=BUY, headers=headers).json()
    activation = _activation(container, bought["id"])
    sms.deliver(activation, "123456")
    shown = client.get(f"/api/v1/verifications/{bought['id']}", headers=headers).json()
    assert (shown["status"], shown["code"]) == ("completed", "123456")
    listed = client.get("/api/v1/verifications", headers=headers).json()["items"]
    assert [(v["id"], v["code"]) for v in listed] == [(bought["id"], "123456")]
    refused = client.post(f"/api/v1/verifications/{bought['id']}/cancel", headers=headers)
    assert refused.status_code == 409
    assert balance(client, headers) == 1000 - PRICE


def test_cancel_refunds_once(client: TestClient) -> None:
    headers = funded(client)
    bought = client.post("/api/v1/verifications", json=BUY, headers=headers).json()
    cancelled = client.post(f"/api/v1/verifications/{bought['id']}/cancel", headers=headers)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert balance(client, headers) == 1000
    again = client.post(f"/api/v1/verifications/{bought['id']}/cancel", headers=headers)
    assert again.status_code == 409
    assert balance(client, headers) == 1000
    kinds = [e["kind"] for e in client.get("/api/v1/wallet/transactions", headers=headers).json()["items"]]
    assert kinds == ["refund", "purchase", "topup"]


def test_unanswered_verification_expires_on_read_and_is_refunded(
    client: TestClient, clock: FakeClock, container: Container
) -> None:
    headers = funded(client)
    bought = client.post("/api/v1/verifications", json=BUY, headers=headers).json()
    clock.advance(container.settings.verification_ttl_seconds - 1)
    assert client.get(f"/api/v1/verifications/{bought['id']}", headers=headers).json()["status"] == "pending"
    clock.advance(1)
    assert client.get(f"/api/v1/verifications/{bought['id']}", headers=headers).json()["status"] == "expired"
    assert balance(client, headers) == 1000
    assert client.get("/api/v1/verifications", headers=headers).json()["items"][0]["status"] == "expired"
    assert balance(client, headers) == 1000  # refunded exactly once


def test_sweep_expires_overdue_verifications(
    client: TestClient, clock: FakeClock, container: Container
) -> None:
    headers = funded(client)
    ids = [client.post("/api/v1/verifications", json=BUY, headers=headers).json()["id"] for _ in range(3)]
    assert verifications.sweep_expired(container.sessions, container.sms, clock()) == 0
    clock.advance(container.settings.verification_ttl_seconds)
    assert verifications.sweep_expired(container.sessions, container.sms, clock()) == 3
    assert verifications.sweep_expired(container.sessions, container.sms, clock()) == 0
    assert balance(client, headers) == 1000
    statuses = {client.get(f"/api/v1/verifications/{i}", headers=headers).json()["status"] for i in ids}
    assert statuses == {"expired"}


def test_provider_outage_refunds_and_reports_it(make_container: ContainerFactory) -> None:
    for error, status in ((None, 504), (ProviderError("boom"), 502), (NoNumbersAvailable("none"), 503)):
        container = make_container(sms_provider=FailingSmsProvider(error))
        with TestClient(create_app(container=container)) as client:
            headers = funded(client)
            refused = client.post("/api/v1/verifications", json=BUY, headers=headers)
            assert refused.status_code == status
            assert "not charged" in refused.json()["detail"]
            assert balance(client, headers) == 1000
            items = client.get("/api/v1/verifications", headers=headers).json()["items"]
            assert [v["status"] for v in items] == ["failed"]
            with container.sessions() as session:
                user_id = session.scalars(_user_ids(items[0]["id"])).one()
                assert ledger.ledger_total(session, user_id) == ledger.balance(session, user_id) == 1000


def test_purchases_are_rate_limited(make_container: ContainerFactory) -> None:
    container = make_container(purchase_rate_limit=2)
    with TestClient(create_app(container=container)) as client:
        headers = funded(client)
        codes = [
            client.post("/api/v1/verifications", json=BUY, headers=headers).status_code for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert balance(client, headers) == 1000 - 2 * PRICE


def test_other_users_verifications_are_invisible(client: TestClient) -> None:
    alice, bob = funded(client), funded(client)
    bought = client.post("/api/v1/verifications", json=BUY, headers=alice).json()
    assert client.get(f"/api/v1/verifications/{bought['id']}", headers=bob).status_code == 404
    assert client.post(f"/api/v1/verifications/{bought['id']}/cancel", headers=bob).status_code == 404
    assert client.get("/api/v1/verifications", headers=bob).json()["items"] == []
    assert client.get(f"/api/v1/verifications/{bought['id']}", headers=alice).json()["status"] == "pending"
    assert balance(client, alice) == 1000 - PRICE
    missing = client.get(f"/api/v1/verifications/{uuid.uuid4()}", headers=alice)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "no such verification"


def _activation(container: Container, verification_id: str) -> str:
    with container.sessions() as session:
        row = session.get(Verification, uuid.UUID(verification_id))
        assert row is not None and row.activation_id is not None
        return row.activation_id


def _user_ids(verification_id: str) -> Select[uuid.UUID]:
    return select(Verification.user_id).where(Verification.id == uuid.UUID(verification_id))
