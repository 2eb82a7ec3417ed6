"""Integration fixtures: a throwaway PostgreSQL database per test run (created on the server named
by DATABASE_URL, migrated to head, dropped at the end) and a random Redis key prefix per test
(only those keys are deleted). No skipping: if PostgreSQL or Redis is missing, these tests fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
import redis
from fastapi.testclient import TestClient
from psycopg import sql
from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from app import migrate
from app.container import Container, build_container
from app.db import make_engine
from app.factory import create_app
from app.providers import SandboxPaymentProvider, SandboxSmsProvider
from app.settings import load_settings
from tests.support.fakes import FakeClock, make_settings

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"

ContainerFactory = Callable[..., Container]


def server_url() -> URL:
    raw = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    return make_url(load_settings(database_url=raw).effective_database_url)


def _admin_connect(url: URL) -> psycopg.Connection[Any]:
    return psycopg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    )


def create_database(prefix: str = "cimaturity_it") -> str:
    """Create an empty throwaway database; returns its SQLAlchemy URL."""
    base = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with _admin_connect(base) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return base.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    with _admin_connect(parsed) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(parsed.database)))
        )


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = create_database()
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        drop_database(url)


@pytest.fixture(scope="session")
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url, pool_size=10, max_overflow=50, pool_timeout=30)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    prefix = f"it:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client: redis.Redis = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sms() -> SandboxSmsProvider:
    return SandboxSmsProvider(delay_seconds=None)


@pytest.fixture
def make_container(
    pg_url: str,
    pg_engine: Engine,
    redis_url: str,
    redis_prefix: str,
    clock: FakeClock,
    sms: SandboxSmsProvider,
) -> Iterator[ContainerFactory]:
    built: list[Container] = []

    def factory(**overrides: Any) -> Container:
        sms_provider = overrides.pop("sms_provider", sms)
        payments = overrides.pop("payment_provider", SandboxPaymentProvider(auto_settle=True))
        values: dict[str, Any] = {
            "database_url": pg_url,
            "redis_url": redis_url,
            "redis_key_prefix": redis_prefix,
            "auto_migrate": False,
        }
        settings = make_settings(**{**values, **overrides})
        container = build_container(
            settings, engine=pg_engine, sms=sms_provider, payments=payments, clock=clock
        )
        built.append(container)
        return container

    yield factory
    for container in built:
        if container.redis_client is not None:
            container.redis_client.close()


@pytest.fixture
def container(make_container: ContainerFactory) -> Container:
    return make_container()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container=container), raise_server_exceptions=False) as test_client:
        yield test_client
