"""The catalogue cache and the rate limits live in real Redis."""

from __future__ import annotations

import json

import pytest
import redis
from fastapi.testclient import TestClient

from app.container import Container
from app.factory import create_app
from app.models import Country, Service
from app.ratelimit import RedisRateLimiter
from app.services import catalogue
from tests.integration.conftest import ContainerFactory
from tests.support.fakes import PASSWORD, register, unique_email

pytestmark = pytest.mark.integration


def _offer(body: dict[str, object], service: str, country: str) -> int | None:
    for entry in body["services"]:  # type: ignore[attr-defined]
        if entry["code"] == service:
            for offer in entry["countries"]:
                if offer["code"] == country:
                    return int(offer["price"])
    return None


def test_catalogue_is_cached_in_redis_and_invalidated_on_change(
    client: TestClient, container: Container, redis_prefix: str
) -> None:
    assert container.redis_client is not None
    raw = container.redis_client
    code = f"svc{redis_prefix[3:11]}"
    with container.sessions() as session:
        session.add(Service(code=code, name="Test service"))
        session.merge(Country(code="US", name="United States"))
        session.commit()
    first = client.get("/api/v1/services").json()
    cached = raw.get(f"{redis_prefix}{catalogue.CACHE_KEY}")
    assert cached is not None
    assert (
        0 < raw.ttl(f"{redis_prefix}{catalogue.CACHE_KEY}") <= container.settings.services_cache_ttl_seconds
    )
    assert _offer(first, code, "US") is None  # no price yet
    # Served from the cache: a direct database change is not seen until invalidation...
    with container.sessions() as session:
        catalogue.set_price(session, container.cache, code, "US", 321)
    assert raw.get(f"{redis_prefix}{catalogue.CACHE_KEY}") is None
    assert _offer(client.get("/api/v1/services").json(), code, "US") == 321
    with container.sessions() as session:
        catalogue.set_price(session, container.cache, code, "US", 123)
    assert _offer(client.get("/api/v1/services").json(), code, "US") == 123
    # ...and a cached value is really what is served while it is valid.
    poisoned = json.loads(raw.get(f"{redis_prefix}{catalogue.CACHE_KEY}") or b"[]")
    for offer in poisoned:
        if offer["service"] == code:
            offer["price"] = 999
    raw.set(f"{redis_prefix}{catalogue.CACHE_KEY}", json.dumps(poisoned))
    assert _offer(client.get("/api/v1/services").json(), code, "US") == 999
    with container.sessions() as session:
        assert catalogue.remove_price(session, container.cache, code, "US")
        assert not catalogue.remove_price(session, container.cache, code, "US")
        session.delete(session.get(Service, code))
        session.commit()
    assert _offer(client.get("/api/v1/services").json(), code, "US") is None


def test_catalogue_survives_a_redis_outage(make_container: ContainerFactory) -> None:
    container = make_container(redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(container=container)) as client:
        response = client.get("/api/v1/services")
        login = client.post("/api/v1/auth/login", json={"email": unique_email(), "password": PASSWORD})
    assert response.status_code == 200
    assert _offer(response.json(), "telegram", "US") == 75
    # the rate limiter cannot fail open: without Redis, login answers 503, not 500 and not "allowed"
    assert login.status_code == 503
    assert login.headers["content-type"] == "application/problem+json"
    assert login.headers["Retry-After"] == "5"


def test_login_rate_limit_in_redis(make_container: ContainerFactory, redis_prefix: str) -> None:
    container = make_container(login_rate_limit=2, login_rate_window_seconds=120)
    with TestClient(create_app(container=container)) as client:
        email = unique_email()
        client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        codes = [
            client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).status_code
            for _ in range(3)
        ]
        assert codes == [200, 200, 429]
        limited = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert 1 <= int(limited.headers["Retry-After"]) <= 120
    assert container.redis_client is not None
    keys = sorted(k.decode() for k in container.redis_client.scan_iter(match=f"{redis_prefix}rl:login:*"))
    assert keys == [f"{redis_prefix}rl:login:email:{email}", f"{redis_prefix}rl:login:ip:testclient"]
    assert all(0 < container.redis_client.ttl(key) <= 120 for key in keys)


def test_purchase_rate_limit_in_redis(make_container: ContainerFactory) -> None:
    container = make_container(purchase_rate_limit=1, purchase_rate_window_seconds=30)
    with TestClient(create_app(container=container)) as client:
        headers = register(client)
        client.post("/api/v1/wallet/topups", json={"amount": 1000}, headers=headers)
        body = {"service": "telegram", "country": "US"}
        assert client.post("/api/v1/verifications", json=body, headers=headers).status_code == 201
        limited = client.post("/api/v1/verifications", json=body, headers=headers)
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["Retry-After"]) <= 30
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 1000 - 75


def test_redis_limiter_counts_atomically_across_clients(redis_url: str, redis_prefix: str) -> None:
    clients = [redis.Redis.from_url(redis_url) for _ in range(3)]
    limiters = [RedisRateLimiter(c, redis_prefix) for c in clients]
    decisions = [limiters[i % 3].hit("shared", limit=4, window_seconds=60) for i in range(6)]
    assert [d.allowed for d in decisions] == [True] * 4 + [False] * 2
    assert decisions[-1].retry_after >= 59
    for c in clients:
        c.close()
