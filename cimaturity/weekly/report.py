"""The weekly report as one value: history in, every section's data out (no file is touched).

report = build_report(records, tasks=load_plan_tasks(), delivery=delivery_from_env(os.environ),
                      since=None, now=now, project="shop")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from cimaturity.history.record import HistoryRecord
from cimaturity.report.charts import Chart
from cimaturity.weekly.charts import trend_chart
from cimaturity.weekly.dora import DeliverySource, Dora, dora
from cimaturity.weekly.flaky import FlakyTest, flaky_tests
from cimaturity.weekly.metrics import Metric, build_metrics, quality_metrics, untracked_metrics
from cimaturity.weekly.progress import PlanTask, Progress, WeekProgress, progress_of, weekly_progress
from cimaturity.weekly.trends import Trends, trends

FORMAT_VERSION = 1


@dataclass(frozen=True)
class WeeklyReport:
    project: str
    generated_at: dt.datetime
    since: dt.datetime | None
    records: int
    first_recorded_at: str | None
    last_recorded_at: str | None
    projects: tuple[str, ...]  # the project names the records carry
    tasks: tuple[PlanTask, ...]
    progress: Progress | None  # None: no history yet
    weeks: tuple[WeekProgress, ...]
    trends: Trends
    charts: tuple[Chart, ...]
    flaky: tuple[FlakyTest, ...]
    metrics: tuple[Metric, ...]
    dora: Dora

    @property
    def empty(self) -> bool:
        return self.records == 0


def build_report(
    records: Sequence[HistoryRecord],
    *,
    tasks: Sequence[PlanTask],
    delivery: DeliverySource | str,
    since: dt.datetime | None,
    now: dt.datetime,
    project: str,
    charts: bool = True,
    flaky: tuple[FlakyTest, ...] | None = None,
) -> WeeklyReport:
    """`flaky`: already counted (by the store, over records read without their test outcomes);
    else found in `records`."""
    latest = records[-1] if records else None
    data = trends(records)
    return WeeklyReport(
        project=project,
        generated_at=now,
        since=since,
        records=len(records),
        first_recorded_at=records[0].recorded_at if records else None,
        last_recorded_at=latest.recorded_at if latest else None,
        projects=tuple(sorted({r.project for r in records})),
        tasks=tuple(tasks),
        progress=progress_of(tasks, latest) if latest else None,
        weeks=weekly_progress(tasks, records),
        trends=data,
        charts=(trend_chart(data),) if charts else (),
        flaky=flaky_tests(records) if flaky is None else flaky,
        metrics=(*build_metrics(records), *quality_metrics(latest), *untracked_metrics()),
        dora=dora(delivery, records, since=since, now=now),
    )
