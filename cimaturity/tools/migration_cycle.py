"""The plan's migration test (Task 2.3) on a throwaway PostgreSQL database, as JUnit XML.

    python -m cimaturity.tools.migration_cycle --junit OUT --server-url URL [--alembic-ini FILE]

Creates an empty database on the server at URL, then runs the real Alembic CLI with
`DATABASE_URL` pointing at it: `upgrade head`, `downgrade -1`, `upgrade head` (forward again),
`upgrade head` once more (a no-op: the revision must not move), comparing `alembic current`
with `alembic heads`. Each step is a JUnit test case; the database is dropped at the end.
Exit 0 when the JUnit file was written (the gate judges it), 2 when the database could not be
created (that is no evidence, so the check is an error).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from junitparser import Failure, JUnitXml, TestCase, TestSuite
from psycopg import sql

from cimaturity.proc import first_error_line

STEP_TIMEOUT_S = 300
_REVISION = re.compile(r"^([0-9a-zA-Z_]+)(?: \(head\))?", re.MULTILINE)


@dataclass(frozen=True)
class StepResult:
    name: str
    seconds: float
    problem: str | None  # None when the step did what it should


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


def _libpq(url: str) -> str:
    """psycopg wants `postgresql://`; SQLAlchemy-style `postgresql+psycopg://` names a driver."""
    return re.sub(r"^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


PREFIX = "cimaturity_migration_"


def _host_tag() -> str:
    """This machine, in a database name: a sweep only judges databases its own host created."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_orphaned(name: str) -> bool:
    """A throwaway database of this host whose creating process has ended (a run killed, or a
    leak); a database of another host, or of a process still running, is not."""
    parts = name.removeprefix(PREFIX).split("_")
    return (
        name.startswith(PREFIX)
        and len(parts) == 3
        and parts[0] == _host_tag()
        and parts[1].isdigit()
        and not _pid_alive(int(parts[1]))
    )


def sweep_leftovers(admin: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    """Drop throwaway databases of this host whose creating process is dead (a killed run)."""
    rows = admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + "%",))
    dropped = []
    for (name,) in rows.fetchall():
        if is_orphaned(str(name)):
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name)))
            )
            dropped.append(str(name))
    return dropped


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    # host and pid in the name: a later run can tell a database whose run was killed (SIGKILL
    # skips every `finally`) from one a live run is using, and drop only the former.
    name = f"{PREFIX}{_host_tag()}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
        for leftover in sweep_leftovers(admin):
            print(f"migration_cycle: dropped {leftover}, left by a run that was killed", file=sys.stderr)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield _with_database(server_url, name)
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _alembic(
    args: Sequence[str], ini: str, database_url: str, python: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [python, "-m", "alembic", "-c", ini, *args],  # the project's Alembic, in its environment
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT_S,
        check=False,
    )


def _revisions(output: str) -> set[str]:
    return {match.group(1) for match in _REVISION.finditer(output)}


class AlembicUnusableError(Exception):
    """Alembic could not run at all, or was killed: no evidence about the migrations."""


def run_cycle(ini: str, database_url: str, python: str = sys.executable) -> list[StepResult]:
    """The four steps, stopping at the first failure (later ones would only repeat it)."""
    steps = [
        ("upgrade head (forward from empty)", ["upgrade", "head"], True),
        ("downgrade -1 (rollback)", ["downgrade", "-1"], False),
        ("upgrade head (forward again)", ["upgrade", "head"], True),
        ("upgrade head again (idempotent)", ["upgrade", "head"], True),
    ]
    heads = _alembic(["heads"], ini, database_url, python)
    if heads.returncode != 0:
        # Alembic itself cannot run (not installed, broken env.py): no migration was tried.
        raise AlembicUnusableError(
            f"alembic heads exited {heads.returncode}: {first_error_line(heads.stderr or heads.stdout)}"
        )
    wanted = _revisions(heads.stdout)
    results: list[StepResult] = []
    for name, args, at_head in steps:
        started = time.monotonic()
        done = _alembic(args, ini, database_url, python)
        problem = None
        if done.returncode < 0:
            raise AlembicUnusableError(f"alembic {' '.join(args)} was killed by signal {-done.returncode}")
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            problem = f"alembic {' '.join(args)} exited {done.returncode}: " + " | ".join(tail)
        else:
            command = f"alembic {' '.join(args)}"
            current = _revisions(_alembic(["current"], ini, database_url, python).stdout)
            if at_head and current != wanted:
                problem = f"after `{command}` the revision is {sorted(current)}, heads {sorted(wanted)}"
            if not at_head and (not wanted or current == wanted):
                problem = f"`{command}` left the database at head {sorted(current)}"
        results.append(StepResult(name, time.monotonic() - started, problem))
        if problem:
            break
    return results


def write_junit(path: Path, results: Sequence[StepResult]) -> None:
    suite = TestSuite("alembic migration cycle")
    for result in results:
        case = TestCase(result.name, classname="migration.alembic", time=round(result.seconds, 3))
        if result.problem:
            case.result = [Failure(result.problem)]
        suite.add_testcase(case)
    document = JUnitXml()
    document.add_testsuite(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.write(str(path))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.migration_cycle", description=__doc__)
    parser.add_argument("--junit", type=Path, required=True, help="JUnit XML file to write")
    parser.add_argument("--server-url", required=True, help="PostgreSQL server URL (any database on it)")
    parser.add_argument("--alembic-ini", default="alembic.ini")
    parser.add_argument("--python", default=sys.executable, help="the project's interpreter (runs Alembic)")
    args = parser.parse_args(argv)
    try:
        with throwaway_database(args.server_url) as database_url:
            results = run_cycle(args.alembic_ini, database_url, args.python)
    except psycopg.Error as exc:
        print(f"migration_cycle: cannot create a throwaway database: {exc}".strip(), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"migration_cycle: cannot run alembic: {exc}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired as exc:
        print(f"migration_cycle: {' '.join(map(str, exc.cmd))} timed out", file=sys.stderr)
        return 2
    except AlembicUnusableError as exc:
        print(f"migration_cycle: error: {exc}", file=sys.stderr)
        return 2
    write_junit(args.junit, results)
    failed = [r for r in results if r.problem]
    print(f"migration cycle: {len(results) - len(failed)} of {len(results)} step(s) passed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
