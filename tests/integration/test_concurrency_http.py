"""Money under concurrent HTTP load: the real service (uvicorn in its own process, its own pool
as configured by default) on PostgreSQL and Redis. Every request gets its documented answer
(201, 402, 409, 200), never a 5xx, and the ledger adds up afterwards."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from app.container import Container
from app.models import LedgerEntry, Payment, PaymentStatus, Verification
from app.security import issue_token
from app.services import catalogue
from app.settings import Settings
from cimaturity.tools.with_server import running_service
from tests.integration.helpers import assert_ledger_consistent, new_user
from tests.support.fakes import JWT_SECRET, WEBHOOK_SECRET, signed_event

pytestmark = pytest.mark.integration
API = "/api/v1"
REQUEST_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def service_url(pg_url: str, redis_url: str) -> Iterator[str]:
    """The service as deployed: `uvicorn app.main:app`, configured only by its environment (the
    pool size is the service's own default, not the test suite's generous engine)."""
    knobs = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in knobs}
    env.update(
        APP_ENV="test",
        DATABASE_URL=pg_url,
        REDIS_URL=redis_url,
        REDIS_KEY_PREFIX=f"it-http:{uuid.uuid4().hex[:12]}:",
        AUTO_MIGRATE="false",
        JWT_SECRET=JWT_SECRET,
        PAYMENT_WEBHOOK_SECRET=WEBHOOK_SECRET,
        SMS_PROVIDER="sandbox",
        PAYMENT_PROVIDER="sandbox",
        SANDBOX_SMS_DELAY_SECONDS="3600",
        LOGIN_RATE_LIMIT="100000",
        PURCHASE_RATE_LIMIT="100000",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST_KIB="8192",
    )
    env.pop("UVICORN_LOG_LEVEL", None)
    with running_service("app.main:app", "/health", env, inherit=False, timeout_s=30) as url:
        yield url


def _bearer(user_id: uuid.UUID) -> dict[str, str]:
    token = issue_token(user_id, JWT_SECRET, 3600, datetime.now(UTC))  # the server's clock is real
    return {"Authorization": f"Bearer {token.token}"}


async def _fire(base: str, requests: list[tuple[str, str, dict[str, str], bytes | None]]) -> list[int]:
    """Send every request at once (one connection each); the status codes, in order."""
    limits = httpx.Limits(max_connections=len(requests), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:

        async def one(method: str, path: str, headers: dict[str, str], body: bytes | None) -> int:
            response = await client.request(method, path, headers=headers, content=body)
            return response.status_code

        return list(await asyncio.gather(*(one(*request) for request in requests)))


def fire(base: str, requests: list[tuple[str, str, dict[str, str], bytes | None]]) -> Counter[int]:
    return Counter(asyncio.run(_fire(base, requests)))


def _purchase_body() -> bytes:
    return b'{"service": "telegram", "country": "US"}'


@pytest.mark.parametrize("concurrency", [50, 100, 200])
def test_concurrent_purchases_with_money_for_ten(
    service_url: str, container: Container, concurrency: int
) -> None:
    with container.sessions() as session:
        price = catalogue.price_of(session, "telegram", "US")
    assert price is not None
    user_id = new_user(container, funds=price * 10)
    headers = {**_bearer(user_id), "Content-Type": "application/json"}
    started = time.monotonic()
    statuses = fire(service_url, [("POST", f"{API}/verifications", headers, _purchase_body())] * concurrency)
    elapsed = time.monotonic() - started
    assert statuses == Counter({201: 10, 402: concurrency - 10}), f"{dict(statuses)} in {elapsed:.1f} s"
    assert assert_ledger_consistent(container, user_id) == 0
    with container.sessions() as session:
        bought = session.scalar(select(func.count()).where(Verification.user_id == user_id))
        debits = session.scalar(
            select(func.count()).where(LedgerEntry.user_id == user_id, LedgerEntry.kind == "purchase")
        )
    assert (bought, debits) == (10, 10)


def test_concurrent_topups_all_credit_once(service_url: str, container: Container) -> None:
    user_id = new_user(container)
    headers = {**_bearer(user_id), "Content-Type": "application/json"}
    statuses = fire(service_url, [("POST", f"{API}/wallet/topups", headers, b'{"amount": 500}')] * 60)
    assert statuses == Counter({201: 60})
    assert assert_ledger_consistent(container, user_id) == 60 * 500
    with container.sessions() as session:
        settled = session.scalar(
            select(func.count()).where(
                Payment.user_id == user_id, Payment.status == PaymentStatus.SUCCEEDED.value
            )
        )
    assert settled == 60


def test_concurrent_cancels_refund_once(service_url: str, container: Container) -> None:
    with container.sessions() as session:
        price = catalogue.price_of(session, "telegram", "US")
    assert price is not None
    user_id = new_user(container, funds=price)
    headers = {**_bearer(user_id), "Content-Type": "application/json"}
    with httpx.Client(base_url=service_url, timeout=REQUEST_TIMEOUT_S) as client:
        bought = client.post(f"{API}/verifications", headers=headers, content=_purchase_body())
    assert bought.status_code == 201, bought.text
    cancel = ("POST", f"{API}/verifications/{bought.json()['id']}/cancel", headers, None)
    statuses = fire(service_url, [cancel] * 60)
    assert statuses == Counter({200: 1, 409: 59})
    assert assert_ledger_consistent(container, user_id) == price


def test_concurrent_webhooks_settle_each_payment_once(service_url: str, container: Container) -> None:
    """20 pending top-ups, each delivered 5 times at once (100 requests): 20 credits in all."""
    user_id = new_user(container)
    now = container.clock()
    provider_ids = [f"pay_it_{uuid.uuid4().hex}" for _ in range(20)]
    with container.sessions() as session:
        for provider_id in provider_ids:
            session.add(
                Payment(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    amount=700,
                    currency="USD",
                    status=PaymentStatus.PENDING.value,
                    provider_payment_id=provider_id,
                    created_at=now,
                    updated_at=now,
                )
            )
        session.commit()
    timestamp = int(time.time())
    requests: list[tuple[str, str, dict[str, str], bytes | None]] = []
    for provider_id in provider_ids:
        body, headers = signed_event(f"evt-{provider_id}", provider_id, 700, timestamp=timestamp)
        requests += [("POST", f"{API}/webhooks/payments", headers, body)] * 5
    statuses = fire(service_url, requests)
    assert statuses == Counter({200: 100})
    assert assert_ledger_consistent(container, user_id) == 20 * 700
