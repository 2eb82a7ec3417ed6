"""SVG badges for the maturity score and the coverage, made with anybadge from the newest record
of the default branch, published with the history (`branch.push`)."""

from __future__ import annotations

from collections.abc import Sequence

import anybadge

from cimaturity.history.record import HistoryRecord

SCORE_COLOURS = {
    5: "red",
    7: "orange",
    9: "yellowgreen",
    10.01: "green",
}  # upper bounds, as anybadge reads them
COVERAGE_COLOURS = {50: "red", 70: "orange", 85: "yellowgreen", 100.01: "green"}
MAIN_BRANCHES = ("main", "master")


def badges_for(records: Sequence[HistoryRecord]) -> dict[str, str]:
    """`{"score.svg": ..., "coverage.svg": ...}` from the newest record of the main branch (else
    the newest of any); "no data" in grey when there is no record or no coverage."""
    chosen = [r for r in records if r.branch in MAIN_BRANCHES] or list(records)
    newest = chosen[-1] if chosen else None
    return {
        "score.svg": _badge("maturity", None if newest is None else newest.score, "/10", SCORE_COLOURS),
        "coverage.svg": _badge(
            "coverage", None if newest is None else newest.coverage_percent, "%", COVERAGE_COLOURS
        ),
    }


def _badge(label: str, value: float | None, suffix: str, thresholds: dict[float, str]) -> str:
    if value is None:
        return str(anybadge.Badge(label, "no data", default_color="lightgrey").badge_svg_text)
    shown = f"{value:.1f}"
    badge = anybadge.Badge(label, shown, value_suffix=suffix, thresholds=thresholds)
    return str(badge.badge_svg_text)
