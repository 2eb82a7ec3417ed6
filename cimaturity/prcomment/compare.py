"""What changed between the base's record and this run's: the facts the comment and the gate use.

Findings are matched by fingerprint (the tool's SARIF fingerprints, else partial fingerprints,
else tool, rule, file and message: never the line), so code that moved is not "new". A test
newly fails when it fails now and did not fail on the base (a new failing test counts).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from cimaturity.history.record import FindingRecord, HistoryRecord

FAILING = frozenset({"failed", "error"})
MIN_P95_ALLOWANCE = 0.20  # shared runners: at least 20% of the base's p95 is noise, not a regression


@dataclass(frozen=True)
class Comparison:
    current: HistoryRecord
    base: HistoryRecord | None  # None: a first run, nothing to compare with
    new_findings: tuple[FindingRecord, ...]
    fixed_findings: tuple[FindingRecord, ...]
    old_findings: tuple[FindingRecord, ...]  # still there: listed apart, never blamed on this change
    newly_failing: tuple[str, ...]
    still_failing: tuple[str, ...]
    new_vulnerabilities: tuple[str, ...]
    p95_allowance_ms: float | None  # how much p95 may grow before it counts as a regression

    @property
    def score_delta(self) -> float | None:
        return None if self.base is None else round(self.current.score - self.base.score, 2)

    @property
    def coverage_delta(self) -> float | None:
        if self.base is None or self.base.coverage_percent is None or self.current.coverage_percent is None:
            return None
        return round(self.current.coverage_percent - self.base.coverage_percent, 2)

    @property
    def p95_delta_ms(self) -> float | None:
        if self.base is None or self.base.p95_ms is None or self.current.p95_ms is None:
            return None
        return round(self.current.p95_ms - self.base.p95_ms, 1)


def compare(
    current: HistoryRecord, base: HistoryRecord | None, base_history: Sequence[HistoryRecord] = ()
) -> Comparison:
    """`base_history`: earlier records of the base branch, whose spread of p95 sets the noise."""
    if base is None:  # a first run: everything there is "old", nothing is blamed on the change
        failing = tuple(sorted(test for test, outcome in current.tests.items() if outcome in FAILING))
        return Comparison(current, None, (), (), current.findings, (), failing, (), None)
    before = {finding.fingerprint for finding in base.findings}
    now = {finding.fingerprint for finding in current.findings}
    failing_now = sorted(test for test, outcome in current.tests.items() if outcome in FAILING)
    failing_before = {test for test, outcome in base.tests.items() if outcome in FAILING}
    return Comparison(
        current=current,
        base=base,
        new_findings=tuple(f for f in current.findings if f.fingerprint not in before),
        fixed_findings=tuple(f for f in base.findings if f.fingerprint not in now),
        old_findings=tuple(f for f in current.findings if f.fingerprint in before),
        newly_failing=tuple(test for test in failing_now if test not in failing_before),
        still_failing=tuple(test for test in failing_now if test in failing_before),
        new_vulnerabilities=tuple(v for v in current.vulnerabilities if v not in set(base.vulnerabilities)),
        p95_allowance_ms=_p95_allowance(base, base_history),
    )


def _p95_allowance(base: HistoryRecord | None, history: Sequence[HistoryRecord]) -> float | None:
    """The base's recorded spread of p95 (twice the standard deviation of its recent runs), and
    never less than 20% of the base's p95: a change is not failed on a shared runner's noise."""
    if base is None or base.p95_ms is None:
        return None
    recent = [record.p95_ms for record in history if record.p95_ms is not None][-10:]
    spread = 2 * statistics.stdev(recent) if len(recent) >= 3 else 0.0
    return round(max(spread, MIN_P95_ALLOWANCE * base.p95_ms), 1)
