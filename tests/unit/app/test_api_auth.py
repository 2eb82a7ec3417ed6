from __future__ import annotations

import jwt
from fastapi.testclient import TestClient

from app.container import Container
from app.factory import create_app
from tests.support.fakes import JWT_SECRET, PASSWORD, FakeClock, register, unique_email
from tests.unit.app.conftest import ContainerFactory


def test_register_login_me(client: TestClient) -> None:
    email = unique_email()
    created = client.post("/api/v1/auth/register", json={"email": email.upper(), "password": PASSWORD})
    assert created.status_code == 201
    assert created.json()["email"] == email  # stored lower-cased
    assert "password" not in created.text
    login = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "bearer"
    claims = jwt.decode(
        body["access_token"],
        JWT_SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["sub"] == created.json()["id"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json() == {**created.json(), "balance": 0, "currency": "USD"}


def test_duplicate_email_is_a_conflict(client: TestClient) -> None:
    email = unique_email()
    register(client, email)
    again = client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert again.status_code == 409
    assert again.json()["type"].endswith("/email-taken")


def test_wrong_password_and_unknown_email_look_the_same(client: TestClient) -> None:
    email = unique_email()
    register(client, email)
    wrong = client.post("/api/v1/auth/login", json={"email": email, "password": "not the password"})
    unknown = client.post("/api/v1/auth/login", json={"email": unique_email(), "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_register_rejects_weak_input(client: TestClient) -> None:
    short = client.post("/api/v1/auth/register", json={"email": unique_email(), "password": "short"})
    assert short.status_code == 422
    assert short.json()["field"] == "body.password"
    bad_email = client.post("/api/v1/auth/register", json={"email": "no-at-sign", "password": PASSWORD})
    assert bad_email.json()["field"] == "body.email"


def test_me_requires_a_valid_token(client: TestClient) -> None:
    missing = client.get("/api/v1/me")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == "Bearer"
    assert missing.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer garbage"}).status_code == 401
    forged = jwt.encode({"sub": "x", "iss": "sms-verification", "exp": 4_000_000_000}, "k" * 40, "HS256")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_token_expires(client: TestClient, clock: FakeClock, container: Container) -> None:
    headers = register(client)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    clock.advance(container.settings.jwt_ttl_seconds)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_login_is_rate_limited_with_retry_after(make_container: ContainerFactory) -> None:
    container = make_container(login_rate_limit=3, login_rate_window_seconds=60)
    with TestClient(create_app(container=container)) as client:
        email = unique_email()
        register(client, email)  # one login inside register
        statuses = [
            client.post("/api/v1/auth/login", json={"email": email, "password": "wrong-password"}).status_code
            for _ in range(3)
        ]
        assert statuses == [401, 401, 429]
        limited = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.json()["type"].endswith("/rate-limited")
