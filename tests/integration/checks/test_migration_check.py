"""The migration check on a tiny Alembic project against the real PostgreSQL server."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import venv
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from cimaturity.checks.migration import MIGRATION
from cimaturity.config import DEFAULT_DATABASE_URL
from cimaturity.model import ArtifactError, Status
from cimaturity.runner import execute
from cimaturity.targetenv import probe
from cimaturity.tools.migration_cycle import PREFIX, _host_tag, is_orphaned
from tests.unit.checks._fast_fixtures import make_context
from tests.unit.checks._security_fixtures import git

# These run the check against the real PostgreSQL server.
pytestmark = pytest.mark.integration

ALEMBIC_INI = """\
[alembic]
script_location = migrations
"""
ENV_PY = """\
import os

from alembic import context
from sqlalchemy import create_engine

url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
"""
SCRIPT_MAKO = """\
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
"""
FIRST = """\
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None


def upgrade():
    op.create_table("a", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("a")
"""
SECOND = """\
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade():
    op.create_table("b", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    {downgrade}
"""


def _files(downgrade: str) -> dict[str, str]:
    return {
        "pyproject.toml": '[tool.cimaturity]\nsource_paths = ["migrations"]\n',
        "alembic.ini": ALEMBIC_INI,
        "migrations/env.py": ENV_PY,
        "migrations/script.py.mako": SCRIPT_MAKO,
        "migrations/versions/0001_a.py": FIRST,
        "migrations/versions/0002_b.py": SECOND.format(downgrade=downgrade),
    }


def _leftover_databases() -> set[str]:
    with psycopg.connect(DEFAULT_DATABASE_URL) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'cimaturity_migration_%'"
        ).fetchall()
    return {str(row[0]) for row in rows}


def _left_behind(before: set[str]) -> set[str]:
    """Throwaway databases created since `before` whose creating process has ended: leaks.

    Other test processes (and other suites on the same server) run migration checks at the same
    time: a database of a process still running is theirs, in use, not this run's leftover."""
    return {name for name in _leftover_databases() - before if is_orphaned(name)}


def test_reversible_migrations_pass_and_the_database_is_dropped(tmp_path: Path) -> None:
    before = _leftover_databases()
    ctx = make_context(tmp_path, MIGRATION, _files('op.drop_table("b")'))
    result = execute(MIGRATION, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["steps"] == 4
    assert _left_behind(before) == set()


def test_broken_downgrade_fails_at_the_rollback_step(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, MIGRATION, _files('raise RuntimeError("irreversible")'))
    result = execute(MIGRATION, ctx)
    assert result.status is Status.FAILED
    assert result.reason.startswith(
        "migration step failed: downgrade -1 (rollback): alembic downgrade -1 exited 1"
    )
    assert "irreversible" in result.reason


def test_no_alembic_ini_is_not_applicable(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, MIGRATION, {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["x"]\n'})
    result = execute(MIGRATION, ctx)
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no Alembic migrations (alembic.ini not found)"


def test_truncated_record_is_error(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, MIGRATION, _files('op.drop_table("b")'))
    ctx.artifact_dir.mkdir(parents=True)
    ctx.artifact("migration.xml").write_text("<testsuites><testsuite name='x'><testcase name='up'")
    with pytest.raises(ArtifactError, match=r"migration\.xml"):
        MIGRATION.gate(ctx, [])


# --- a repository root whose migrations are in a sub-project -------------------------------------

ROOT = {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["x"]\n'}


def _in_backend(files: dict[str, str]) -> dict[str, str]:
    return {f"backend/{name}": text for name, text in files.items()}


def test_root_names_the_sub_project_and_how_to_run_it(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, MIGRATION, {**ROOT, **_in_backend(_files('op.drop_table("b")'))})
    git(tmp_path, "init", "-q")
    result = execute(MIGRATION, ctx)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not applicable at the repository root: Alembic migrations are in sub-project backend/ "
        "(backend/alembic.ini); run with --project backend"
    )


def test_several_sub_projects_outside_git_are_all_named(tmp_path: Path) -> None:
    files = {
        **ROOT,
        "backend/alembic.ini": ALEMBIC_INI,
        "services/billing/alembic.ini": ALEMBIC_INI,
        ".venv/lib/alembic.ini": ALEMBIC_INI,
        "node_modules/x/alembic.ini": ALEMBIC_INI,
        "a/b/c/alembic.ini": ALEMBIC_INI,
    }
    result = execute(MIGRATION, make_context(tmp_path, MIGRATION, files))
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not applicable at the project root: Alembic migrations are in sub-projects backend/ "
        "(backend/alembic.ini), services/billing/ (services/billing/alembic.ini); "
        "run with --project backend or --project services/billing"
    )


def test_ignored_folders_do_not_count(tmp_path: Path) -> None:
    files = {**ROOT, ".venv/lib/alembic.ini": ALEMBIC_INI, "node_modules/x/alembic.ini": ALEMBIC_INI}
    result = execute(MIGRATION, make_context(tmp_path, MIGRATION, files))
    assert result.reason == "not applicable: no Alembic migrations (alembic.ini not found)"


def test_the_sub_project_runs_its_migrations(tmp_path: Path) -> None:
    """`--project backend` inside a git repository: alembic.ini is at the project root."""
    (tmp_path / "repo").mkdir()
    git(tmp_path / "repo", "init", "-q")
    ctx = make_context(tmp_path / "repo" / "backend", MIGRATION, _files('op.drop_table("b")'))
    result = execute(MIGRATION, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["steps"] == 4


def test_alembic_missing_from_the_projects_environment_is_an_error_not_a_failure(tmp_path: Path) -> None:
    """No migration was tried: that is no evidence about them, not a failed migration."""
    before = _leftover_databases()
    venv.create(tmp_path / "bare", with_pip=False)
    bare = probe(tmp_path / "bare" / "bin" / "python", "a bare virtualenv")
    ctx = dataclasses.replace(
        make_context(tmp_path / "p", MIGRATION, _files('op.drop_table("b")')), target=bare
    )
    result = execute(MIGRATION, ctx)
    assert result.status is Status.ERROR
    assert "migration_cycle: error: alembic heads exited 1" in result.reason
    assert "No module named alembic" in result.reason
    assert _left_behind(before) == set()


def test_a_database_left_by_a_killed_run_is_swept_and_a_live_runs_is_kept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    names = {
        "killed": f"{PREFIX}{_host_tag()}_{int(dead.stdout)}_deadbeef",
        "live": f"{PREFIX}{_host_tag()}_{os.getpid()}_cafe0001",
        "other host": f"{PREFIX}00000000_{int(dead.stdout)}_cafe0002",
    }
    with psycopg.connect(DEFAULT_DATABASE_URL, autocommit=True) as admin:
        for name in names.values():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        result = execute(MIGRATION, make_context(tmp_path, MIGRATION, _files('op.drop_table("b")')))
        assert result.status is Status.PASSED, result.reason
        left = _leftover_databases()
        assert names["killed"] not in left
        assert {names["live"], names["other host"]} <= left
        log = (tmp_path / "reports" / "artifacts" / "migration" / "log.txt").read_text()
        assert f"dropped {names['killed']}, left by a run that was killed" in log
    finally:
        with psycopg.connect(DEFAULT_DATABASE_URL, autocommit=True) as admin:
            for name in names.values():
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
