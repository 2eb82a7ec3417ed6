"""The weekly report's trends as one PNG data URI (matplotlib's Agg canvas, no pyplot).

One figure, five panels sharing the time axis (score, coverage, findings by severity, build
duration, success rate): each draws every record (thin line) and each week (markers, at the
week's Monday). One figure rather than five: on 10,000 records most of a chart's cost is the
figure itself (ticks, drawing, PNG encoding), paid once here.
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

TITLE = "Trends per record (thin) and per week (markers)"
NO_HISTORY = "no history yet"
_SEVERITY_COLOURS = dict(
    zip(SEVERITIES, ("#7b1fa2", "#c62828", "#ef6c00", "#f9a825", "#90a4ae"), strict=True)
)
_LINE = "#1565c0"
_TARGET = "#c62828"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # matplotlib's default date epoch


def _x(times: Sequence[dt.datetime]) -> list[float]:
    """Datetimes as matplotlib's date numbers, days since its epoch (`xaxis_date` shows them as dates)."""
    return [(t - _EPOCH).total_seconds() / 86400 for t in times]


def _monday(week: WeekTrend) -> dt.datetime:
    return dt.datetime.combine(week.week.monday, dt.time(), tzinfo=dt.UTC)


def _series(
    axes: Axes,
    title: str,
    trends: Trends,
    per_record: Callable[[RecordPoint], float | None] | None,
    per_week: Callable[[WeekTrend], float | None],
    *,
    target: float,
    target_label: str,
) -> None:
    axes.set_title(title, fontsize="medium", loc="left")
    records = [(p.at, v) for p in trends.points if (v := per_record(p) if per_record else None) is not None]
    weeks = [(_monday(w), v) for w in trends.weeks if (v := per_week(w)) is not None]
    if not records and not weeks:
        axes.text(0.5, 0.5, "no data", transform=axes.transAxes, ha="center", va="center", color="#777")
        return
    if records:
        xs, ys = _x([a for a, _ in records]), [v for _, v in records]
        axes.plot(xs, ys, color=_LINE, alpha=0.35, linewidth=0.8, label="per record")
    if weeks:
        xs, ys = _x([a for a, _ in weeks]), [v for _, v in weeks]
        axes.plot(xs, ys, color=_LINE, marker="o", linewidth=2, label="per week")
    axes.axhline(target, color=_TARGET, linestyle="--", label=target_label)
    axes.legend(loc="upper left", fontsize="x-small")


def _findings(axes: Axes, trends: Trends) -> None:
    axes.set_title("Open findings by severity (week: its last record)", fontsize="medium", loc="left")
    times = _x([p.at for p in trends.points])
    mondays = _x([_monday(w) for w in trends.weeks])
    for severity in SEVERITIES:
        values = [p.findings.get(severity, 0) for p in trends.points]
        if any(values):
            colour = _SEVERITY_COLOURS[severity]
            axes.plot(times, values, color=colour, linewidth=0.8, alpha=0.5, label=severity)
            weekly = [w.findings.get(severity, 0) for w in trends.weeks]
            axes.plot(mondays, weekly, color=colour, marker="o", linestyle="")
    if axes.get_legend_handles_labels()[0]:
        axes.legend(loc="upper left", fontsize="x-small", ncols=5)
    else:
        axes.text(
            0.5, 0.5, "no open finding", transform=axes.transAxes, ha="center", va="center", color="#777"
        )


def trend_chart(trends: Trends) -> Chart:
    if not trends.points:
        return Chart(TITLE, None, NO_HISTORY)
    figure = Figure(figsize=(9, 12))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.08, right=0.98, top=0.97, bottom=0.06, hspace=0.35)
    score, coverage, findings, build, success = figure.subplots(5, 1, sharex=True)
    _series(
        score, "Score (0-10)", trends, lambda p: p.score, lambda w: w.score, target=10, target_label="10/10"
    )
    _series(
        coverage,
        "Line coverage (%)",
        trends,
        lambda p: p.coverage,
        lambda w: w.coverage,
        target=70,
        target_label="70%",
    )
    _findings(findings, trends)
    _series(
        build,
        "Build duration (minutes, sum of check durations)",
        trends,
        lambda p: None if p.build_seconds is None else p.build_seconds / 60,
        lambda w: None if w.build_seconds is None else w.build_seconds / 60,
        target=15,
        target_label="15 min",
    )
    _series(
        success,
        "Build success rate (%, per week)",
        trends,
        None,
        lambda w: w.success_rate,
        target=95,
        target_label="95%",
    )
    success.xaxis_date()
    success.tick_params(axis="x", labelsize="small", labelrotation=20)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    return Chart(TITLE, "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"))
