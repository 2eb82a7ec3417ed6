"""Flaky tests: a test that both passed and failed (or errored) on the same commit.

The same code giving two verdicts is the test's doing, not the change's. Records without a
commit (`git_sha` None) are left out: nothing says they ran the same code; so is a commit
recorded once (one verdict per test).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
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
    by_sha: dict[str, list[HistoryRecord]] = defaultdict(list)
    for record in records:
        if record.git_sha is not None:
            by_sha[record.git_sha].append(record)
    counts: list[tuple[str, str, int, int]] = []
    for sha, runs in by_sha.items():
        if len(runs) < 2:
            continue
        verdicts: dict[str, Counter[str]] = defaultdict(Counter)
        for run in runs:
            for test, outcome in run.tests.items():
                verdicts[test]["failed" if outcome in BROKEN else outcome] += 1
        counts.extend(
            (sha, test, tally["passed"], tally["failed"])
            for test, tally in verdicts.items()
            if tally["passed"] and tally["failed"]
        )
    return flaky_from_counts(counts)


def flaky_from_counts(counts: Iterable[tuple[str, str, int, int]]) -> tuple[FlakyTest, ...]:
    """The same from (commit, test, passes, failures) of the tests with two verdicts on a commit,
    as `HistoryStore.two_verdicts` counts them. Most flaky first (commits, then failures)."""
    shas: dict[str, list[str]] = defaultdict(list)
    passes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for sha, test, passed, failed in counts:
        shas[test].append(sha)
        passes[test] += passed
        failures[test] += failed
    found = [FlakyTest(t, tuple(sorted(s)), passes[t], failures[t]) for t, s in shas.items()]
    return tuple(sorted(found, key=lambda f: (-len(f.shas), -f.failures, f.test)))
