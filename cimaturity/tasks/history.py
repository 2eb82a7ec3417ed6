"""`invoke history`: the scored runs of a reports folder's history store, newest last."""

from __future__ import annotations

import json
from collections.abc import Sequence

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from cimaturity.history.record import SEVERITIES, HistoryRecord
from cimaturity.history.store import HistoryError, HistoryStore, store_path
from cimaturity.tasks.ci import reports_folder

DEFAULT_LIMIT = 20
HEADERS = ("recorded at", "sha", "branch", "score", "coverage", "findings C/H/M/L/I", "checks failed")


def parse_limit(value: str) -> int | None:
    """`--limit` as text (a typo must be one line, not invoke's traceback); 0 means every record."""
    if not value.isdigit():
        raise Exit(f"cimaturity: --limit must be a whole number (0: all), got {value!r}", code=2)
    return int(value) or None


def row(record: HistoryRecord) -> tuple[str, ...]:
    """One record as the table shows it."""
    severities = record.findings_by_severity()
    failed = sum(1 for check in record.checks if check.status in ("failed", "error"))
    return (
        record.recorded_at,
        (record.git_sha or "-")[:7],
        record.branch or "-",
        f"{record.score:.1f}",
        "-" if record.coverage_percent is None else f"{record.coverage_percent:.1f}%",
        "/".join(str(severities[severity]) for severity in SEVERITIES),
        f"{failed}/{len(record.checks)}",
    )


def table(records: Sequence[HistoryRecord]) -> str:
    rows = [HEADERS, *(row(record) for record in records)]
    widths = [max(len(cells[i]) for cells in rows) for i in range(len(HEADERS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in rows
    )


@task(
    help={
        "project": "the repository whose history is shown (default: this one)",
        "reports": "the reports folder holding history/history.sqlite3 (default: PROJECT/reports)",
        "limit": f"how many of the newest records to show (default: {DEFAULT_LIMIT}; 0: all)",
        "json": "print each record whole, as JSON lines (the format of the history branch)",
    }
)
def history(
    c: Context, project: str = ".", reports: str = "", limit: str = str(DEFAULT_LIMIT), json: bool = False
) -> None:
    """List the recorded runs (every `invoke ci` and `invoke report` appends one), newest last.

    Columns: when, commit, branch, score, line coverage, unsuppressed findings by severity
    (critical/high/medium/low/info) and failed-or-errored checks of all checks run.
    """
    path = store_path(reports_folder(project, reports))
    count = parse_limit(limit)
    if not path.is_file():
        print(f"no history yet: {path} does not exist (`invoke ci` or `invoke report` records one)")
        return
    try:
        with HistoryStore(path) as store:
            records = store.records(limit=count)
    except HistoryError as exc:
        raise Exit(f"cimaturity history: {exc}", code=2) from None
    if json:
        for record in records:
            print(_dumps(record))
    elif records:
        print(table(records))
    else:
        print(f"no records in {path}")


def _dumps(record: HistoryRecord) -> str:
    return json.dumps(record.to_json(), separators=(",", ":"))
