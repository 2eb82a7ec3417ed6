"""Clocks, settings and HTTP helpers shared by the unit and integration suites."""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from app.providers import ProviderError, ProviderUnavailable, SandboxSmsProvider
from app.providers.base import Activation
from app.security import sign_payload
from app.settings import Settings

WEBHOOK_SECRET = "test-webhook-secret-0123456789"
JWT_SECRET = "test-jwt-secret-0123456789-0123456789"
PASSWORD = "correct horse battery"


@dataclass
class FakeClock:
    """A settable clock: tests move time instead of sleeping."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += timedelta(seconds=seconds)


def make_settings(**overrides: Any) -> Settings:
    """Fast, explicit settings: cheap argon2, fixed secrets, generous limits unless overridden."""
    values: dict[str, Any] = {
        "app_env": "test",
        "jwt_secret": JWT_SECRET,
        "payment_webhook_secret": WEBHOOK_SECRET,
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 8,
        "login_rate_limit": 1000,
        "purchase_rate_limit": 1000,
        "sandbox_sms_delay_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)


class FailingSmsProvider(SandboxSmsProvider):
    """A sandbox whose purchases fail the way a provider outage does."""

    def __init__(self, error: ProviderError | None = None) -> None:
        super().__init__(delay_seconds=None)
        self.error = error or ProviderUnavailable("down")

    def buy_number(self, service: str, country: str) -> Activation:
        raise self.error


def unique_email(tag: str = "user") -> str:
    return f"{tag}-{uuid.uuid4().hex[:12]}@example.com"


def register(client: TestClient, email: str | None = None, password: str = PASSWORD) -> dict[str, str]:
    """Register and log in; returns the Authorization header for the new user."""
    email = email or unique_email()
    created = client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert created.status_code == 201, created.text
    token = client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def signed_event(
    event_id: str,
    payment_id: str,
    amount: int,
    *,
    event_type: str = "payment.succeeded",
    currency: str = "USD",
    timestamp: int,
    secret: str = WEBHOOK_SECRET,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": event_id,
            "type": event_type,
            "data": {"payment_id": payment_id, "amount": amount, "currency": currency},
        }
    ).encode()
    header = sign_payload(body, secret.encode(), timestamp)
    return body, {"X-Signature": header, "Content-Type": "application/json"}
