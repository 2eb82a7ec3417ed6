"""Connections are pinged only after sitting idle (not on every checkout, as `pool_pre_ping`
did: one round trip per request), and a lost connection never becomes a 500 (issue 11)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.container import build_container
from app.db import make_engine
from app.factory import create_app
from app.providers import SandboxPaymentProvider, SandboxSmsProvider
from app.security import issue_token
from tests.integration.conftest import _admin_connect
from tests.integration.helpers import new_user
from tests.support.fakes import JWT_SECRET, make_settings

pytestmark = pytest.mark.integration
IDLE_S = 0.2  # for the test that waits past it
NEVER_IDLE_S = 60.0  # for the tests where a slow, loaded machine must not make a ping happen


@pytest.fixture
def idle_seconds() -> float:
    return NEVER_IDLE_S


@pytest.fixture
def one_connection(pg_url: str, idle_seconds: float) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, ping_after_idle_seconds=idle_seconds)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(one_connection: Engine, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    calls: list[float] = []
    do_ping = one_connection.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        calls.append(time.monotonic())
        return do_ping(dbapi_connection)

    monkeypatch.setattr(one_connection.dialect, "do_ping", counted)
    return calls


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(engine: Engine, pid: int) -> None:
    with _admin_connect(engine.url) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_a_connection_in_use_moments_ago_is_not_pinged(one_connection: Engine, pings: list[float]) -> None:
    first = _backend_pid(one_connection)
    for _ in range(5):
        assert _backend_pid(one_connection) == first  # the same pooled connection each time
    assert pings == []


@pytest.mark.parametrize("idle_seconds", [IDLE_S])
def test_an_idle_connection_is_pinged_and_replaced_when_it_was_cut(
    one_connection: Engine, pings: list[float]
) -> None:
    first = _backend_pid(one_connection)
    _terminate(one_connection, first)  # e.g. a database restart while the pool sat idle
    time.sleep(IDLE_S * 2)
    second = _backend_pid(one_connection)  # no error: the ping failed, the pool reconnected
    assert second != first
    assert len(pings) == 1
    time.sleep(IDLE_S * 2)
    assert _backend_pid(one_connection) == second  # alive after idling: pinged, kept
    assert len(pings) == 2


def test_a_connection_cut_in_use_is_a_retryable_503_then_service_resumes(
    pg_url: str, redis_url: str, redis_prefix: str, one_connection: Engine
) -> None:
    settings = make_settings(
        database_url=pg_url, redis_url=redis_url, redis_key_prefix=redis_prefix, auto_migrate=False
    )
    container = build_container(
        settings,
        engine=one_connection,
        sms=SandboxSmsProvider(delay_seconds=None),
        payments=SandboxPaymentProvider(),
    )
    user_id = new_user(container, funds=700)
    token = issue_token(user_id, JWT_SECRET, 600, datetime.now(UTC)).token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        assert client.get("/api/v1/wallet/transactions", headers=headers).json()["items"][0]["amount"] == 700
        _terminate(one_connection, _backend_pid(one_connection))  # cut, and too recent to be pinged
        # On the sync pool (GET wallet has a pool of its own on the event loop: test_loop_reads.py).
        lost = client.get("/api/v1/wallet/transactions", headers=headers)
        assert lost.status_code == 503, lost.text
        assert lost.headers["retry-after"] == "1"
        assert lost.headers["content-type"] == "application/problem+json"
        assert lost.json()["type"].endswith("/unavailable")
        again = client.get("/api/v1/me", headers=headers)
        assert (again.status_code, again.json()["id"]) == (200, str(user_id))
        ghost = {
            "Authorization": f"Bearer {issue_token(uuid.uuid4(), JWT_SECRET, 600, datetime.now(UTC)).token}"
        }
        assert client.get("/api/v1/me", headers=ghost).status_code == 401
