"""The deploy tests' fake clock (`sleep` records the wait and moves `monotonic` on), and the real
service on a free port."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from app.settings import Settings
from cimaturity.tools.with_server import running_service
from tests.support.deploy_server import SHA

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Clock:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real service on a free port, on SQLite with the in-process cache (as e2e runs it)."""
    knobs = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in knobs}
    database = tmp_path_factory.mktemp("health-service") / "health.db"
    env.update(APP_ENV="test", DATABASE_URL=f"sqlite:///{database}", SMS_PROVIDER="sandbox")
    env.update(PAYMENT_PROVIDER="sandbox", GIT_SHA=SHA, PYTHONUNBUFFERED="1")
    with running_service("app.main:app", "/health", env, inherit=False, cwd=ROOT, timeout_s=60) as url:
        yield url
