"""Alembic from an empty PostgreSQL database: up, down to base, up again, and no drift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from app import migrate
from app.db import make_engine
from app.models import Base
from tests.integration.conftest import create_database, drop_database

pytestmark = pytest.mark.integration
TABLES = {
    "users",
    "wallets",
    "ledger_entries",
    "services",
    "countries",
    "prices",
    "verifications",
    "payments",
    "webhook_events",
}


@pytest.fixture
def empty_engine() -> Iterator[Engine]:
    url = create_database("cimaturity_mig")
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_database(url)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_upgrade_downgrade_upgrade_without_drift(empty_engine: Engine) -> None:
    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == "0004"
    assert _tables(empty_engine) == TABLES
    assert _drift(empty_engine) == []
    with empty_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM prices")) == 16

    migrate.downgrade(empty_engine, "0003")  # drops the append-only trigger
    with empty_engine.begin() as connection:
        assert connection.scalar(text("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal")) == 0
    migrate.downgrade(empty_engine, "0002")  # the data migration's downgrade removes its rows only
    with empty_engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM services")) == 0
    assert _tables(empty_engine) == TABLES

    migrate.downgrade(empty_engine, "base")
    assert _tables(empty_engine) == set()
    assert migrate.current_revision(empty_engine) is None

    migrate.upgrade(empty_engine)
    assert migrate.current_revision(empty_engine) == "0004"
    assert _drift(empty_engine) == []


def test_each_revision_steps_down_and_up(empty_engine: Engine) -> None:
    for revision in ("0001", "0002", "0003", "0004"):
        migrate.upgrade(empty_engine, revision)
        assert migrate.current_revision(empty_engine) == revision
        migrate.downgrade(empty_engine, "-1")
        migrate.upgrade(empty_engine, revision)
    assert migrate.current_revision(empty_engine) == "0004"
