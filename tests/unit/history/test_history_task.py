"""`invoke history`: the table, `--limit`, `--json`, and a missing or broken store in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoke.program import Program

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import open_store, store_path
from cimaturity.tasks import ns
from tests.unit.history._records import make_record


def invoke(*argv: str) -> int:
    try:
        Program(namespace=ns, version="test").run(["invoke", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    folder = tmp_path / "shop" / "reports"
    with open_store(folder) as store:
        for n in range(25):
            store.append(make_record(f"r{n}", n, branch="main" if n % 2 == 0 else "feature"))
        store.append(make_record("no-git", 30, branch=None, git_sha="", findings=0))
    return folder


def test_the_table_shows_the_newest_20_oldest_first(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert invoke("history", "--reports", str(reports)) == 0
    lines = capsys.readouterr().out.splitlines()
    header = ["recorded at", "sha", "branch", "score", "coverage", "findings C/H/M/L/I", "checks failed"]
    assert [part.strip() for part in lines[0].split("  ") if part] == header
    assert len(lines) == 1 + 20  # r6..r24, then no-git
    # r6: even (main), 6 % 3 == 0 (its test check failed), 3 findings
    six = ["2026-01-01T00:06:00+00:00", "0000006", "main", "0.6", "86.0%", "1/1/1/0/0", "1/3"]
    seven = ["2026-01-01T00:07:00+00:00", "0000007", "feature", "0.7", "87.0%", "1/1/1/0/0", "0/3"]
    # r15: also 15 % 5 == 0 (its sast check errored)
    fifteen = ["2026-01-01T00:15:00+00:00", "000000f", "feature", "1.5", "95.0%", "1/1/1/0/0", "2/3"]
    no_git = ["2026-01-01T00:30:00+00:00", "-", "-", "3.0", "90.0%", "0/0/0/0/0", "2/3"]
    shown = [lines[1].split(), lines[2].split(), lines[10].split(), lines[-1].split()]
    assert shown == [six, seven, fifteen, no_git]


def test_limit_and_project(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = reports.parent
    assert invoke("history", "--project", str(project), "--limit", "2") == 0
    rows = capsys.readouterr().out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["2026-01-01T00:24:00+00:00", "2026-01-01T00:30:00+00:00"]
    assert invoke("history", "--project", str(project), "--limit", "0") == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + 26


def test_json_lines_are_the_records_whole(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke("history", "--reports", str(reports), "--json", "--limit", "3") == 0
    lines = capsys.readouterr().out.splitlines()
    back = [HistoryRecord.from_json(json.loads(line)) for line in lines]
    assert back == [
        make_record("r23", 23, branch="feature"),
        make_record("r24", 24, branch="main"),
        make_record("no-git", 30, branch=None, git_sha="", findings=0),
    ]


def test_no_store_yet_is_said_and_is_no_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert invoke("history", "--reports", str(tmp_path / "reports")) == 0
    path = store_path(tmp_path / "reports")
    assert capsys.readouterr().out.startswith(f"no history yet: {path} does not exist")
    assert not path.exists()  # looking never creates one


def test_a_broken_store_or_a_bad_limit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = store_path(tmp_path / "reports")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not SQLite at all\n" * 100)
    assert invoke("history", "--reports", str(tmp_path / "reports")) == 2
    err = capsys.readouterr().err
    assert err == f"cimaturity history: {path}: not a readable history store (file is not a database)\n"
    assert invoke("history", "--reports", str(tmp_path / "reports"), "--limit", "ten") == 2
    assert "--limit must be a whole number (0: all), got 'ten'" in capsys.readouterr().err
