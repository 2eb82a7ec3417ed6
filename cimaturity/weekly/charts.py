"""The weekly report's trend charts as PNG data URIs (matplotlib's Agg canvas, no pyplot).

Each chart draws every record (thin line) and each week (thick line, markers); a chart with
nothing to draw is a `Chart` with no image and the reason.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cimaturity.history.record import SEVERITIES
from cimaturity.report.charts import Chart
from cimaturity.weekly.trends import RecordPoint, Trends, WeekTrend

_SEVERITY_COLOURS = dict(
    zip(SEVERITIES, ("#7b1fa2", "#c62828", "#ef6c00", "#f9a825", "#90a4ae"), strict=True)
)
_LINE = "#1565c0"
_TARGET = "#c62828"
NO_HISTORY = "no history yet"


def _figure() -> tuple[Figure, Axes]:
    figure = Figure(figsize=(8, 3))
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    for axes in figure.axes:
        axes.xaxis_date()
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=80)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # matplotlib's default date epoch


def _x(times: Sequence[dt.datetime]) -> list[float]:
    """Datetimes as matplotlib's date numbers, days since its epoch (`xaxis_date` shows them as dates)."""
    return [(t - _EPOCH).total_seconds() / 86400 for t in times]


def _monday(week: WeekTrend) -> dt.datetime:
    return dt.datetime.combine(week.week.monday, dt.time(), tzinfo=dt.UTC)


def _series(
    title: str,
    trends: Trends,
    per_record: Callable[[RecordPoint], float | None] | None,
    per_week: Callable[[WeekTrend], float | None],
    ylabel: str,
    *,
    target: float | None = None,
    target_label: str = "",
) -> Chart:
    if not trends.points:
        return Chart(title, None, NO_HISTORY)
    records = [(p.at, v) for p in trends.points if (v := per_record(p) if per_record else None) is not None]
    weeks = [(_monday(w), v) for w in trends.weeks if (v := per_week(w)) is not None]
    if not records and not weeks:
        return Chart(title, None, "no record has this number")
    figure, axes = _figure()
    if records:
        axes.plot(
            _x([a for a, _ in records]),
            [v for _, v in records],
            color=_LINE,
            alpha=0.35,
            linewidth=0.8,
            label="per record",
        )
    if weeks:
        axes.plot(
            _x([a for a, _ in weeks]),
            [v for _, v in weeks],
            color=_LINE,
            marker="o",
            linewidth=2,
            label="per week",
        )
    if target is not None:
        axes.axhline(target, color=_TARGET, linestyle="--", label=target_label)
    axes.set_ylabel(ylabel)
    axes.legend(loc="best", fontsize="small")
    return Chart(title, _uri(figure))


def findings_chart(trends: Trends) -> Chart:
    title = "Open findings by severity (per record; weekly: the week's last record)"
    if not trends.points:
        return Chart(title, None, NO_HISTORY)
    figure, axes = _figure()
    times = _x([p.at for p in trends.points])
    for severity in SEVERITIES:
        values = [p.findings.get(severity, 0) for p in trends.points]
        if any(values):
            axes.plot(times, values, color=_SEVERITY_COLOURS[severity], linewidth=1, label=severity)
    mondays = _x([_monday(w) for w in trends.weeks])
    for severity in ("critical", "high"):
        weekly = [w.findings.get(severity, 0) for w in trends.weeks]
        if any(weekly):
            axes.plot(
                mondays,
                weekly,
                color=_SEVERITY_COLOURS[severity],
                marker="o",
                linestyle="",
                label=f"{severity} (week)",
            )
    axes.set_ylabel("findings")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="best", fontsize="small")
    return Chart(title, _uri(figure))


def trend_charts(trends: Trends) -> tuple[Chart, ...]:
    return (
        _series(
            "Score (0-10)",
            trends,
            lambda p: p.score,
            lambda w: w.score,
            "score",
            target=10,
            target_label="10/10",
        ),
        _series(
            "Line coverage",
            trends,
            lambda p: p.coverage,
            lambda w: w.coverage,
            "%",
            target=70,
            target_label="70% target",
        ),
        findings_chart(trends),
        _series(
            "Build duration (sum of check durations)",
            trends,
            lambda p: None if p.build_seconds is None else p.build_seconds / 60,
            lambda w: None if w.build_seconds is None else w.build_seconds / 60,
            "minutes",
            target=15,
            target_label="15 min target",
        ),
        _series(
            "Build success rate (per week)",
            trends,
            None,
            lambda w: w.success_rate,
            "%",
            target=95,
            target_label="95% target",
        ),
    )
