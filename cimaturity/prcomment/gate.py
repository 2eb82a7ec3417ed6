"""Hold the line: a change may not make things worse, even while old problems remain.

It fails when the score drops below the base's, when the change brings a new finding, a newly
failing test or a new vulnerability, or when p95 grows past the base's recorded noise. What was
already wrong on the base is listed apart and never fails the change. A first run, with no base
record, says so and passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from cimaturity.prcomment.compare import Comparison

SCORE_EPSILON = 0.005  # scores are rounded to 2 places: a drop must be a real one


@dataclass(frozen=True)
class GateResult:
    failures: tuple[str, ...]  # one line each: why the change does not hold the line
    notes: tuple[str, ...]  # said, not failed on (a first run, noise within the allowance)

    @property
    def ok(self) -> bool:
        return not self.failures


def hold_the_line(comparison: Comparison) -> GateResult:
    base = comparison.base
    if base is None:
        return GateResult((), ("first run: no base record to compare with, so nothing is held yet",))
    failures: list[str] = []
    notes: list[str] = []
    delta = comparison.score_delta
    if delta is not None and delta < -SCORE_EPSILON:
        failures.append(f"score dropped {base.score:.1f} -> {comparison.current.score:.1f} ({delta:+.2f})")
    if comparison.new_findings:
        first = comparison.new_findings[0]
        failures.append(
            f"{len(comparison.new_findings)} new finding(s), first: {first.tool} {first.rule} {first.file}"
        )
    if comparison.newly_failing:
        failures.append(
            f"{len(comparison.newly_failing)} test(s) newly failing, first: {comparison.newly_failing[0]}"
        )
    if comparison.new_vulnerabilities:
        failures.append(
            f"{len(comparison.new_vulnerabilities)} new vulnerabilit(ies), first: "
            f"{comparison.new_vulnerabilities[0]}"
        )
    grown, allowance = comparison.p95_delta_ms, comparison.p95_allowance_ms
    if grown is not None and allowance is not None:
        if grown > allowance:
            failures.append(f"p95 grew {grown:+.0f} ms, past the base's noise allowance ({allowance:.0f} ms)")
        elif grown > 0:
            notes.append(f"p95 {grown:+.0f} ms is within the base's noise allowance of {allowance:.0f} ms")
    return GateResult(tuple(failures), tuple(notes))
