"""The local history store: one SQLite file, `REPORTS/history/history.sqlite3`.

One row per run (`run_id` unique), its key columns for the queries later runs make (a project's
records in time order, the newest record of a commit or a branch) beside the record's JSON, which
stays the source of truth (`HistoryRecord.to_json`, schema-versioned by the record itself).

The file is in WAL mode and every append is one transaction, so a writer killed at any point
leaves every earlier record intact and readers never wait for writers. A `meta` table holds the
store's own schema version; a store written by an older cimaturity is upgraded in place when
opened (`_MIGRATIONS`), one written by a newer one is refused.

Anything that goes wrong (a file that is not a database, a record this version cannot read, a
lock held past the timeout) is a one-line `HistoryError` naming the file, and the run when one
is concerned.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from cimaturity.atomic import write_text_atomic
from cimaturity.history.record import HistoryRecord

STORE_VERSION = 1
HISTORY_DIR = "history"
STORE_FILE = "history.sqlite3"
DEFAULT_TIMEOUT_S = 10.0

# Whole literals (no concatenation): nothing of a record ever becomes SQL text.
_REPLACE = """
INSERT INTO records (run_id, recorded_at, project, git_sha, branch, base_sha, score, record)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(run_id) DO UPDATE SET recorded_at = excluded.recorded_at, project = excluded.project,
    git_sha = excluded.git_sha, branch = excluded.branch, base_sha = excluded.base_sha,
    score = excluded.score, record = excluded.record
"""
_KEEP = """
INSERT INTO records (run_id, recorded_at, project, git_sha, branch, base_sha, score, record)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(run_id) DO NOTHING
"""
# Every read: the newest `limit` records matching the filters given (a None filter matches all,
# limit -1 is no limit), returned oldest -> newest; rowid breaks ties in insertion order.
_SELECT = """
SELECT run_id, record FROM (
    SELECT run_id, recorded_at, rowid AS seq,
           CASE WHEN :light THEN json_remove(record, '$.tests') ELSE record END AS record
    FROM records
    WHERE (:project IS NULL OR project = :project)
      AND (:branch IS NULL OR branch = :branch)
      AND (:sha IS NULL OR git_sha = :sha)
      AND (:since IS NULL OR recorded_at >= :since)
    ORDER BY recorded_at DESC, seq DESC
    LIMIT :limit
) ORDER BY recorded_at, seq
"""

# Tests with two verdicts on one commit, among the commits recorded more than once.
_TWO_VERDICTS = """
SELECT r.git_sha, t.key,
       sum(t.value = 'passed') AS passes, sum(t.value IN ('failed', 'error')) AS failures
FROM records AS r, json_each(r.record, '$.tests') AS t
WHERE r.git_sha IN (
        SELECT git_sha FROM records
        WHERE git_sha IS NOT NULL AND (:since IS NULL OR recorded_at >= :since)
        GROUP BY git_sha HAVING count(*) > 1)
  AND (:since IS NULL OR r.recorded_at >= :since)
GROUP BY r.git_sha, t.key
HAVING passes > 0 AND failures > 0
"""


class HistoryError(Exception):
    """The history store could not be read or written; one line naming the file (and the run)."""


def store_path(reports_dir: Path) -> Path:
    return reports_dir / HISTORY_DIR / STORE_FILE


def open_store(reports_dir: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> HistoryStore:
    """The store of a reports folder (created, with its folder, on first use)."""
    return HistoryStore(store_path(reports_dir), timeout_s=timeout_s)


def sort_key(recorded_at: str) -> str:
    """`recorded_at` as the store orders and filters it: UTC, microseconds, one fixed format.

    A time without a zone is taken as UTC (what `record_from` is given); text that is not an ISO
    8601 time raises ValueError."""
    moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class HistoryStore:
    """A history store; use it as a context manager (or call `close`)."""

    def __init__(self, path: Path, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.path = path
        self.timeout_s = timeout_s
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"{path}: cannot create the history folder: {exc.strerror or exc}") from None
        with self._errors():
            # isolation_level=None: no implicit transactions; each write says BEGIN IMMEDIATE itself.
            self._db = sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
        try:
            with self._errors():
                self._open_retrying()
        except BaseException:
            self._db.close()
            raise

    def _open_retrying(self) -> None:
        """WAL mode and the schema. Two processes opening a new store at once can get "database
        is locked" at once from SQLite (switching to WAL and reading the schema bypass the busy
        wait): tried again until the timeout, as the busy wait would."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL").fetchone()
                # NORMAL in WAL mode: a killed process never loses a committed record; only a
                # power cut can drop the last few commits (never corrupt the file).
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._upgrade()
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                if self._db.in_transaction:
                    self._db.rollback()
                time.sleep(0.02)

    # --- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- writing -----------------------------------------------------------------------------

    def append(self, record: HistoryRecord) -> None:
        """Add `record` in one transaction; a record of a run already stored replaces it."""
        row = self._row(record)
        with self._errors(record.run_id), self._transaction():
            self._db.execute(_REPLACE, row)

    def import_jsonl(self, path: Path) -> int:
        """Add the records of a JSON-lines file (one record per line, as `export_jsonl` writes
        them) whose run is not stored yet, all in one transaction; how many were added.

        A line that is not a record stops the import (nothing of it is kept) with the line named."""
        rows = [self._row(record) for record in self._read_jsonl(path)]
        with self._errors(), self._transaction():
            before = self._count()
            self._db.executemany(_KEEP, rows)
            return self._count() - before

    def export_jsonl(self, path: Path) -> int:
        """Every record, oldest first, one JSON object per line (written atomically); how many."""
        records = self.records()
        lines = (json.dumps(record.to_json(), separators=(",", ":")) + "\n" for record in records)
        try:
            write_text_atomic(path, "".join(lines))
        except OSError as exc:
            raise HistoryError(f"{path}: cannot write the history export: {exc.strerror or exc}") from None
        return len(records)

    # --- reading -----------------------------------------------------------------------------

    def records(
        self,
        project: str | None = None,
        branch: str | None = None,
        since: str | dt.datetime | None = None,
        limit: int | None = None,
        *,
        sha: str | None = None,
        light: bool = False,
    ) -> list[HistoryRecord]:
        """The records matching every filter given, oldest -> newest.

        `since` keeps records recorded at or after that time; `limit` keeps the newest `limit`
        of them (still oldest first). `light` leaves out each record's test outcomes (SQLite drops
        them before Python parses anything): most of a record, and what trends over thousands of
        records do not need."""
        start = None
        if since is not None:
            moment = since.isoformat() if isinstance(since, dt.datetime) else since
            try:
                start = sort_key(moment)
            except ValueError:
                raise HistoryError(f"{self.path}: since {moment!r} is not an ISO 8601 time") from None
        return self._select(
            project=project,
            branch=branch,
            sha=sha,
            since=start,
            limit=-1 if limit is None else max(limit, 0),
            light=light,
        )

    def latest(
        self, branch: str | None = None, sha: str | None = None, project: str | None = None
    ) -> HistoryRecord | None:
        """The newest record of that branch and/or commit (of any, given neither); None if none."""
        found = self._select(project=project, branch=branch, sha=sha, limit=1)
        return found[0] if found else None

    def two_verdicts(self, since: str | dt.datetime | None = None) -> list[tuple[str, str, int, int]]:
        """(commit, test, passes, failures) for every test that both passed and failed (or
        errored) on one commit: the flaky tests' raw counts, computed by SQLite over the records'
        test outcomes without building a record."""
        start = None
        if since is not None:
            moment = since.isoformat() if isinstance(since, dt.datetime) else since
            try:
                start = sort_key(moment)
            except ValueError:
                raise HistoryError(f"{self.path}: since {moment!r} is not an ISO 8601 time") from None
        with self._errors():
            rows = self._db.execute(_TWO_VERDICTS, {"since": start}).fetchall()
        return [(str(sha), str(test), int(passes), int(failures)) for sha, test, passes, failures in rows]

    def get(self, run_id: str) -> HistoryRecord | None:
        """The record of run `run_id`; None when it was not recorded."""
        with self._errors(run_id):
            row = self._db.execute(
                "SELECT run_id, record FROM records WHERE run_id = ?", (run_id,)
            ).fetchone()
        return None if row is None else self._record(str(row[0]), row[1])

    def base_for(
        self, base_sha: str | None = None, base_branch: str | None = None, project: str | None = None
    ) -> HistoryRecord | None:
        """What a pull request is compared with: the newest record of its base commit, else the
        newest record of its base branch; None when neither was recorded (or given)."""
        if base_sha:
            found = self.latest(sha=base_sha, project=project)
            if found is not None:
                return found
        if base_branch:
            return self.latest(branch=base_branch, project=project)
        return None

    def integrity(self) -> str:
        """SQLite's own `integrity_check` verdict: "ok" for a sound file."""
        with self._errors():
            return "; ".join(str(row[0]) for row in self._db.execute("PRAGMA integrity_check"))

    def version(self) -> int:
        with self._errors():
            return self._stored_version()

    def __len__(self) -> int:
        with self._errors():
            return self._count()

    # --- inside ------------------------------------------------------------------------------

    def _select(
        self,
        *,
        project: str | None = None,
        branch: str | None = None,
        sha: str | None = None,
        since: str | None = None,
        limit: int = -1,
        light: bool = False,
    ) -> list[HistoryRecord]:
        params = {
            "project": project,
            "branch": branch,
            "sha": sha,
            "since": since,
            "limit": limit,
            "light": light,
        }
        with self._errors():
            rows = self._db.execute(_SELECT, params).fetchall()
        return [self._record(str(row[0]), row[1]) for row in rows]

    def _record(self, run_id: str, text: object) -> HistoryRecord:
        try:
            data = json.loads(str(text))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            return HistoryRecord.from_json(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise HistoryError(f"{self.path}: run {run_id}: unreadable record: {_one_line(exc)}") from None

    def _row(self, record: HistoryRecord) -> tuple[Any, ...]:
        try:
            recorded_at = sort_key(record.recorded_at)
            text = json.dumps(record.to_json(), separators=(",", ":"))
        except (ValueError, TypeError) as exc:
            raise HistoryError(f"{self.path}: run {record.run_id}: cannot store: {_one_line(exc)}") from None
        return (
            record.run_id,
            recorded_at,
            record.project,
            record.git_sha,
            record.branch,
            record.base_sha,
            record.score,
            text,
        )

    def _read_jsonl(self, path: Path) -> Iterator[HistoryRecord]:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise HistoryError(f"{path}: cannot read the history file: {reason}") from None
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            run_id = "?"
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not a JSON object")
                run_id = str(data.get("run_id", "?"))
                yield HistoryRecord.from_json(data)
            except (ValueError, KeyError, TypeError) as exc:
                reason = _one_line(exc)
                raise HistoryError(f"{path}:{number}: run {run_id}: not a history record: {reason}") from None

    def _count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def _stored_version(self) -> int:
        """The store's schema version: 0 for a store of the first layout (no `meta` table)."""
        found = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {str(row[0]) for row in found}
        if "meta" not in tables:
            return 0 if "records" in tables else -1  # -1: an empty file, nothing created yet
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            return -1
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise HistoryError(f"{self.path}: history store schema {row[0]!r} is not a number") from None

    def _upgrade(self) -> None:
        """Create the schema, or bring an older one up to `STORE_VERSION`, in one transaction.

        A store already up to date is only read here: opening one never waits for a writer."""
        if self._stored_version() == STORE_VERSION:
            return
        with self._transaction():
            version = self._stored_version()  # again: another process may have just done it
            if version > STORE_VERSION:
                raise HistoryError(
                    f"{self.path}: history store schema {version} was written by a newer cimaturity "
                    f"(this one reads up to {STORE_VERSION})"
                )
            if version == -1:
                _create(self._db)
            else:
                for step in range(version, STORE_VERSION):
                    _MIGRATIONS[step](self._db)
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES ('schema', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (str(STORE_VERSION),),
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        # IMMEDIATE: take the write lock at the start, so a busy store waits (up to the timeout)
        # instead of failing halfway through.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._db.rollback()
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def _errors(self, run_id: str | None = None) -> Iterator[None]:
        """sqlite3's exceptions as one `HistoryError` line naming the file (and the run)."""
        try:
            yield
        except sqlite3.Error as exc:
            where = f"{self.path}: run {run_id}" if run_id else str(self.path)
            message = _one_line(exc)
            if isinstance(exc, sqlite3.OperationalError) and "locked" in message:
                message = f"locked by another writer for more than {self.timeout_s:g}s"
            elif isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
                message = f"not a readable history store ({message})"
            raise HistoryError(f"{where}: {message}") from None


# --- schema ----------------------------------------------------------------------------------


def _create(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE IF NOT EXISTS records ("
        " id INTEGER PRIMARY KEY,"
        " run_id TEXT NOT NULL UNIQUE,"
        " recorded_at TEXT NOT NULL,"  # `sort_key` of the record's time
        " project TEXT NOT NULL,"
        " git_sha TEXT,"
        " branch TEXT,"
        " base_sha TEXT,"
        " score REAL NOT NULL,"
        " record TEXT NOT NULL)"  # HistoryRecord.to_json(), the source of truth
    )
    _create_indexes(db)


def _create_indexes(db: sqlite3.Connection) -> None:
    db.execute("CREATE INDEX IF NOT EXISTS records_by_time ON records (recorded_at)")
    db.execute("CREATE INDEX IF NOT EXISTS records_by_project ON records (project, recorded_at)")
    db.execute("CREATE INDEX IF NOT EXISTS records_by_branch ON records (branch, recorded_at)")
    db.execute("CREATE INDEX IF NOT EXISTS records_by_sha ON records (git_sha, recorded_at)")


def _from_v0(db: sqlite3.Connection) -> None:
    """Version 0 (no `meta` table, no `base_sha` column, `recorded_at` as the record gave it):
    add the column and the meta table, fill both columns from each record's JSON."""
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(records)")}
    if "base_sha" not in columns:
        db.execute("ALTER TABLE records ADD COLUMN base_sha TEXT")
    for rowid, text in db.execute("SELECT rowid, record FROM records").fetchall():
        try:
            data = json.loads(str(text))
            base_sha, recorded_at = data.get("base_sha"), sort_key(str(data["recorded_at"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # left as it was: reading the record names the problem
        db.execute(
            "UPDATE records SET base_sha = ?, recorded_at = ? WHERE rowid = ?",
            (None if base_sha is None else str(base_sha), recorded_at, rowid),
        )
    _create_indexes(db)


# _MIGRATIONS[n] turns a store of version n into one of version n + 1.
_MIGRATIONS: Mapping[int, Callable[[sqlite3.Connection], None]] = {0: _from_v0}


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
