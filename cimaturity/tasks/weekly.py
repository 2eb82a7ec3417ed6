"""`invoke weekly`: the weekly report of a reports folder's history (REPORTS/weekly.md, weekly.html)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from cimaturity.tasks.ci import reports_folder

if TYPE_CHECKING:
    from cimaturity.history.record import HistoryRecord
    from cimaturity.history.store import HistoryStore
    from cimaturity.weekly.flaky import FlakyTest

# The report's modules import pandas and matplotlib (a second and more): imported when the task
# runs, so that `invoke --list` and every other task start at once.


def parse_since(value: str) -> dt.datetime | None:
    """`--since` as an ISO date or time (UTC when it names no zone); "" is the whole history."""
    if not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Exit(
            f"cimaturity: --since must be an ISO date or time such as 2026-01-31, got {value!r}", code=2
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def generate(
    project: Path, reports_dir: Path, since: dt.datetime | None, *, now: dt.datetime | None = None
) -> tuple[Path, Path]:
    """Read the history, build the report, write both files; raises HistoryError, RubricError."""
    from cimaturity.history.store import HistoryStore, store_path
    from cimaturity.weekly.dora import delivery_from_env
    from cimaturity.weekly.output import write_weekly
    from cimaturity.weekly.progress import load_plan_tasks
    from cimaturity.weekly.report import build_report

    path = store_path(reports_dir)
    records: list[HistoryRecord] = []
    flaky: tuple[FlakyTest, ...] = ()
    if path.is_file():  # no store yet: an empty history, and none created by reading it
        with HistoryStore(path) as store:
            records, flaky = read_history(store, since)
    names = {r.project for r in records}
    if len(names) > 1 and project.name in names:  # a shared reports folder: this project's records
        records = [r for r in records if r.project == project.name]
    report = build_report(
        records,
        tasks=load_plan_tasks(),
        delivery=delivery_from_env(os.environ),
        since=since,
        now=now or dt.datetime.now(dt.UTC),
        project=project.name,
        flaky=flaky,
    )
    return write_weekly(report, reports_dir)


def read_history(
    store: HistoryStore, since: dt.datetime | None
) -> tuple[list[HistoryRecord], tuple[FlakyTest, ...]]:
    """Every record without its test outcomes (most of a record; the trends need none) but the
    newest (its metrics), and the flaky tests counted by the store from those outcomes."""
    from cimaturity.weekly.flaky import flaky_from_counts

    records = store.records(since=since, light=True)
    if records and (newest := store.get(records[-1].run_id)) is not None:
        records[-1] = newest
    return records, flaky_from_counts(store.two_verdicts(since))


@task(
    help={
        "since": "only records at or after this ISO date or time, e.g. 2026-01-31 (default: all)",
        "project": "the repository whose history is reported (default: this one)",
        "reports": "the reports folder: history/ is read, weekly.* written (default: PROJECT/reports)",
    }
)
def weekly(c: Context, since: str = "", project: str = ".", reports: str = "") -> None:
    """Write REPORTS/weekly.md and weekly.html from the run history.

    The plan's 20 tasks and their completion (overall, by plan week, per week of history), trends
    (score, coverage, findings, build duration, success rate), flaky tests, the plan's metrics
    against their targets, and DORA metrics (from GitHub deployments and workflow runs when
    GITHUB_REPOSITORY and GITHUB_TOKEN are set, and from the history).
    """
    from cimaturity.history.store import HistoryError
    from cimaturity.report.rubric import RubricError
    from cimaturity.weekly.progress import PlanTasksError

    start = parse_since(since)
    reports_dir = reports_folder(project, reports)
    try:
        paths = generate(Path(project).resolve(), reports_dir, start)
    except (HistoryError, RubricError, PlanTasksError) as exc:
        raise Exit(f"cimaturity weekly: {exc}", code=2) from None
    except OSError as exc:
        raise Exit(f"cimaturity weekly: cannot write the report: {exc}", code=2) from None
    for path in paths:
        print(f"wrote {path}")
