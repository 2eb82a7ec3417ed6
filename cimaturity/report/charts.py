"""Charts as PNG data URIs (matplotlib, Agg backend: no display, no files)."""

from __future__ import annotations

import base64
import io
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


@dataclass(frozen=True)
class Chart:
    title: str
    data_uri: str | None  # None when there is nothing to draw
    empty_reason: str = ""


def _figure(size: tuple[float, float]) -> tuple[Figure, Axes]:
    """A figure on the Agg canvas, outside pyplot: no global state, no display, cheaper to import."""
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    return figure, figure.subplots()


def _uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=80)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


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
    return Chart(title, _uri(figure))


def findings_by_tool(findings: pd.DataFrame) -> Chart:
    title = "Findings by tool and severity (suppressed ones are counted under Suppressions)"
    # An audited baseline entry or a `# nosec` is not an open finding: charting it as one would
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
    return Chart(title, _uri(figure))


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
    return Chart(title, _uri(figure))


def slowest_tests(tests: pd.DataFrame, limit: int = 15) -> Chart:
    title = f"Slowest tests (top {limit})"
    if tests.empty:
        return Chart(title, None, "no test results")
    # the time column alone is ranked (float64 by the schema): no copy of a million-row frame
    top = tests.loc[tests["time_s"].nlargest(limit).index, ["check", "case", "time_s"]]
    labels = [f"{c}: {str(case)[-50:]}" for c, case in zip(top["check"], top["case"], strict=True)]
    figure, axes = _figure((8, 0.32 * len(top) + 1))
    axes.barh(labels, top["time_s"], color="#00838f")
    axes.invert_yaxis()
    axes.set_xlabel("seconds")
    return Chart(title, _uri(figure))


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
    return Chart(title, _uri(figure))


def all_charts(score: Score, evidence: Evidence) -> tuple[Chart, ...]:
    return (
        points_by_criterion(score),
        findings_by_tool(evidence.findings),
        coverage_by_module(evidence.coverage),
        slowest_tests(evidence.tests),
        checks_gantt(evidence.checks),
    )
