"""Flaky tests: passed and failed on the same commit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import open_store
from cimaturity.weekly.flaky import FlakyTest, flaky_from_counts, flaky_tests
from tests.unit.weekly._history import MONDAY, record

A, B = "a" * 40, "b" * 40


def at(hours: int) -> dt.datetime:
    return MONDAY + dt.timedelta(hours=hours)


def history() -> list[HistoryRecord]:
    return [
        record(
            at(0),
            sha=A,
            tests={"test::x": "passed", "test::y": "failed", "test::z": "passed", "e2e::w": "skipped"},
        ),
        record(
            at(1),
            sha=A,
            tests={"test::x": "failed", "test::y": "failed", "test::z": "error", "e2e::w": "passed"},
        ),
        record(at(2), sha=A, tests={"test::x": "failed"}),
        record(
            at(3), sha=B, tests={"test::y": "passed", "test::x": "passed"}
        ),  # y fixed by commit B: not flaky
        record(at(4), sha=B, tests={"test::x": "failed"}),
        # no commit: nothing says these two ran the same code
        record(at(5), sha=None, tests={"test::v": "passed"}),
        record(at(6), sha=None, tests={"test::v": "failed"}),
    ]


EXPECTED = (
    FlakyTest("test::x", (A, B), passes=2, failures=3),
    FlakyTest("test::z", (A,), passes=1, failures=1),
)


def test_only_two_verdicts_on_one_commit_are_flaky() -> None:
    assert flaky_tests(history()) == EXPECTED


def test_the_store_counts_the_same_flaky_tests_without_building_records(tmp_path: Path) -> None:
    with open_store(tmp_path / "reports") as store:
        for item in history():
            store.append(item)
        assert flaky_from_counts(store.two_verdicts()) == EXPECTED
        assert flaky_from_counts(store.two_verdicts(since=at(3))) == (FlakyTest("test::x", (B,), 1, 1),)
        light = store.records(light=True)
    assert len(light) == 7 and all(r.tests == {} for r in light)  # the outcomes stayed in SQLite


def test_no_flaky_test_in_a_steady_history() -> None:
    steady = [record(at(h), sha=A, tests={"test::x": "passed", "test::y": "failed"}) for h in range(3)]
    assert flaky_tests(steady) == ()
    assert flaky_tests([]) == ()
