"""Charts as PNG data URIs (matplotlib, Agg backend: no display, no files).

Each image is drawn at `_DPI` and meant to be shown at half its pixels (`Chart.width` and
`height`, in CSS pixels): crisp on a high-density screen, the same size as before on any other.
"""

from __future__ import annotations

import base64
import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cimaturity.report.evidence import Evidence
from cimaturity.report.scoring import CriterionStatus, Score

_COLOURS = {
    CriterionStatus.MET: "#2e7d32",
    CriterionStatus.PARTIAL: "#f9a825",
    CriterionStatus.UNMET: "#c62828",
    CriterionStatus.NO_EVIDENCE: "#6d4c41",
    CriterionStatus.NOT_APPLICABLE: "#9e9e9e",
}
_SEVERITIES = ("critical", "high", "medium", "low", "info")
_SEVERITY_COLOURS = ("#7b1fa2", "#c62828", "#ef6c00", "#f9a825", "#90a4ae")
_STATUS_COLOURS = {"passed": "#2e7d32", "failed": "#c62828", "error": "#6d4c41", "skipped": "#9e9e9e"}
_DPI = 192  # image pixels per figure inch
_DENSITY = 2  # image pixels per CSS pixel: figures show at 96 CSS pixels per inch, the CSS inch
_SPARK_LINE = "#1565c0"
_SPARK_UP, _SPARK_DOWN = "#2e7d32", "#c62828"


@dataclass(frozen=True)
class Chart:
    title: str
    data_uri: str | None  # None when there is nothing to draw
    empty_reason: str = ""
    width: int = 0  # the size to show it at, in CSS pixels (0: unknown, shown as it comes)
    height: int = 0


def _figure(size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure on the Agg canvas, outside pyplot: no global state, no display, cheaper to import."""
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _chart(title: str, figure: Figure, *, layout: bool = True) -> Chart:
    """The figure as a PNG chart, with the CSS size it is meant to be shown at; `layout` False
    keeps the axes where the figure put them (and the background transparent)."""
    buffer = io.BytesIO()
    if layout:
        figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=_DPI, transparent=not layout)
    png = buffer.getvalue()
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk: the image's own size
    return Chart(title, uri, width=width // _DENSITY, height=height // _DENSITY)


def points_by_criterion(score: Score) -> Chart:
    title = "Points by criterion"
    results = [r for r in score.results if r.applicable]
    if not results:
        return Chart(title, None, "no applicable criterion")
    figure, axes = _figure((8, 0.32 * len(results) + 1))
    names = [r.criterion.id for r in results]
    axes.barh(names, [r.max_points for r in results], color="#e0e0e0", label="available")
    axes.barh(names, [r.points for r in results], color=[_COLOURS[r.status] for r in results], label="earned")
    axes.invert_yaxis()
    axes.set_xlabel("points")
    axes.legend(loc="lower right")
    return _chart(title, figure)


def findings_by_tool(findings: pd.DataFrame) -> Chart:
    title = "Findings by tool and severity (suppressed ones are counted under Suppressions)"
    # An audited baseline entry or a `nosec` comment is not an open finding: charting it as one would
    # paint a clean run red. The Suppressions table keeps them visible.
    findings = findings[~findings["suppressed"].astype(bool)]
    if findings.empty:
        return Chart(title, None, "no open findings")
    table = pd.crosstab(findings["tool"], findings["severity"]).reindex(
        columns=list(_SEVERITIES), fill_value=0
    )
    figure, axes = _figure((8, 0.4 * len(table) + 1.2))
    left = pd.Series(0, index=table.index)
    for severity, colour in zip(_SEVERITIES, _SEVERITY_COLOURS, strict=True):
        values = table[severity]
        if values.sum():
            axes.barh(table.index, values, left=left, color=colour, label=severity)
        left = left + values
    axes.set_xlabel("findings")
    axes.legend(loc="lower right")
    return _chart(title, figure)


def coverage_by_module(coverage: pd.DataFrame, limit: int = 25) -> Chart:
    title = "Coverage by module (least covered first)"
    if coverage.empty:
        return Chart(title, None, "no coverage report")
    frame = coverage.copy()
    frame["module"] = frame["file"].astype(str).str.rsplit("/", n=1).str[0]
    grouped = frame.groupby("module")[["statements", "missed"]].sum()
    grouped = grouped[grouped["statements"] > 0]
    grouped["percent"] = 100 * (1 - grouped["missed"] / grouped["statements"])
    grouped = grouped.sort_values("percent").head(limit)
    figure, axes = _figure((8, 0.32 * len(grouped) + 1))
    axes.barh(grouped.index, grouped["percent"], color="#1565c0")
    axes.set_xlim(0, 100)
    axes.axvline(70, color="#c62828", linestyle="--", label="70% target")
    axes.invert_yaxis()
    axes.set_xlabel("% statements covered")
    axes.legend(loc="lower right")
    return _chart(title, figure)


def _tail(text: str, length: int) -> str:
    """The end of a long test id (its most specific part), marked as cut."""
    return text if len(text) <= length else "…" + text[-(length - 1) :]


def slowest_tests(tests: pd.DataFrame, limit: int = 15) -> Chart:
    title = f"Slowest tests (top {limit})"
    if tests.empty:
        return Chart(title, None, "no test results")
    # the time column alone is ranked (float64 by the schema): no copy of a million-row frame
    top = tests.loc[tests["time_s"].nlargest(limit).index, ["check", "case", "time_s"]]
    labels = [f"{c}: {_tail(str(case), 50)}" for c, case in zip(top["check"], top["case"], strict=True)]
    figure, axes = _figure((8, 0.32 * len(top) + 1))
    axes.barh(labels, top["time_s"], color="#00838f")
    axes.invert_yaxis()
    axes.set_xlabel("seconds")
    return _chart(title, figure)


def checks_gantt(checks: pd.DataFrame) -> Chart:
    title = "Checks over the run (Gantt)"
    if checks.empty:
        return Chart(title, None, "no checks recorded")
    started = pd.to_datetime(checks["started_at"], errors="coerce", utc=True)
    if started.isna().all():
        return Chart(title, None, "no start times recorded")
    offset = (started - started.min()).dt.total_seconds().fillna(0.0)
    durations = pd.to_numeric(checks["duration_s"], errors="coerce").fillna(0.0)
    colours = [_STATUS_COLOURS.get(str(s), "#9e9e9e") for s in checks["status"]]
    figure, axes = _figure((8, 0.32 * len(checks) + 1))
    axes.barh(checks["name"].astype(str), durations.clip(lower=0.05), left=offset, color=colours)
    axes.invert_yaxis()
    axes.set_xlabel("seconds since the run started")
    return _chart(title, figure)


def score_sparkline(previous: Sequence[float], current: float) -> Chart:
    """The scores of earlier runs (oldest -> newest) then this one, as a line with no axes; the
    last point is this run, green when it went up, red when down."""
    if not previous:
        return Chart("Score trend", None, "no history yet")
    title = f"Score over the last {len(previous) + 1} runs"
    scores = [*previous, current]
    figure = Figure(figsize=(4, 0.8))
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.02, 0.1, 0.96, 0.8))
    runs = range(len(scores))
    low, high = min(scores), max(scores)
    pad = max((high - low) * 0.15, 0.25)
    axes.set_ylim(low - pad, high + pad)
    axes.set_xlim(-0.2, len(scores) - 0.8)  # room for the last marker, little before the first
    axes.fill_between(runs, scores, axes.get_ylim()[0], color=_SPARK_LINE, alpha=0.12, linewidth=0)
    axes.plot(runs, scores, color=_SPARK_LINE, linewidth=1.5)
    axes.plot(runs[:-1], scores[:-1], "o", color=_SPARK_LINE, markersize=2.5)
    change = round(current - previous[-1], 1)
    last = _SPARK_UP if change > 0 else _SPARK_DOWN if change < 0 else _SPARK_LINE
    axes.plot([runs[-1]], [current], "o", color=last, markersize=6)
    axes.set_axis_off()
    return _chart(title, figure, layout=False)


def all_charts(score: Score, evidence: Evidence) -> tuple[Chart, ...]:
    return (
        points_by_criterion(score),
        findings_by_tool(evidence.findings),
        coverage_by_module(evidence.coverage),
        slowest_tests(evidence.tests),
        checks_gantt(evidence.checks),
    )
