"""The event loop's reads without a database: the statement rendered for psycopg, the URL handed
to libpq, and when the pool may be used (issue 11)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import bindparam, select

from app.container import build_container
from app.loop_reads import LoopReads, Query, conninfo
from app.models import User
from app.services.ledger import BALANCE_OF_USER
from tests.support.fakes import make_settings


def test_a_statement_is_rendered_once_with_named_psycopg_parameters() -> None:
    query = Query.of(select(User.email).where(User.id == bindparam("user_id")))
    assert query.sql == "SELECT users.email \nFROM users \nWHERE users.id = %(user_id)s::UUID"
    assert "%(user_id)s" in BALANCE_OF_USER.sql and "LEFT OUTER JOIN wallets" in BALANCE_OF_USER.sql


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://app:s3cret@db.internal:6543/sms",  # pragma: allowlist secret
            "postgresql://app:s3cret@db.internal:6543/sms",  # pragma: allowlist secret
        ),
        (
            "postgresql+psycopg://postgres@127.0.0.1/test?sslmode=require",
            "postgresql://postgres@127.0.0.1/test?sslmode=require",
        ),
    ],
)
def test_libpq_gets_the_same_server_user_and_options(url: str, expected: str) -> None:
    assert conninfo(url) == expected


def test_the_pool_is_not_used_before_it_is_opened_or_outside_a_loop() -> None:
    reads = LoopReads("postgresql+psycopg://postgres@127.0.0.1/none", size=1, timeout_seconds=0.1)
    assert reads.serves_running_loop() is False

    async def inside() -> bool:
        return reads.serves_running_loop()

    assert asyncio.run(inside()) is False
    with pytest.raises(RuntimeError, match="before open"):
        asyncio.run(reads.first(BALANCE_OF_USER, {"user_id": None}))


def test_an_open_pool_serves_only_the_loop_it_was_opened_on() -> None:
    # Port 9 (discard) refuses connections: opening connects in the background, so this needs no
    # database and must not fail.
    reads = LoopReads("postgresql+psycopg://postgres@127.0.0.1:9/none", size=1, timeout_seconds=0.1)

    async def opened_here() -> bool:
        await reads.open()
        try:
            return reads.serves_running_loop()
        finally:
            await reads.close()

    assert asyncio.run(opened_here()) is True
    assert reads.serves_running_loop() is False


def test_embedded_sqlite_has_no_loop_pool_and_postgresql_sizes_it_from_the_settings() -> None:
    assert build_container(make_settings()).loop_reads is None
    settings = make_settings(database_url="postgresql://postgres@127.0.0.1:9/none", db_read_pool_size=4)
    container = build_container(settings)
    assert container.loop_reads is not None and container.loop_reads.size == 4
    container.close()
