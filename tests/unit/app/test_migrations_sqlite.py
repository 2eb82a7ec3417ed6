"""The embedded SQLite database gets the same migrations, including the append-only ledger."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from app import migrate
from app.container import Container
from app.db import make_engine


def test_sqlite_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/m.db")
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0004"
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM prices")) == 16
    engine.dispose()


@pytest.mark.parametrize("statement", ["UPDATE ledger_entries SET amount = 5", "DELETE FROM ledger_entries"])
def test_ledger_rows_cannot_be_changed(container: Container, statement: str) -> None:
    with container.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (id, email, password_hash, created_at) "
                "VALUES ('00000000000000000000000000000001', 'x@y.z', 'h', '2026-01-01')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO ledger_entries (user_id, kind, amount, balance_after, reference, created_at) "
                "VALUES ('00000000000000000000000000000001', 'topup', 10, 10, 'r', '2026-01-01')"
            )
        )
    with container.engine.begin() as connection, pytest.raises(DBAPIError, match="append-only"):
        connection.execute(text(statement))
