"""Database capacity exhausted: a clean, retryable 503 problem, never a hang or a 500."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.container import Container, build_container
from app.db import make_engine
from app.factory import create_app
from app.providers import SandboxPaymentProvider, SandboxSmsProvider
from app.security import issue_token
from tests.integration.helpers import new_user
from tests.support.fakes import JWT_SECRET, make_settings

pytestmark = pytest.mark.integration
TIMEOUT_S = 0.3


@pytest.fixture
def tiny_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=1, max_overflow=0, pool_timeout=TIMEOUT_S)
    yield engine
    engine.dispose()


def _container(pg_url: str, redis_url: str, redis_prefix: str, engine: Engine, slots: int) -> Container:
    settings = make_settings(
        database_url=pg_url,
        redis_url=redis_url,
        redis_key_prefix=redis_prefix,
        auto_migrate=False,
        db_pool_size=slots,
        db_pool_timeout_seconds=TIMEOUT_S,
    )
    return build_container(
        settings, engine=engine, sms=SandboxSmsProvider(delay_seconds=None), payments=SandboxPaymentProvider()
    )


def _bearer(user_id: uuid.UUID) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user_id, JWT_SECRET, 600, datetime.now(UTC)).token}"}


def _assert_busy(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    assert response.json()["type"].endswith("/unavailable")


def test_a_pool_timeout_is_a_503_with_retry_after(
    pg_url: str, redis_url: str, redis_prefix: str, tiny_engine: Engine
) -> None:
    container = _container(pg_url, redis_url, redis_prefix, tiny_engine, slots=5)
    user_id = new_user(container, funds=1000)
    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        with tiny_engine.connect():  # the pool's only connection, held elsewhere
            # The ledger reads on the sync pool (GET wallet reads on the event loop's own pool:
            # tests/integration/test_loop_reads.py holds that one).
            _assert_busy(client.get("/api/v1/wallet/transactions", headers=_bearer(user_id)))
        after = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (after.status_code, after.json()["balance"]) == (200, 1000)


def test_no_free_request_slot_is_a_503_with_retry_after(
    pg_url: str, redis_url: str, redis_prefix: str, tiny_engine: Engine
) -> None:
    container = _container(pg_url, redis_url, redis_prefix, tiny_engine, slots=1)
    user_id = new_user(container, funds=1000)
    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        portal = client.portal
        assert portal is not None  # the app's event loop, while the client is open
        held = portal.call(container.slots.acquire)  # another request's slot
        _assert_busy(
            client.post(
                "/api/v1/verifications",
                json={"service": "telegram", "country": "US"},
                headers=_bearer(user_id),
            )
        )
        portal.call(held.release)
        after = client.get("/api/v1/wallet", headers=_bearer(user_id))
    assert (after.status_code, after.json()["balance"]) == (200, 1000)
