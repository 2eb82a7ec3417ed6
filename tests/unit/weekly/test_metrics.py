"""The plan's metrics against their targets; a metric without data is "no data", never 0."""

from __future__ import annotations

import datetime as dt

import pytest

from cimaturity.weekly.metrics import Metric, build_metrics, quality_metrics, untracked_metrics
from tests.unit.weekly._history import MONDAY, record


def by_name(metrics: list[Metric]) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


def at(hours: int) -> dt.datetime:
    return MONDAY + dt.timedelta(hours=hours)


def test_build_metrics_from_check_durations() -> None:
    records = [
        record(at(0), checks=[("lint", "passed", 60.0), ("test", "failed", 300.0)]),
        record(at(1), checks=[("lint", "passed", 30.0), ("test", "passed", 90.0)]),
        record(at(2), checks=[("lint", "failed", 10.0), ("test", "failed", 400.0), ("sast", "error", 5.0)]),
        record(at(3), checks=[]),  # a report without a run: left out of every build metric
    ]
    found = by_name(build_metrics(records))
    assert found["Average build duration"].value == pytest.approx((360 + 120 + 415) / 3)
    assert found["Average build duration"].met is True
    assert found["Build success rate"].value == pytest.approx(100 / 3)
    assert found["Build success rate"].met is False
    assert found["Time to detect failures"].value == pytest.approx((300 + 5) / 2)  # shortest failed check
    assert found["Time from commit to feedback"].value == 300.0  # median of the slowest checks 300, 90, 400
    assert found["Time from commit to feedback"].display == "5.0 min"


def test_slow_builds_miss_their_targets() -> None:
    slow = [record(at(0), checks=[("test", "passed", 16 * 60.0)])]
    found = by_name(build_metrics(slow))
    assert found["Average build duration"].met is False
    assert found["Time from commit to feedback"].met is False
    assert found["Build success rate"].value == 100.0


def test_no_data_is_never_zero() -> None:
    metrics = [*build_metrics([]), *quality_metrics(None), *untracked_metrics()]
    assert metrics
    for metric in metrics:
        assert metric.value is None, metric.name
        assert metric.display == "no data"
        assert metric.met is None
        assert metric.basis.startswith("no data"), metric.name


def test_quality_no_data_when_the_check_did_not_run() -> None:
    latest = record(at(0), coverage=None, checks=[("test", "passed", 1.0), ("lint", "skipped", 0.0)])
    found = by_name(quality_metrics(latest))
    for name in ("Test coverage", "HIGH/CRITICAL findings", "Type errors (files)", "Linting violations"):
        assert found[name].value is None, name
        assert found[name].display == "no data"


def test_quality_counts_when_the_checks_ran() -> None:
    latest = record(
        at(0),
        coverage=72.5,
        checks=[("lint", "failed", 1.0), ("typecheck", "failed", 1.0), ("sast", "failed", 1.0)],
        tests={"typecheck::app/a.py": "failed", "typecheck::app/b.py": "passed", "test::t": "failed"},
        findings=[
            ("sast", "high"),
            ("sast", "critical"),
            ("sast", "low"),
            ("lint", "medium"),
            ("lint", "low"),
        ],
    )
    found = by_name(quality_metrics(latest))
    assert (found["Test coverage"].value, found["Test coverage"].met) == (72.5, True)
    assert (found["HIGH/CRITICAL findings"].value, found["HIGH/CRITICAL findings"].met) == (2, False)
    assert (found["Type errors (files)"].value, found["Type errors (files)"].met) == (1, False)
    assert (found["Linting violations"].value, found["Linting violations"].met) == (2, False)


def test_a_clean_run_is_zero_and_met() -> None:
    latest = record(
        at(0), checks=[("lint", "passed", 1.0), ("typecheck", "passed", 1.0), ("deps", "passed", 1.0)]
    )
    found = by_name(quality_metrics(latest))
    for name in ("HIGH/CRITICAL findings", "Type errors (files)", "Linting violations"):
        assert (found[name].value, found[name].display, found[name].met) == (0, "0", True), name
