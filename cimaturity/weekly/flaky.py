"""Flaky tests: a test that both passed and failed (or errored) on the same commit.

The same code giving two verdicts is the test's doing, not the change's. Records without a
commit (`git_sha` None) are left out: nothing says they ran the same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from cimaturity.history.record import HistoryRecord

BROKEN = frozenset({"failed", "error"})


@dataclass(frozen=True)
class FlakyTest:
    test: str  # "check::case"
    shas: tuple[str, ...]  # the commits it both passed and failed on, sorted
    passes: int  # over those commits' records
    failures: int


def flaky_tests(records: Sequence[HistoryRecord]) -> tuple[FlakyTest, ...]:
    """Most flaky first (commits, then failures), then by name."""
    outcomes: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (test, sha) -> passes, fails
    for record in records:
        if record.git_sha is None:
            continue
        for test, outcome in record.tests.items():
            if outcome == "passed":
                outcomes[(test, record.git_sha)][0] += 1
            elif outcome in BROKEN:
                outcomes[(test, record.git_sha)][1] += 1
    found: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for (test, sha), (passes, failures) in outcomes.items():
        if passes and failures:
            found[test].append((sha, passes, failures))
    result = [
        FlakyTest(
            test,
            tuple(sorted(sha for sha, _, _ in rows)),
            sum(p for _, p, _ in rows),
            sum(f for _, _, f in rows),
        )
        for test, rows in found.items()
    ]
    return tuple(sorted(result, key=lambda f: (-len(f.shas), -f.failures, f.test)))
