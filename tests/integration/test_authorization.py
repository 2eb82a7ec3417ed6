"""A user can never see or act on another user's resources: every route taking an id answers 404."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.support.fakes import register

pytestmark = pytest.mark.integration

# Every API route with an id in its path, with how to create the owner's resource for it.
ID_ROUTES = {
    ("GET", "/api/v1/verifications/{verification_id}"): "verification",
    ("POST", "/api/v1/verifications/{verification_id}/cancel"): "verification",
    ("GET", "/api/v1/wallet/topups/{topup_id}"): "topup",
}


def test_the_table_lists_every_route_with_an_id(client: TestClient) -> None:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    found = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if "{" in path
        for method in operations
    }
    assert found == set(ID_ROUTES), "a new route takes an id: add it to ID_ROUTES"


def test_owned_ids_are_not_found_for_others(client: TestClient) -> None:
    owner, intruder = register(client), register(client)
    topup = client.post("/api/v1/wallet/topups", json={"amount": 1000}, headers=owner).json()
    bought = client.post("/api/v1/verifications", json={"service": "discord", "country": "GB"}, headers=owner)
    ids = {"topup": topup["id"], "verification": bought.json()["id"]}
    for (method, path), kind in ID_ROUTES.items():
        url = path.replace("{verification_id}", ids[kind]).replace("{topup_id}", ids[kind])
        response = client.request(method, url, headers=intruder)
        assert response.status_code == 404, (method, path)
        assert ids[kind] not in response.text
    # the intruder's attempts changed nothing for the owner
    assert (
        client.get(f"/api/v1/verifications/{ids['verification']}", headers=owner).json()["status"]
        == "pending"
    )
    owner_balance = client.get("/api/v1/wallet", headers=owner).json()["balance"]
    assert owner_balance == 1000 - bought.json()["price"]
    # and lists and ledgers never mix users
    assert client.get("/api/v1/verifications", headers=intruder).json()["items"] == []
    assert client.get("/api/v1/wallet/transactions", headers=intruder).json()["items"] == []
    assert client.get("/api/v1/wallet", headers=intruder).json()["balance"] == 0
    assert len(client.get("/api/v1/wallet/transactions", headers=owner).json()["items"]) == 2


def test_pages_cannot_cancel_someone_elses_verification(client: TestClient) -> None:
    owner = register(client)
    client.post("/api/v1/wallet/topups", json={"amount": 1000}, headers=owner)
    bought = client.post(
        "/api/v1/verifications", json={"service": "discord", "country": "GB"}, headers=owner
    ).json()
    page = client.get("/register")
    token = client.cookies["csrf_token"]
    assert page.status_code == 200
    email = "intruder-page@example.com"
    client.post("/register", data={"email": email, "password": "password-123", "csrf_token": token})
    refused = client.post(f"/dashboard/verifications/{bought['id']}/cancel", data={"csrf_token": token})
    assert refused.status_code == 404
    assert client.get(f"/api/v1/verifications/{bought['id']}", headers=owner).json()["status"] == "pending"
