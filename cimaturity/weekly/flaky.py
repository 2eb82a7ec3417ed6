"""Flaky tests: a test that both passed and failed (or errored) on the same commit.

The same code giving two verdicts is the test's doing, not the change's. Records without a
commit (`git_sha` None) are left out: nothing says they ran the same code; so is a commit
recorded once (one verdict per test).
"""

from __future__ import annotations

from collections import Counter, defaultdict
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
    by_sha: dict[str, list[HistoryRecord]] = defaultdict(list)
    for record in records:
        if record.git_sha is not None:
            by_sha[record.git_sha].append(record)
    shas: dict[str, list[str]] = defaultdict(list)
    passes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for sha, runs in by_sha.items():
        if len(runs) < 2:
            continue
        passed = [{t for t, o in r.tests.items() if o == "passed"} for r in runs]
        broken = [{t for t, o in r.tests.items() if o in BROKEN} for r in runs]
        flaky = set().union(*passed) & set().union(*broken)
        for test in flaky:
            shas[test].append(sha)
            passes[test] += sum(test in p for p in passed)
            failures[test] += sum(test in b for b in broken)
    found = [FlakyTest(t, tuple(sorted(s)), passes[t], failures[t]) for t, s in shas.items()]
    return tuple(sorted(found, key=lambda f: (-len(f.shas), -f.failures, f.test)))
