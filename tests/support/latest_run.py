"""A reports folder whose latest completed run is the run of a given history record (what the
PR comment reads), for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

from cimaturity import runs
from cimaturity.history.record import HistoryRecord
from cimaturity.model import CheckResult, Stage, Status
from cimaturity.runfile import GitInfo, RunRecord, write_run


def make_latest_run(project: Path, record: HistoryRecord) -> Path:
    """`project/reports/latest` -> a completed run with `record`'s id, commit and branch."""
    reports = project / "reports"
    runs.prepare(reports)
    folder = runs.run_folder(reports, record.run_id)
    folder.mkdir(parents=True)
    result = CheckResult("lint", Stage.FAST, Status.PASSED, "ok", record.recorded_at, 1.0)
    git = GitInfo(record.git_sha, record.branch, False)
    write_run(
        folder / "run.json",
        RunRecord(record.run_id, str(project), "full", 1, git, "a", "b", 1.0, "0", (result,)),
    )
    runs.switch_latest(reports, folder)
    return folder
