"""Every error is an application/problem+json body; none carries a stack trace."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.container import Container
from app.factory import create_app
from tests.support.fakes import register


def assert_problem(response_json: dict[str, object], status: int) -> None:
    assert response_json["status"] == status
    assert {"type", "title", "status", "detail"} <= set(response_json)
    text = str(response_json)
    assert "Traceback" not in text
    assert 'File "' not in text


def test_malformed_json(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/register",
        content=b'{"email": "a@b.co", "password": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert_problem(response.json(), 422)
    assert response.json()["field"].startswith("body")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "500"}, "body.amount"),
        ({"amount": 5.5}, "body.amount"),
        ({"amount": True}, "body.amount"),
        ({"amount": 10**30}, "body.amount"),
        ({"amount": -1}, "body.amount"),
        ({}, "body.amount"),
        ({"amount": 500, "extra": 1}, "body.extra"),
        ([1, 2], "body"),
    ],
)
def test_wrong_types_and_huge_values_name_the_field(client: TestClient, payload: object, field: str) -> None:
    headers = register(client)
    response = client.post("/api/v1/wallet/topups", json=payload, headers=headers)
    assert response.status_code == 422
    assert_problem(response.json(), 422)
    assert response.json()["field"] == field
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/verifications/not-a-uuid",
        "/api/v1/wallet/transactions?limit=100000",
        "/api/v1/wallet/transactions?before_id=99999999999999999999999",
    ],
)
def test_malformed_parameters(client: TestClient, path: str) -> None:
    response = client.get(path, headers=register(client))
    assert response.status_code == 422
    assert_problem(response.json(), 422)


def test_unknown_ids_and_routes_are_404_problems(client: TestClient) -> None:
    headers = register(client)
    for path in (
        f"/api/v1/verifications/{uuid.uuid4()}",
        f"/api/v1/wallet/topups/{uuid.uuid4()}",
        "/api/v1/nope",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert_problem(response.json(), 404)


def test_wrong_method_is_a_405_problem_listing_every_allowed_method(client: TestClient) -> None:
    response = client.delete("/api/v1/wallet")
    assert response.status_code == 405
    assert_problem(response.json(), 405)
    assert response.headers["Allow"] == "GET"
    # GET and POST live on two routes; the Allow header must name both
    assert client.put("/api/v1/verifications").headers["Allow"] == "GET, POST"
    assert client.put(f"/api/v1/verifications/{uuid.uuid4()}").headers["Allow"] == "GET"


def test_integral_floats_count_as_integers(client: TestClient) -> None:
    headers = register(client)
    response = client.post("/api/v1/wallet/topups", json={"amount": 500.0}, headers=headers)
    assert response.status_code == 201
    assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 500


def test_undecodable_body_is_a_422_problem(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/login", content=b'{"email": "\xff"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert_problem(response.json(), 422)
    assert response.json()["field"] == "body"


def test_oversized_bodies_are_refused(client: TestClient, container: Container) -> None:
    big = b'{"email": "' + b"a" * container.settings.max_body_bytes + b'"}'
    response = client.post("/api/v1/auth/register", content=big, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert_problem(response.json(), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the stream itself is counted
        for _ in range(5):
            yield b"x" * container.settings.max_body_bytes

    streamed = client.post(
        "/api/v1/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


def test_unexpected_errors_are_generic_500_problems(container: Container) -> None:
    app = create_app(container=container)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: postgresql://user:pw@host/db")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert_problem(response.json(), 500)
    assert "secret internals" not in response.text
    assert "postgresql" not in response.text


def test_security_headers_are_set(client: TestClient) -> None:
    response = client.get("/health")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
