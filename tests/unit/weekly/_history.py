"""History records for the weekly report's tests: a record is its time, which rubric criteria are
met or partial (every other one unmet), and what its checks and tests said."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from cimaturity.history.record import CheckRecord, FindingRecord, HistoryRecord
from cimaturity.report.rubric import PLAN, load_rubric

CRITERIA = tuple(c.id for c in load_rubric(PLAN).criteria)
MONDAY = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)  # ISO week 2026-W02


def record(
    at: dt.datetime,
    *,
    met: Iterable[str] = (),
    partial: Iterable[str] = (),
    run_id: str | None = None,
    project: str = "shop",
    sha: str | None = "a" * 40,
    branch: str | None = "main",
    score: float = 5.0,
    coverage: float | None = 50.0,
    checks: Iterable[tuple[str, str, float]] = (("lint", "passed", 10.0), ("test", "passed", 60.0)),
    tests: Mapping[str, str] | None = None,
    findings: Iterable[tuple[str, str]] = (),  # (check, severity)
) -> HistoryRecord:
    met, partial = set(met), set(partial)
    unknown = (met | partial) - set(CRITERIA)
    assert not unknown, f"not criteria of the plan rubric: {unknown}"
    status = {c: "met" if c in met else "partial" if c in partial else "unmet" for c in CRITERIA}
    return HistoryRecord(
        run_id=run_id or f"run-{at.isoformat()}",
        recorded_at=at.isoformat(),
        project=project,
        git_sha=sha,
        branch=branch,
        base_sha=None,
        score=score,
        points=score * 5,
        max_points=50.0,
        criteria={c: 1.0 if s == "met" else 0.0 for c, s in status.items()},
        criteria_status=status,
        coverage_percent=coverage,
        findings=tuple(
            FindingRecord(f"fp-{i}", check, "tool", f"R{i}", severity, "app/x.py", i, "message")
            for i, (check, severity) in enumerate(findings)
        ),
        tests=dict(tests or {}),
        checks=tuple(CheckRecord(name, status_, duration) for name, status_, duration in checks),
    )


# The eight-week plan: the criteria met by the last record of each week (cumulative).
MET_BY_WEEK: tuple[frozenset[str], ...] = ()
_steps = (
    {"security_gates", "container_scanning"},  # 1.1, 1.2 (and 4.1: security_gates proves it too)
    {"type_checking"},  # 1.3 (coverage partial: 1.4 in progress)
    {"coverage", "branch_protection"},  # 1.4, 5.1
    {"integration", "migrations"},  # 2.1, 2.3
    {"e2e", "deployment_validation"},  # 2.2, 2.4
    {"performance", "api_contract", "lint"},  # 3.1, 3.2 (5.4 in progress: lint met, local_validation not)
    {"staging", "secrets_history", "unit_tests"},  # 3.3, 3.4, 4.4
    {"documentation", "local_validation"},  # 5.3, 5.4
)
_acc: set[str] = set()
for _step in _steps:
    _acc |= _step
    MET_BY_WEEK += (frozenset(_acc),)


def eight_weeks() -> list[HistoryRecord]:
    """Two records a week for eight weeks: on Monday still the previous week's state, on Friday
    the week's (so a report reading the week's first record instead of its last is caught)."""
    records = []
    for week, met in enumerate(MET_BY_WEEK):
        monday = MONDAY + dt.timedelta(weeks=week)
        before = MET_BY_WEEK[week - 1] if week else frozenset()
        records.append(record(monday, met=before, sha=f"{week:02d}" + "a" * 38))
        partial = {"coverage"} if "coverage" not in met else set()
        records.append(
            record(monday + dt.timedelta(days=4), met=met, partial=partial, sha=f"{week:02d}" + "b" * 38)
        )
    return records
