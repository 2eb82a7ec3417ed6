"""The plan's METRICS TO TRACK, measured from the history against their targets.

A metric the history cannot give has no value (`value is None`) and says why: it is shown as
"no data", never as 0. Build metrics are over every record of the report's window; quality
metrics are read from the latest record.

Definitions (the history holds each check's status and duration, not start times):
- build duration: a record's `build_seconds`, the sum of its checks' durations (the time a
  sequential run takes; an upper bound of a concurrent run's wall time), averaged;
- success rate: records with no failed or errored check, of records with checks;
- time to detect failures: in a failing record, the duration of the shortest failed check (the
  checks start together, so that is when the first failure is known); the median over failing
  records;
- time from commit to feedback: in a record, the duration of its slowest check (the checks start
  together, so the whole verdict is known when the slowest ends; with fewer workers than checks
  the real wall time is longer); the median over records.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cimaturity.history.record import HistoryRecord

FAILED = frozenset({"failed", "error"})
RAN = frozenset({"passed", "failed"})  # a check whose verdict says something about its subject
SECURITY_CHECKS = frozenset({"sast", "deps", "container", "secrets", "dockerfile"})


class Unit(StrEnum):
    SECONDS = "s"
    PERCENT = "%"
    COUNT = "count"
    PER_WEEK = "per week"
    PER_MONTH = "per month"


@dataclass(frozen=True)
class Metric:
    group: str  # Build, Quality, Deployment, Developer experience (the plan's headings)
    name: str
    target: str  # as the plan words it
    value: float | None  # None: no data
    unit: Unit
    met: bool | None  # None: no data, or no target to meet
    basis: str  # how it was measured, or why there is no data

    @property
    def display(self) -> str:
        return "no data" if self.value is None else format_value(self.value, self.unit)


def format_value(value: float, unit: Unit) -> str:
    if unit is Unit.SECONDS:
        return f"{value / 60:.1f} min" if value >= 120 else f"{value:.1f} s"
    if unit is Unit.PERCENT:
        return f"{value:.1f}%"
    if unit in (Unit.PER_WEEK, Unit.PER_MONTH):
        return f"{value:.2f} {unit.value}"
    return f"{value:g}"


def metric(
    group: str,
    name: str,
    target: str,
    unit: Unit,
    value: float | None,
    meets: Callable[[float], bool] | None,
    basis: str,
) -> Metric:
    met = None if value is None or meets is None else meets(value)
    return Metric(group, name, target, value, unit, met, basis)


def build_metrics(records: Sequence[HistoryRecord]) -> list[Metric]:
    with_checks = [r for r in records if r.checks]
    none = "no data: no record with checks in this window"
    average = statistics.fmean(r.build_seconds for r in with_checks) if with_checks else None
    success = 100 * sum(r.succeeded for r in with_checks) / len(with_checks) if with_checks else None
    failing = [r for r in with_checks if not r.succeeded]
    detect = (
        statistics.median(min(c.duration_s for c in r.checks if c.status in FAILED) for r in failing)
        if failing
        else None
    )
    feedback = (
        statistics.median(max(c.duration_s for c in r.checks) for r in with_checks) if with_checks else None
    )
    n = len(with_checks)
    return [
        metric(
            "Build",
            "Average build duration",
            "< 15 min",
            Unit.SECONDS,
            average,
            lambda v: v < 15 * 60,
            f"mean over {n} records of the sum of their checks' durations" if n else none,
        ),
        metric(
            "Build",
            "Build success rate",
            "> 95%",
            Unit.PERCENT,
            success,
            lambda v: v > 95,
            f"records with no failed or errored check, of {n}" if n else none,
        ),
        metric(
            "Build",
            "Time to detect failures",
            "< 5 min",
            Unit.SECONDS,
            detect,
            lambda v: v < 5 * 60,
            f"median over {len(failing)} failing records of the shortest failed check"
            if failing
            else ("no data: no failing record in this window" if n else none),
        ),
        metric(
            "Developer experience",
            "Time from commit to feedback",
            "< 10 min",
            Unit.SECONDS,
            feedback,
            lambda v: v < 10 * 60,
            f"median over {n} records of the slowest check (checks start together)" if n else none,
        ),
    ]


def quality_metrics(latest: HistoryRecord | None) -> list[Metric]:
    if latest is None:
        return [
            metric("Quality", name, target, unit, None, None, "no data: no history yet")
            for name, target, unit in (
                ("Test coverage", ">= 70%", Unit.PERCENT),
                ("HIGH/CRITICAL findings", "0", Unit.COUNT),
                ("Type errors (files)", "0", Unit.COUNT),
                ("Linting violations", "0", Unit.COUNT),
            )
        ]
    ran = {c.name for c in latest.checks if c.status in RAN}
    severities = latest.findings_by_severity()
    security = sorted(ran & SECURITY_CHECKS)
    high = severities["critical"] + severities["high"] if security else None
    typecheck = [o for k, o in latest.tests.items() if k.startswith("typecheck::")]
    type_errors = sum(o in FAILED for o in typecheck) if "typecheck" in ran or typecheck else None
    lint = sum(f.check == "lint" for f in latest.findings) if "lint" in ran else None
    return [
        metric(
            "Quality",
            "Test coverage",
            ">= 70%",
            Unit.PERCENT,
            latest.coverage_percent,
            lambda v: v >= 70,
            "line coverage of the latest record"
            if latest.coverage_percent is not None
            else "no data: the latest record has no coverage",
        ),
        metric(
            "Quality",
            "HIGH/CRITICAL findings",
            "0",
            Unit.COUNT,
            high,
            lambda v: v == 0,
            f"unsuppressed findings of the latest record (security checks that ran: {', '.join(security)})"
            if security
            else "no data: no security check ran in the latest record",
        ),
        metric(
            "Quality",
            "Type errors (files)",
            "0",
            Unit.COUNT,
            None if type_errors is None else float(type_errors),
            lambda v: v == 0,
            "files with mypy errors in the latest record (per-file JUnit cases failed)"
            if type_errors is not None
            else "no data: typecheck did not run in the latest record",
        ),
        metric(
            "Quality",
            "Linting violations",
            "0",
            Unit.COUNT,
            None if lint is None else float(lint),
            lambda v: v == 0,
            "unsuppressed lint findings of the latest record"
            if lint is not None
            else "no data: lint did not run in the latest record",
        ),
    ]


def untracked_metrics() -> list[Metric]:
    """The plan's metrics nothing here can measure: listed, with why, never as 0."""
    return [
        metric(
            "Developer experience",
            "False positive rate",
            "< 5%",
            Unit.PERCENT,
            None,
            None,
            "no data: needs findings triaged as false positives",
        ),
        metric(
            "Developer experience",
            "Developer satisfaction",
            "survey",
            Unit.COUNT,
            None,
            None,
            "no data: a survey, not a build artifact",
        ),
    ]
