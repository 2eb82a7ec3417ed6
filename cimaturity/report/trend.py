"""The score's recent past, as the report shows it: the earlier records of the same project and
branch in the reports folder's history store, and the change since the newest of them.

The report is rendered before its run is recorded, so "the last run" is the newest record of the
same project and branch that is not this run (a run reported twice is not its own predecessor).
Reading the history never fails a report: no store, or one that cannot be read, is no history.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import HistoryError, open_store, store_path
from cimaturity.report.evidence import RunInfo

TREND_LENGTH = 30  # records shown in the sparkline (this run's score is drawn after them)
_SCAN = 1000  # records read to find those of a run without a branch (the store filters on a value)


class Direction(StrEnum):
    FIRST = "first"
    UP = "up"
    DOWN = "down"
    SAME = "same"


@dataclass(frozen=True)
class ScoreDelta:
    direction: Direction
    change: float  # this score minus the last run's, one decimal like the score (0 for a first run)
    previous: HistoryRecord | None


def score_delta(score: float, trend: Sequence[HistoryRecord]) -> ScoreDelta:
    """The change since the newest record of `trend` (oldest -> newest, this run not in it)."""
    if not trend:
        return ScoreDelta(Direction.FIRST, 0.0, None)
    previous = trend[-1]
    change = round(score - previous.score, 1)
    if change > 0:
        return ScoreDelta(Direction.UP, change, previous)
    if change < 0:
        return ScoreDelta(Direction.DOWN, change, previous)
    return ScoreDelta(Direction.SAME, 0.0, previous)


def previous_runs(
    reports_folder: Path, project: str, run: RunInfo | None, limit: int = TREND_LENGTH
) -> tuple[HistoryRecord, ...]:
    """The newest `limit` records of `project` on this run's branch (oldest -> newest), this run
    excluded; () when the folder has no store yet (none is created) or it cannot be read."""
    if limit <= 0 or not store_path(reports_folder).is_file():
        return ()
    branch = run.git_branch if run is not None else None
    current = run.run_id if run is not None else None
    try:
        with open_store(reports_folder) as store:
            # one more than needed: this run may be recorded already (a report made again)
            found = store.records(project=project, branch=branch, limit=limit + 1 if branch else _SCAN)
    except (HistoryError, OSError, sqlite3.Error):
        return ()
    same = [r for r in found if r.branch == branch and r.run_id != current]
    return tuple(same[-limit:])
