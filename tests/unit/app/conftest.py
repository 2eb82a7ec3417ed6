"""Unit fixtures: the real app on a per-test SQLite file (migrated once, then copied), an
in-process cache and rate limiter, sandbox providers and a settable clock."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app import migrate
from app.container import Container, build_container
from app.db import make_engine
from app.factory import create_app
from app.providers import PaymentProvider, SandboxPaymentProvider, SandboxSmsProvider, SmsProvider
from tests.support.fakes import FakeClock, make_settings


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def db_url(migrated_template: Path, tmp_path: Path) -> str:
    copy = tmp_path / "sms.db"
    shutil.copyfile(migrated_template, copy)
    return f"sqlite:///{copy}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sms() -> SandboxSmsProvider:
    return SandboxSmsProvider(delay_seconds=None)  # codes arrive only when a test delivers them


@pytest.fixture
def payments() -> SandboxPaymentProvider:
    return SandboxPaymentProvider(auto_settle=True)


ContainerFactory = Callable[..., Container]


@pytest.fixture
def make_container(
    db_url: str, clock: FakeClock, sms: SmsProvider, payments: PaymentProvider
) -> Iterator[ContainerFactory]:
    built: list[Container] = []

    def factory(
        *,
        sms_provider: SmsProvider | None = None,
        payment_provider: PaymentProvider | None = None,
        **overrides: Any,
    ) -> Container:
        settings = make_settings(database_url=db_url, auto_migrate=False, **overrides)
        container = build_container(
            settings, sms=sms_provider or sms, payments=payment_provider or payments, clock=clock
        )
        built.append(container)
        return container

    yield factory
    for container in built:
        container.close()


@pytest.fixture
def container(make_container: ContainerFactory) -> Container:
    return make_container()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), raise_server_exceptions=False) as test_client:
        yield test_client
