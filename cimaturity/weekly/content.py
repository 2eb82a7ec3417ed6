"""The report's words and tables, once: the Markdown and HTML renderers only lay them out.

Every section of a report with no history says "no history yet" (DORA still shows what GitHub
answers: deployments do not need a history).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cimaturity.history.record import SEVERITIES
from cimaturity.report.charts import Chart
from cimaturity.weekly.metrics import Metric, Unit, format_value
from cimaturity.weekly.progress import (
    PLAN_CLAIMED_PRIORITIES,
    PLAN_CLAIMED_TOTAL,
    PLAN_CLAIMED_WEEKS,
    PRIORITIES,
    WEEK_LABELS,
    WEEKS,
    GroupCount,
    TaskState,
)
from cimaturity.weekly.report import WeeklyReport

NO_HISTORY = "no history yet"
NO_DATA = "no data"


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[tuple[str, Table], ...] = ()  # (caption, table)
    charts: tuple[Chart, ...] = ()  # HTML only; Markdown points to weekly.html


@dataclass(frozen=True)
class Document:
    title: str
    summary: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)


def discrepancy(report: WeeklyReport) -> str:
    total = len(report.tasks)
    claimed = ", ".join(f"{n} {p}" for p, n in PLAN_CLAIMED_PRIORITIES.items())
    return (
        f"The plan's PROGRESS TRACKING counts {PLAN_CLAIMED_TOTAL} tasks ({claimed}; weeks of "
        f"{'/'.join(str(n) for n in PLAN_CLAIMED_WEEKS.values())}), but its sections define {total} "
        "(1.1-5.4, four per section). The report tracks those; none is invented. Priorities are "
        "each task's own marker (1.1-1.3 stand under CRITICAL but say HIGH; 2.4 under HIGH says "
        "MEDIUM); the configuration tasks 5.1-5.4 are their own group (the Quick Start puts 5.1 and "
        "5.2 in week 1)."
    )


def _count(group: GroupCount) -> str:
    return f"{group.done}/{group.total} ({group.percent:.0f}%)"


def progress_section(report: WeeklyReport) -> Section:
    title = "Plan progress"
    if report.progress is None:
        return Section(title, (NO_HISTORY, discrepancy(report)))
    progress = report.progress
    priorities = progress.by_priority()
    overall = Table(
        ("", "this report", "the plan's summary says"),
        (
            ("Total tasks", str(len(progress.tasks)), str(PLAN_CLAIMED_TOTAL)),
            *(
                (p.capitalize(), str(priorities[p].total), str(PLAN_CLAIMED_PRIORITIES[p]))
                for p in PRIORITIES
            ),
            ("Completed", str(progress.count(TaskState.DONE)), "0"),
            ("In progress", str(progress.count(TaskState.IN_PROGRESS)), "0"),
            ("Not started", str(progress.count(TaskState.NOT_STARTED)), "-"),
            ("No evidence (no criterion proves it)", str(progress.count(TaskState.NO_EVIDENCE)), "-"),
            ("Blocked", NO_DATA, "0"),
        ),
    )
    weeks = progress.by_week()
    by_week = Table(
        ("week", "done", "tasks the plan counts"),
        tuple((WEEK_LABELS[w], _count(weeks[w]), str(PLAN_CLAIMED_WEEKS.get(w, "-"))) for w in WEEKS),
    )
    tasks = Table(
        ("task", "title", "priority", "week", "state", "proved by (status in the latest record)", "note"),
        tuple(
            (
                s.task.id,
                s.task.title,
                s.task.priority,
                s.task.week,
                s.state.value,
                ", ".join(f"{c} ({st})" for c, st in s.criteria.items()) or "no criterion",
                s.task.note,
            )
            for s in progress.tasks
        ),
    )
    history = Table(
        ("week of history", "as of", *(WEEK_LABELS[w] for w in WEEKS), "all"),
        tuple(
            (
                wp.week.label,
                wp.progress.recorded_at,
                *(_count(g) for g in wp.progress.by_week().values()),
                f"{wp.progress.count(TaskState.DONE)}/{len(wp.progress.tasks)}",
            )
            for wp in report.weeks
        ),
    )
    rule = (
        "A task is done when every rubric criterion proving it (the plan rubric's `plan_tasks`) is "
        f"met in the latest record ({progress.recorded_at}), in progress when some are met or "
        "partial, not started otherwise; a task no criterion proves is 'no evidence', never done."
    )
    return Section(
        title,
        (discrepancy(report), rule),
        (
            ("Overall Status", overall),
            ("By Week", by_week),
            ("Tasks", tasks),
            ("By week of history (as of each week's last record)", history),
        ),
    )


def _opt(value: float | None, unit: Unit) -> str:
    return NO_DATA if value is None else format_value(value, unit)


def trends_section(report: WeeklyReport) -> Section:
    title = "Trends"
    if report.empty:
        return Section(title, (NO_HISTORY,))
    table = Table(
        (
            "week",
            "records",
            "score",
            "coverage",
            "findings " + "/".join(s[0].upper() for s in SEVERITIES),
            "build",
            "success",
        ),
        tuple(
            (
                w.week.label,
                str(w.records),
                f"{w.score:.2f}",
                _opt(w.coverage, Unit.PERCENT),
                "/".join(str(w.findings.get(s, 0)) for s in SEVERITIES),
                _opt(w.build_seconds, Unit.SECONDS),
                _opt(w.success_rate, Unit.PERCENT),
            )
            for w in report.trends.weeks
        ),
    )
    note = (
        "Per week: mean score, coverage and build duration of its records; findings of its last "
        "record; share of its records whose checks all passed."
    )
    return Section(title, (note,), (("By week", table),), report.charts)


def flaky_section(report: WeeklyReport) -> Section:
    title = "Flaky tests"
    if report.empty:
        return Section(title, (NO_HISTORY,))
    rule = "Tests that both passed and failed (or errored) on the same commit."
    if not report.flaky:
        return Section(title, (rule, f"None in {report.records} records."))
    table = Table(
        ("test", "commits", "passes", "failures"),
        tuple(
            (f.test, ", ".join(s[:12] for s in f.shas), str(f.passes), str(f.failures)) for f in report.flaky
        ),
    )
    return Section(title, (rule,), (("", table),))


def _metric_rows(metrics: Sequence[Metric]) -> tuple[tuple[str, ...], ...]:
    def verdict(m: Metric) -> str:
        return "-" if m.met is None else ("met" if m.met else "not met")

    return tuple((m.group, m.name, m.target, m.display, verdict(m), m.basis) for m in metrics)


_METRIC_HEADERS = ("group", "metric", "target", "value", "verdict", "how")


def metrics_section(report: WeeklyReport) -> Section:
    title = "Metrics to track"
    if report.empty:
        return Section(title, (NO_HISTORY,))
    deployment = "Deployment metrics (frequency, success rate, time to restore, rollbacks): see DORA."
    return Section(title, (deployment,), (("", Table(_METRIC_HEADERS, _metric_rows(report.metrics))),))


def dora_section(report: WeeklyReport) -> Section:
    title = "DORA"
    paragraphs = (NO_HISTORY,) if report.empty else ()
    return Section(
        title,
        paragraphs,
        (
            (
                "From GitHub (deployments and workflow runs)",
                Table(_METRIC_HEADERS, _metric_rows(report.dora.github)),
            ),
            ("From the history", Table(_METRIC_HEADERS, _metric_rows(report.dora.history))),
        ),
    )


def document(report: WeeklyReport) -> Document:
    window = f"since {report.since.isoformat()}" if report.since else "the whole history"
    if report.empty:
        summary: tuple[str, ...] = (
            f"Generated {report.generated_at.isoformat(timespec='seconds')}; {window}: {NO_HISTORY}.",
        )
    else:
        summary = (
            f"Generated {report.generated_at.isoformat(timespec='seconds')}; {window}: {report.records} "
            f"records, {report.first_recorded_at} to {report.last_recorded_at}.",
        )
        if len(report.projects) > 1:
            summary += (f"The history holds several projects: {', '.join(report.projects)}.",)
    return Document(
        f"Weekly CI/CD report: {report.project}",
        summary,
        (
            progress_section(report),
            trends_section(report),
            flaky_section(report),
            metrics_section(report),
            dora_section(report),
        ),
    )
