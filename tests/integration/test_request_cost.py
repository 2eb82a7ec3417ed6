"""What one request costs, counted instead of timed (issue 11): SQL statements (on the sync
pool and on the event loop's), threadpool hops and Redis round trips per request on PostgreSQL
and Redis. A change that adds a query, a thread call or a Redis call to a hot path fails here,
however noisy the machine is."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import httpx
import psycopg
import pytest
import redis.connection
from fastapi.testclient import TestClient
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import event

from app.container import Container
from app.security import issue_token
from tests.integration.helpers import new_user
from tests.support.fakes import JWT_SECRET

pytestmark = pytest.mark.integration


class Costs:
    """Counters of one app's work, reset before each measured request."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def measure(self, request: Callable[[], httpx.Response]) -> tuple[httpx.Response, Counter[str]]:
        self.counts.clear()
        response = request()
        return response, Counter(self.counts)


@pytest.fixture
def costs(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[Costs]:
    found = Costs()
    run_sync = anyio.to_thread.run_sync

    async def counted_run_sync(*args: Any, **kwargs: Any) -> Any:
        found.counts["hops"] += 1
        return await run_sync(*args, **kwargs)

    send: Callable[..., None] = redis.connection.AbstractConnection.send_packed_command

    def counted_send(self: redis.connection.AbstractConnection, *args: Any, **kwargs: Any) -> None:
        found.counts["redis"] += 1
        send(self, *args, **kwargs)

    def on_statement(*_args: Any) -> None:
        found.counts["sql"] += 1

    def on_checkout(*_args: Any) -> None:
        found.counts["checkouts"] += 1

    execute = psycopg.AsyncConnection.execute
    getconn = AsyncConnectionPool.getconn

    async def counted_execute(self: psycopg.AsyncConnection[Any], *args: Any, **kwargs: Any) -> Any:
        found.counts["loop sql"] += 1
        return await execute(self, *args, **kwargs)

    async def counted_getconn(self: AsyncConnectionPool[Any], *args: Any, **kwargs: Any) -> Any:
        found.counts["loop checkouts"] += 1
        return await getconn(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counted_execute)
    monkeypatch.setattr(AsyncConnectionPool, "getconn", counted_getconn)
    monkeypatch.setattr(anyio.to_thread, "run_sync", counted_run_sync)
    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counted_send)
    event.listen(container.engine, "before_cursor_execute", on_statement)
    event.listen(container.engine.pool, "checkout", on_checkout)
    try:
        yield found
    finally:
        event.remove(container.engine, "before_cursor_execute", on_statement)
        event.remove(container.engine.pool, "checkout", on_checkout)


def _bearer(container: Container, user_id: uuid.UUID) -> dict[str, str]:
    token = issue_token(user_id, JWT_SECRET, 600, container.clock())
    return {"Authorization": f"Bearer {token.token}"}


def test_get_wallet_is_one_statement_on_the_event_loop_and_no_redis(
    client: TestClient, container: Container, costs: Costs
) -> None:
    user_id = new_user(container, funds=1234)
    headers = _bearer(container, user_id)
    client.get("/api/v1/wallet", headers=headers)  # warm: first connection, prepared caches
    response, counts = costs.measure(lambda: client.get("/api/v1/wallet", headers=headers))
    assert (response.status_code, response.json()["balance"]) == (200, 1234)
    # Before issue 11's fixes: 2 statements (the whole user row, then the balance), 6 hops; then
    # 1 statement in 1 hop on the sync pool; now on the loop's own pool, without a thread call.
    assert counts["loop sql"] == 1, counts
    assert counts["loop checkouts"] == 1, counts
    assert (counts["sql"], counts["checkouts"], counts["hops"], counts["redis"]) == (0, 0, 0, 0), counts


def test_a_warm_catalogue_is_one_redis_read_and_no_sql(
    client: TestClient, container: Container, costs: Costs
) -> None:
    first = client.get("/api/v1/services")
    response, counts = costs.measure(lambda: client.get("/api/v1/services"))
    assert response.status_code == 200
    assert response.json() == first.json()
    assert response.json()["services"], "the seeded catalogue is served"
    assert (counts["sql"], counts["checkouts"], counts["hops"], counts["redis"]) == (0, 0, 1, 1), counts


def test_hot_routes_make_one_thread_call_each(client: TestClient, container: Container, costs: Costs) -> None:
    user_id = new_user(container, funds=100_000)
    headers = _bearer(container, user_id)
    offer = client.get("/api/v1/services").json()["services"][0]
    body = {"service": str(offer["code"]), "country": str(offer["countries"][0]["code"])}

    def purchase() -> httpx.Response:
        key = {"Idempotency-Key": uuid.uuid4().hex}
        response: httpx.Response = client.post("/api/v1/verifications", json=body, headers={**headers, **key})
        return response

    requests: dict[str, tuple[Callable[[], httpx.Response], int, int]] = {
        # name: (request, expected status, most SQL statements allowed)
        "transactions": (lambda: client.get("/api/v1/wallet/transactions?limit=20", headers=headers), 200, 2),
        "top-up": (
            lambda: client.post("/api/v1/wallet/topups", json={"amount": 5000}, headers=headers),
            201,
            6,
        ),
        "purchase": (purchase, 201, 7),
        "me": (lambda: client.get("/api/v1/me", headers=headers), 200, 2),
    }
    for name, (request, status, most_sql) in requests.items():
        request()  # warm
        response, counts = costs.measure(request)
        assert response.status_code == status, (name, response.text)
        assert counts["hops"] == 1, (name, counts)
        assert 1 <= counts["sql"] <= most_sql, (name, counts)
    _, counts = costs.measure(purchase)
    assert counts["redis"] == 1, counts  # the purchase rate limit: one pipelined round trip


def test_liveness_runs_on_the_event_loop(client: TestClient, costs: Costs) -> None:
    response, counts = costs.measure(lambda: client.get("/health"))
    assert (response.status_code, response.json()) == (200, {"status": "up"})
    assert (counts["hops"], counts["sql"], counts["redis"]) == (0, 0, 0), counts


@pytest.mark.parametrize(
    ("method", "path", "json"),
    [
        ("GET", "/api/v1/wallet", None),
        ("GET", "/api/v1/wallet/transactions", None),
        ("GET", "/api/v1/me", None),
        ("POST", "/api/v1/wallet/topups", {"amount": 5000}),
        ("POST", "/api/v1/verifications", {"service": "telegram", "country": "US"}),
        ("GET", "/api/v1/verifications/00000000-0000-4000-8000-000000000001", None),
    ],
)
def test_a_valid_token_of_a_user_that_does_not_exist_is_401(
    client: TestClient, container: Container, method: str, path: str, json: dict[str, object] | None
) -> None:
    """The token is no longer backed by a full user load, but the user's existence still is."""
    ghost = uuid.uuid4()
    response = client.request(method, path, json=json, headers=_bearer(container, ghost))
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"].endswith("/unauthorized")
