"""Reads on the event loop (`app/loop_reads.py`) keep the sync pool's promises on real
PostgreSQL: the read is right, a busy pool is a 503, a connection cut in use is a 503 and then
replaced, and only a connection that sat idle is pinged (issue 11)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import delete, func, literal_column, make_url, select

from app.container import Container, build_container
from app.factory import create_app
from app.loop_reads import LoopReads, Query
from app.models import Wallet
from app.providers import SandboxPaymentProvider, SandboxSmsProvider
from app.security import issue_token
from app.settings import Settings
from tests.integration.conftest import _admin_connect
from tests.integration.helpers import new_user
from tests.support.fakes import JWT_SECRET, make_settings

pytestmark = pytest.mark.integration
TIMEOUT_S = 0.3
IDLE_S = 0.2  # for the test that waits past it
NEVER_IDLE_S = 60.0  # a slow, loaded machine must not make a ping happen

BACKEND_PID = Query.of(select(func.pg_backend_pid()))
HOLD = Query.of(select(func.pg_sleep(literal_column("1.5"))))


def _settings(pg_url: str, redis_url: str, redis_prefix: str) -> Settings:
    return make_settings(
        database_url=pg_url,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        auto_migrate=False,
        db_pool_timeout_seconds=TIMEOUT_S,
    )


@pytest.fixture
def idle_seconds() -> float:
    return NEVER_IDLE_S


@pytest.fixture
def container(pg_url: str, redis_url: str, redis_prefix: str, idle_seconds: float) -> Iterator[Container]:
    """A worker whose loop pool has one connection, so the tests know which backend serves."""
    settings = _settings(pg_url, redis_url, redis_prefix)
    built = build_container(
        settings, sms=SandboxSmsProvider(delay_seconds=None), payments=SandboxPaymentProvider()
    )
    built.loop_reads = LoopReads(
        settings.effective_database_url,
        size=1,
        timeout_seconds=TIMEOUT_S,
        ping_after_idle_seconds=idle_seconds,
    )
    yield built
    built.close()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    calls: list[float] = []
    check = AsyncConnectionPool.check_connection

    async def counted(connection: Any) -> None:
        calls.append(time.monotonic())
        await check(connection)

    monkeypatch.setattr(AsyncConnectionPool, "check_connection", staticmethod(counted))
    return calls


def _bearer(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user_id, JWT_SECRET, 600, datetime.now(UTC)).token}"}


def _loop_backend(client: TestClient, container: Container) -> int:
    """The backend of the loop pool's one connection, asked through the pool itself."""
    assert client.portal is not None and container.loop_reads is not None
    row = client.portal.call(container.loop_reads.first, BACKEND_PID, {})
    assert row is not None
    return int(row[0])


def _terminate(pg_url: str, pid: int) -> None:
    with _admin_connect(make_url(pg_url)) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_the_wallet_is_read_on_the_loop_and_right(
    client: TestClient, container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = new_user(container, funds=4321)
    checkouts: list[object] = []
    monkeypatch.setattr(container.engine.pool, "connect", lambda: checkouts.append(1))  # must not be used
    response = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (response.status_code, response.json()) == (200, {"balance": 4321, "currency": "USD"})
    ghost = client.get("/api/v1/wallet", headers=_bearer(uuid.uuid4()))  # a valid token, no such user
    assert ghost.status_code == 401, ghost.text
    assert checkouts == []


def test_a_user_without_a_wallet_reads_zero(client: TestClient, container: Container) -> None:
    user_id = new_user(container)
    with container.sessions() as session:
        session.execute(delete(Wallet).where(Wallet.user_id == user_id))
        session.commit()
    response = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (response.status_code, response.json()["balance"]) == (200, 0)


def test_every_connection_taken_is_a_503_with_retry_after(client: TestClient, container: Container) -> None:
    user_id = new_user(container, funds=1000)
    assert client.portal is not None and container.loop_reads is not None
    held = client.portal.start_task_soon(container.loop_reads.first, HOLD, {})  # the only connection
    time.sleep(0.2)
    started = time.monotonic()
    busy = client.get("/api/v1/wallet", headers=_bearer(user_id))
    waited = time.monotonic() - started
    assert busy.status_code == 503, busy.text
    assert busy.headers["retry-after"] == "1"
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["type"].endswith("/unavailable")
    assert TIMEOUT_S * 0.9 <= waited < 1.4, waited  # waited for the pool timeout, not for the hold
    held.result(timeout=10)
    after = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (after.status_code, after.json()["balance"]) == (200, 1000)


def test_a_connection_cut_in_use_is_a_retryable_503_then_replaced(
    client: TestClient, container: Container, pg_url: str, pings: list[float]
) -> None:
    user_id = new_user(container, funds=700)
    first = _loop_backend(client, container)
    _terminate(pg_url, first)  # a database restart; used moments ago, so not pinged
    lost = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert lost.status_code == 503, lost.text
    assert lost.headers["retry-after"] == "1"
    assert lost.json()["type"].endswith("/unavailable")
    deadline = time.monotonic() + 10  # the pool reconnects in the background
    while True:
        again = client.get("/api/v1/wallet", headers=_bearer(user_id))
        if again.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (again.status_code, again.json()["balance"]) == (200, 700)
    assert _loop_backend(client, container) != first
    assert pings == []


def test_a_connection_in_use_moments_ago_is_not_pinged(
    client: TestClient, container: Container, pings: list[float]
) -> None:
    first = _loop_backend(client, container)
    for _ in range(5):
        assert _loop_backend(client, container) == first  # the same connection each time
    assert pings == []


@pytest.mark.parametrize("idle_seconds", [IDLE_S])
def test_an_idle_connection_is_pinged_and_replaced_when_it_was_cut(
    client: TestClient, container: Container, pg_url: str, pings: list[float]
) -> None:
    user_id = new_user(container, funds=250)
    first = _loop_backend(client, container)
    _terminate(pg_url, first)  # cut while the pool sat idle
    time.sleep(IDLE_S * 2)
    response = client.get("/api/v1/wallet", headers=_bearer(user_id))  # no error: pinged, replaced
    assert (response.status_code, response.json()["balance"]) == (200, 250)
    second = _loop_backend(client, container)
    assert second != first
    assert len(pings) >= 1
    time.sleep(IDLE_S * 2)
    assert _loop_backend(client, container) == second  # alive after idling: pinged, kept


def test_without_the_lifespan_the_wallet_is_read_in_a_thread(container: Container) -> None:
    """A test client that never starts the app (each request on a loop of its own) cannot use a
    pool bound to one loop; the same statement then runs on the sync pool."""
    user_id = new_user(container, funds=99)
    client = TestClient(create_app(container=container), raise_server_exceptions=False)
    response = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (response.status_code, response.json()["balance"]) == (200, 99)
    assert container.loop_reads is not None and not container.loop_reads.serves_running_loop()
