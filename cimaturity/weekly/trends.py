"""Trends: the numbers of each record, and of each calendar week (the data the charts draw).

A week's score, coverage and build duration are the means over its records (None when no record
of the week has one); its findings are those of its last record (the state the week ended in);
its success rate is the share of its records with checks that succeeded.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cimaturity.history.record import SEVERITIES, HistoryRecord
from cimaturity.weekly.weeks import WeekKey, moment, week_of


@dataclass(frozen=True)
class RecordPoint:
    at: dt.datetime
    score: float
    coverage: float | None
    findings: Mapping[str, int]  # severity -> count
    build_seconds: float | None  # None: no check recorded
    succeeded: bool | None  # None: no check recorded


@dataclass(frozen=True)
class WeekTrend:
    week: WeekKey
    records: int
    score: float
    coverage: float | None
    findings: Mapping[str, int]
    build_seconds: float | None
    success_rate: float | None  # percent


@dataclass(frozen=True)
class Trends:
    points: tuple[RecordPoint, ...]
    weeks: tuple[WeekTrend, ...]


def point(record: HistoryRecord) -> RecordPoint:
    has_checks = bool(record.checks)
    return RecordPoint(
        at=moment(record.recorded_at),
        score=record.score,
        coverage=record.coverage_percent,
        findings=record.findings_by_severity(),
        build_seconds=record.build_seconds if has_checks else None,
        succeeded=record.succeeded if has_checks else None,
    )


def trends(records: Sequence[HistoryRecord]) -> Trends:
    points = tuple(point(r) for r in records)
    by_week: dict[WeekKey, list[RecordPoint]] = {}
    for record, p in zip(records, points, strict=True):
        by_week.setdefault(week_of(record.recorded_at), []).append(p)
    return Trends(points, tuple(_week(week, by_week[week]) for week in sorted(by_week)))


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _week(week: WeekKey, points: Sequence[RecordPoint]) -> WeekTrend:
    outcomes = [p.succeeded for p in points if p.succeeded is not None]
    return WeekTrend(
        week=week,
        records=len(points),
        score=statistics.fmean(p.score for p in points),
        coverage=_mean([p.coverage for p in points]),
        findings=dict(points[-1].findings) if points else dict.fromkeys(SEVERITIES, 0),
        build_seconds=_mean([p.build_seconds for p in points]),
        success_rate=100 * sum(outcomes) / len(outcomes) if outcomes else None,
    )
