"""The history store: round trip, order and filters, idempotent append, a writer killed mid-write,
concurrent writers, the upgrade of an older store, JSON lines, and bad input in one line.

The killed and concurrent writers are real processes (`WRITER` below) appending through the
store, so the WAL file, the locks and the transactions are SQLite's own, not simulated."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import (
    STORE_VERSION,
    HistoryError,
    HistoryStore,
    open_store,
    store_path,
)
from tests.unit.history._records import at, make_record

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with open_store(tmp_path / "reports") as opened:
        yield opened


def run_id(record: HistoryRecord | None) -> str | None:
    return None if record is None else record.run_id


def ids(records: list[HistoryRecord]) -> list[str]:
    return [record.run_id for record in records]


# --- round trip ----------------------------------------------------------------------------------


def test_a_record_reads_back_equal_from_a_reopened_store(tmp_path: Path) -> None:
    record = make_record("20260101T000000.000Z-abc123", 7, findings=5, base_sha="b" * 40)
    with open_store(tmp_path / "reports") as store:
        store.append(record)
    path = store_path(tmp_path / "reports")
    assert path == tmp_path / "reports" / "history" / "history.sqlite3"
    with HistoryStore(path) as reopened:
        (back,) = reopened.records()
        assert back == record
        assert back.findings_by_severity() == {"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 1}
        assert reopened.version() == STORE_VERSION
        journal = reopened._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


# --- order and filters ---------------------------------------------------------------------------


def test_records_come_oldest_first_whatever_the_order_or_time_zone_they_were_written_in(
    store: HistoryStore,
) -> None:
    store.append(make_record("c", recorded_at="2026-01-01T12:00:00+00:00"))
    store.append(make_record("a", recorded_at="2026-01-01T10:00:00Z"))
    store.append(make_record("b", recorded_at="2026-01-01T12:30:00+02:00"))  # 10:30 UTC
    store.append(make_record("d", recorded_at="2026-01-01T12:00:00+00:00"))  # same time as c: after it
    assert ids(store.records()) == ["a", "b", "c", "d"]


def test_filters_combine_and_limit_keeps_the_newest(store: HistoryStore) -> None:
    for n in range(10):
        branch = "main" if n % 2 == 0 else "feature"
        project = "shop" if n < 8 else "other"
        store.append(make_record(f"r{n}", n, branch=branch, project=project))
    assert ids(store.records(project="shop")) == [f"r{n}" for n in range(8)]
    assert ids(store.records(branch="feature")) == ["r1", "r3", "r5", "r7", "r9"]
    assert ids(store.records(project="shop", branch="main")) == ["r0", "r2", "r4", "r6"]
    assert ids(store.records(since=at(6))) == ["r6", "r7", "r8", "r9"]
    assert ids(store.records(limit=3)) == ["r7", "r8", "r9"]  # the newest 3, still oldest first
    assert ids(store.records(branch="main", limit=2)) == ["r6", "r8"]
    assert store.records(limit=0) == []
    assert store.records(project="nobody") == []


def test_latest_and_base_for(store: HistoryStore) -> None:
    store.append(make_record("main-1", 1, branch="main", git_sha="a" * 40))
    store.append(make_record("main-2", 2, branch="main", git_sha="b" * 40))
    store.append(make_record("main-2-again", 3, branch="main", git_sha="b" * 40))  # re-run, same commit
    store.append(make_record("pr-1", 4, branch="feature", git_sha="c" * 40, base_sha="a" * 40))
    assert run_id(store.latest()) == "pr-1"
    assert run_id(store.latest(branch="main")) == "main-2-again"
    assert run_id(store.latest(sha="a" * 40)) == "main-1"
    assert store.latest(branch="feature", sha="a" * 40) is None
    assert run_id(store.base_for(base_sha="a" * 40, base_branch="main")) == "main-1"
    # base commit never recorded: the newest record of the base branch stands in
    assert run_id(store.base_for(base_sha="f" * 40, base_branch="main")) == "main-2-again"
    assert store.base_for(base_sha="f" * 40) is None
    assert store.base_for(base_branch="release") is None
    assert store.base_for() is None


def test_since_that_is_not_a_time_is_one_line(store: HistoryStore) -> None:
    with pytest.raises(HistoryError, match=r"history\.sqlite3: since 'yesterday' is not an ISO 8601 time$"):
        store.records(since="yesterday")


# --- idempotent append ---------------------------------------------------------------------------


def test_appending_a_run_again_replaces_it(store: HistoryStore) -> None:
    store.append(make_record("r1", 1, score=4.0))
    store.append(make_record("r2", 2))
    store.append(make_record("r1", 1, score=6.5, branch="fixed"))
    assert len(store) == 2
    assert ids(store.records()) == ["r1", "r2"]
    first = store.records()[0]
    assert (first.score, first.branch) == (6.5, "fixed")
    assert run_id(store.latest(branch="main")) == "r2"  # key columns updated too


# --- writers in other processes ------------------------------------------------------------------

WRITER = """
import sys
import time
from pathlib import Path

from cimaturity.history.store import HistoryStore
from tests.unit.history._records import make_record

path, prefix, go = Path(sys.argv[1]), sys.argv[2], sys.argv[5]
count, findings = int(sys.argv[3]), int(sys.argv[4])
if go != "-":
    Path(f"{go}.{prefix}.ready").touch()
    while not Path(go).exists():
        time.sleep(0.001)
with HistoryStore(path, timeout_s=60) as store:
    n = 0
    while count < 0 or n < count:
        store.append(make_record(f"{prefix}-{n}", n, findings=findings))
        print(f"{prefix}-{n}", flush=True)  # acknowledged: the transaction has committed
        n += 1
"""


def writer(path: Path, prefix: str, count: int, *, findings: int = 3, go: str = "-") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), prefix, str(count), str(findings), go],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_writer_killed_mid_write_leaves_every_earlier_record_intact(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        store.append(make_record("before", 0))
    # big records (300 findings, ~100 KB of JSON) so the kill most likely lands inside a write
    child = writer(path, "w", -1, findings=300)
    acknowledged: list[str] = []
    try:
        assert child.stdout is not None
        while len(acknowledged) < 40:
            line = child.stdout.readline()
            assert line, f"the writer stopped on its own: {child.stderr.read() if child.stderr else ''}"
            acknowledged.append(line.strip())
        time.sleep(0.013)  # off any boundary between writes
        child.send_signal(signal.SIGKILL)
        rest = child.stdout.read()  # acknowledged while we were not reading
        acknowledged += [line for line in rest.splitlines(keepends=True) if line.endswith("\n")]
        acknowledged = [line.strip() for line in acknowledged]
    finally:
        child.kill()
        child.wait()
    assert child.returncode == -signal.SIGKILL
    with HistoryStore(path) as store:
        assert store.integrity() == "ok"
        stored = {record.run_id: record for record in store.records()}
    assert stored["before"] == make_record("before", 0)
    for n, run_id in enumerate(acknowledged):
        assert stored[run_id] == make_record(run_id, n, findings=300)
    # whatever the writer did after its last acknowledgement: at most one more, complete record
    assert len(acknowledged) + 1 <= len(stored) <= len(acknowledged) + 2


def test_two_writer_processes_appending_200_records_each_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    go = tmp_path / "go"
    children = [writer(path, prefix, 200, go=str(go)) for prefix in ("left", "right")]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}.{prefix}.ready").exists() for prefix in ("left", "right")):
        assert time.monotonic() < deadline, "the writers never got ready"
        time.sleep(0.01)
    go.touch()  # both start appending at once
    outputs = [child.communicate(timeout=180) for child in children]
    for child, (_out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
    with HistoryStore(path) as store:
        assert store.integrity() == "ok"
        records = store.records()
    expected = {f"{prefix}-{n}" for prefix in ("left", "right") for n in range(200)}
    assert len(records) == 400
    assert set(ids(records)) == expected
    acknowledged = [out.split() for out, _err in outputs]
    assert acknowledged == [[f"{prefix}-{n}" for n in range(200)] for prefix in ("left", "right")]


# --- schema upgrade ------------------------------------------------------------------------------


def v0_store(path: Path, records: list[HistoryRecord]) -> None:
    """A store as the first layout wrote it: no `meta` table, no `base_sha` column, `recorded_at`
    as the record gave it."""
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE records (run_id TEXT PRIMARY KEY, recorded_at TEXT NOT NULL, project TEXT NOT NULL, "
        "git_sha TEXT, branch TEXT, score REAL NOT NULL, record TEXT NOT NULL)"
    )
    for record in records:
        db.execute(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                record.run_id,
                record.recorded_at,
                record.project,
                record.git_sha,
                record.branch,
                record.score,
                json.dumps(record.to_json()),
            ),
        )
    db.commit()
    db.close()


def test_a_store_of_the_older_layout_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    old = [
        make_record("late", 2, recorded_at="2026-01-01T12:00:00+00:00"),
        make_record("early", 1, recorded_at="2026-01-01T13:00:00+02:00", base_sha="e" * 40),  # 11:00 UTC
    ]
    v0_store(path, old)
    with HistoryStore(path) as store:
        assert store.version() == STORE_VERSION
        assert ids(store.records()) == ["early", "late"]  # ordered by the normalised time
        assert store.records() == [old[1], old[0]]
        assert ids(store.records(since="2026-01-01T11:30:00Z")) == ["late"]
        store.append(make_record("new", 3, recorded_at="2026-01-02T00:00:00+00:00"))
        assert ids(store.records()) == ["early", "late", "new"]
    db = sqlite3.connect(path)
    assert dict(db.execute("SELECT run_id, base_sha FROM records").fetchall()) == {
        "early": "e" * 40,
        "late": None,
        "new": None,
    }
    assert db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (str(STORE_VERSION),)
    db.close()
    with HistoryStore(path) as again:  # opening an upgraded store changes nothing
        assert len(again) == 3


def test_a_store_of_a_newer_cimaturity_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    HistoryStore(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value = '99' WHERE key = 'schema'")
    db.commit()
    db.close()
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    assert str(caught.value) == (
        f"{path}: history store schema 99 was written by a newer cimaturity "
        f"(this one reads up to {STORE_VERSION})"
    )


# --- JSON lines ----------------------------------------------------------------------------------


def test_jsonl_export_and_import_round_trip_and_skip_runs_already_present(tmp_path: Path) -> None:
    records = [make_record(f"r{n}", n, base_sha="a" * 40 if n == 2 else None) for n in range(5)]
    exported = tmp_path / "history.jsonl"
    with HistoryStore(tmp_path / "one.sqlite3") as one:
        for record in records:
            one.append(record)
        assert one.export_jsonl(exported) == 5
    lines = exported.read_text().splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == ["r0", "r1", "r2", "r3", "r4"]
    assert all(json.loads(line)["schema"] == 1 for line in lines)

    with HistoryStore(tmp_path / "two.sqlite3") as two:
        two.append(make_record("r1", 1, score=9.9))  # already here: kept as it is
        two.append(make_record("local", 9))
        assert two.import_jsonl(exported) == 4
        assert two.import_jsonl(exported) == 0  # a second import adds nothing
        back = {record.run_id: record for record in two.records()}
    assert set(back) == {"r0", "r1", "r2", "r3", "r4", "local"}
    assert back["r1"].score == 9.9
    assert [back[f"r{n}"] for n in (0, 2, 3, 4)] == [records[n] for n in (0, 2, 3, 4)]


def test_a_bad_jsonl_line_names_the_line_and_imports_nothing(tmp_path: Path) -> None:
    good = json.dumps(make_record("ok", 1).to_json())
    future = json.dumps({**make_record("future", 2).to_json(), "schema": 7})
    source = tmp_path / "history.jsonl"
    source.write_text(f"{good}\n\n{future}\n")
    with HistoryStore(tmp_path / "h.sqlite3") as store:
        with pytest.raises(HistoryError) as caught:
            store.import_jsonl(source)
        assert len(store) == 0
    message = str(caught.value)
    assert message.startswith(f"{source}:3: run future: not a history record: history record schema 7")
    assert "\n" not in message
    with HistoryStore(tmp_path / "h.sqlite3") as store, pytest.raises(HistoryError, match="cannot read"):
        store.import_jsonl(tmp_path / "missing.jsonl")


# --- bad input: one line naming the file (and the run) -------------------------------------------


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"this is not a SQLite file\n" * 200)
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    assert str(caught.value) == f"{path}: not a readable history store (file is not a database)"


def test_a_store_whose_pages_were_overwritten_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        for n in range(50):
            store.append(make_record(f"r{n}", n, findings=20))
        store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # every page after the first
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryError) as caught, HistoryStore(path) as broken:
        broken.records()
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message


def test_a_record_of_an_unknown_schema_names_the_file_and_the_run(store: HistoryStore) -> None:
    store.append(make_record("fine", 1))
    store.append(make_record("odd", 2))
    future = json.dumps({**make_record("odd", 2).to_json(), "schema": 5})
    store._db.execute("UPDATE records SET record = ? WHERE run_id = 'odd'", (future,))
    with pytest.raises(HistoryError) as caught:
        store.records()
    assert str(caught.value) == (
        f"{store.path}: run odd: unreadable record: history record schema 5, this cimaturity reads 1..1"
    )
    assert run_id(store.latest(sha=make_record("fine", 1).git_sha)) == "fine"


def test_a_lock_held_past_the_timeout_is_one_line_and_readers_still_read(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore(path) as store:
        store.append(make_record("r0", 0))
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer, holding the write lock
    try:
        with HistoryStore(path, timeout_s=0.2) as store:
            started = time.monotonic()
            with pytest.raises(HistoryError) as caught:
                store.append(make_record("r1", 1))
            waited = time.monotonic() - started
            assert ids(store.records()) == ["r0"]  # WAL: reading never waits for a writer
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(caught.value) == f"{path}: run r1: locked by another writer for more than 0.2s"
    assert 0.15 < waited < 5


def test_a_history_folder_that_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "history").write_text("a file where the folder should be")
    with pytest.raises(HistoryError, match=r"history/history\.sqlite3: cannot create the history folder"):
        open_store(tmp_path / "reports")


def test_a_record_with_a_time_that_is_not_one_is_refused_naming_the_run(store: HistoryStore) -> None:
    with pytest.raises(HistoryError, match=r"history\.sqlite3: run r9: cannot store: Invalid isoformat"):
        store.append(make_record("r9", 9, recorded_at="last tuesday"))
    assert len(store) == 0
