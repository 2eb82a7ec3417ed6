"""A check's own gate decides what its artifacts are worth (issue 8: "the report scored a refused
run as met").

Each case is a small Evidence: the check's status as run.json records it, and an artifact that on
its own would look clean.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cimaturity.report.evidence import Evidence
from cimaturity.report.rubric import load_rubric
from cimaturity.report.rules import RULES, RuleOutcome, RuleStatus
from cimaturity.report.scoring import evaluate_criterion

from . import _report_fixtures as fx


def _apply(criterion: str, name: str, root: Path, ev: Evidence) -> RuleOutcome:
    use = next(use for use in load_rubric().criterion(criterion).rules if use.name == name)
    return RULES[use.name].fn(fx.context(root, ev), use.params)


# --- the four cases of the issue -----------------------------------------------------------

INTERNALERROR = "pytest exited 1 but junit.xml records no failed test (INTERNALERROR, see log.txt)"


def test_pytest_internalerror_with_a_clean_junit_file_scores_neither_tests_nor_coverage(
    tmp_path: Path,
) -> None:
    ev = fx.evidence(
        checks=fx.checks(("test", "error", INTERNALERROR)),
        tests=fx.tests_frame("test", passed=41),
        coverage=fx.coverage(("app/a.py", 100, 5)),
        coverage_percent=95.0,
    )
    refused = RuleOutcome.no_evidence(
        f"`test` errored: {INTERNALERROR}", "fix the `test` check so it can run"
    )
    assert _apply("unit_tests", "tests_passed", tmp_path, ev) == refused
    assert _apply("unit_tests", "skipped_tests_at_most", tmp_path, ev) == refused
    assert _apply("coverage", "coverage_at_least", tmp_path, ev) == refused


def test_schemathesis_error_with_a_clean_junit_file_is_no_contract_evidence(tmp_path: Path) -> None:
    reason = "schemathesis exited 1 but junit.xml records no failure; see log.txt"
    ev = fx.evidence(
        checks=fx.checks(("contract", "error", reason)), tests=fx.tests_frame("contract", passed=2)
    )
    assert _apply("api_contract", "tests_passed", tmp_path, ev) == RuleOutcome.no_evidence(
        f"`contract` errored: {reason}", "fix the `contract` check so it can run"
    )


def test_locust_timing_out_partway_leaves_no_performance_evidence(tmp_path: Path) -> None:
    reason = "locust timed out after 60s"
    ev = fx.evidence(checks=fx.checks(("performance", "error", reason)), performance=fx.performance(120, 400))
    assert _apply("performance", "performance_within", tmp_path, ev) == RuleOutcome.no_evidence(
        f"`performance` errored: {reason}", "fix the `performance` check so it can run"
    )


def test_a_stats_file_with_zero_requests_is_no_performance_evidence(tmp_path: Path) -> None:
    """Locust writes `nan` percentiles when nothing was requested: no latency was measured."""
    ev = fx.evidence(
        checks=fx.checks(("performance", "passed", "Locust 20 users 20 s")),
        performance=fx.performance(math.nan, math.nan, requests=0),
    )
    assert _apply("performance", "performance_within", tmp_path, ev) == RuleOutcome.no_evidence(
        "0 requests in the load test: no latency measured",
        "a load test that sends requests (Locust stats CSV from the `performance` check)",
    )


# --- the general rule behind them --------------------------------------------------------------


def test_a_failed_test_gate_caps_clean_unit_tests_and_coverage_at_half(tmp_path: Path) -> None:
    reason = "41 of 41 tests passed; coverage 80.0% under the ratchet 85%"
    ev = fx.evidence(
        checks=fx.checks(("test", "failed", reason)),
        tests=fx.tests_frame("test", passed=41),
        coverage_percent=80.0,
    )
    tests = _apply("unit_tests", "tests_passed", tmp_path, ev)
    assert tests == RuleOutcome(
        RuleStatus.PARTIAL,
        0.5,
        f"`test` failed: {reason}; 41 passed, 0 failed, 0 skipped (test)",
        "make the `test` gate pass",
    )
    coverage = _apply("coverage", "coverage_at_least", tmp_path, ev)
    assert coverage == RuleOutcome(
        RuleStatus.PARTIAL,
        0.5,
        f"`test` failed: {reason}; coverage 80.0% (target 70%)",
        "make the `test` gate pass",
    )
    # already below the cap: the artifact's own judgement stands
    low = fx.evidence(checks=fx.checks(("test", "failed", "coverage 21.0% < 23%")), coverage_percent=21.0)
    outcome = _apply("coverage", "coverage_at_least", tmp_path, low)
    assert (outcome.status, outcome.fraction) == (RuleStatus.PARTIAL, 21.0 / 70.0)
    assert outcome.evidence == "coverage 21.0% (target 70%)"


def test_failing_tests_of_a_failed_gate_stay_unmet(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(("integration", "failed", "1 of 4 tests failed")),
        tests=fx.tests_frame("integration", passed=3, failed=1),
    )
    assert _apply("integration", "tests_passed", tmp_path, ev) == RuleOutcome.unmet(
        "3 passed, 1 failed, 0 skipped (integration)", "fix the failing `integration` tests"
    )


def test_leftover_files_of_a_skipped_check_are_no_evidence(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(("e2e", "skipped", "not in the quick profile")),
        tests=fx.tests_frame("e2e", passed=2),
    )
    assert _apply("e2e", "tests_passed", tmp_path, ev) == RuleOutcome.no_evidence(
        "`e2e` skipped: not in the quick profile", "a `e2e` result"
    )


def test_artifacts_of_a_check_outside_the_run_are_no_evidence(tmp_path: Path) -> None:
    ev = fx.evidence(performance=fx.performance(100, 200), coverage_percent=90.0)
    assert _apply("performance", "performance_within", tmp_path, ev) == RuleOutcome.no_evidence(
        "`performance` was not part of this run", "run `invoke ci --only performance`"
    )
    assert _apply("coverage", "coverage_at_least", tmp_path, ev).status is RuleStatus.NO_EVIDENCE


def test_a_passed_gate_lets_its_artifacts_speak(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(("performance", "passed", "ok"), ("test", "passed", "ok")),
        performance=fx.performance(120, 400),
        tests=fx.tests_frame("test", passed=4),
        coverage_percent=71.0,
    )
    assert _apply("performance", "performance_within", tmp_path, ev) == RuleOutcome.met(
        "1000 requests, 0 failed, p95 120 ms, p99 400 ms"
    )
    assert _apply("unit_tests", "tests_passed", tmp_path, ev).status is RuleStatus.MET
    assert _apply("coverage", "coverage_at_least", tmp_path, ev).status is RuleStatus.MET


def test_nan_and_infinite_numbers_are_no_evidence(tmp_path: Path) -> None:
    checks = fx.checks(("test", "passed", "ok"), ("performance", "passed", "ok"))
    for percent in (math.nan, math.inf, -1.0, 100.5):
        ev = fx.evidence(checks=checks, coverage_percent=percent)
        assert _apply("coverage", "coverage_at_least", tmp_path, ev) == RuleOutcome.no_evidence(
            f"coverage total {percent} is not a percentage", "coverage JSON from the `test` check"
        ), percent
    frame = fx.performance(120, math.inf)
    outcome = _apply(
        "performance", "performance_within", tmp_path, fx.evidence(checks=checks, performance=frame)
    )
    assert outcome == RuleOutcome.no_evidence(
        "load-test numbers are not finite (p99 inf ms)",
        "a load test that sends requests (Locust stats CSV from the `performance` check)",
    )
    nan_failures = fx.performance(120, 400).assign(failures=pd.Series([math.nan]))
    outcome = _apply(
        "performance", "performance_within", tmp_path, fx.evidence(checks=checks, performance=nan_failures)
    )
    assert outcome.status is RuleStatus.NO_EVIDENCE
    assert outcome.evidence == "load-test numbers are not finite (failures nan)"


def test_a_refused_check_is_named_once_per_criterion(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(("test", "error", INTERNALERROR)), tests=fx.tests_frame("test", passed=41)
    )
    result = evaluate_criterion(load_rubric().criterion("unit_tests"), fx.context(tmp_path, ev))
    assert result.points == 0
    assert result.evidence == f"no workflow files in .github/workflows/; `test` errored: {INTERNALERROR}"
    assert result.missing == "a GitHub Actions workflow; fix the `test` check so it can run"
