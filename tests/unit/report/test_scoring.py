"""Combining rule outcomes into criterion statuses and a 0-10 score."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimaturity.report.rubric import Criterion, Rubric, RuleUse
from cimaturity.report.rules import Params, ParamValue
from cimaturity.report.scoring import CriterionStatus, ScoreError, score_rubric

from . import _report_fixtures as fx

Rule = tuple[str, dict[str, ParamValue]]


def _criterion(cid: str, weight: float, *rules: Rule) -> Criterion:
    uses = tuple(RuleUse(name, Params(params)) for name, params in rules)
    return Criterion(cid, cid.title(), "target", weight, ("1.1",), "why", f"do {cid}", uses)


COVERAGE: Rule = ("coverage_at_least", {"target": 70.0, "failed_cap": 0.5})
TESTED = ("test", "passed", "4 passed")  # coverage is read as the `test` gate allows
LINT: Rule = (
    "check_passed",
    {
        "check": "lint",
        "skipped_credit": 0.0,
        "workflow_patterns": (),
        "minor_metrics": (),
        "clean_metrics": (),
        "minor_credit": 0.0,
        "minor_evidence": "",
    },
)
DOCKER: Rule = ("requires_file", {"paths": ("Dockerfile",), "reason": "no Dockerfile"})


def test_points_partial_and_not_applicable_excluded(tmp_path: Path) -> None:
    rubric = Rubric(
        "t",
        (_criterion("cov", 4, COVERAGE), _criterion("lint", 6, LINT), _criterion("img", 10, DOCKER, LINT)),
        {},
    )
    ev = fx.evidence(checks=fx.checks(("lint", "passed", "ok"), TESTED), coverage_percent=35.0)
    score = score_rubric(rubric, fx.context(tmp_path, ev))
    statuses = {r.criterion.id: r.status for r in score.results}
    assert statuses == {
        "cov": CriterionStatus.PARTIAL,
        "lint": CriterionStatus.MET,
        "img": CriterionStatus.NOT_APPLICABLE,
    }
    assert score.max_points == 10  # the not-applicable criterion is out of the maximum
    assert score.points == pytest.approx(6 + 4 * 0.5)
    assert score.score == 8.0
    assert [r.criterion.id for r in score.next_steps] == ["cov"]


def test_no_evidence_counts_zero_and_is_kept_apart(tmp_path: Path) -> None:
    rubric = Rubric("t", (_criterion("cov", 5, COVERAGE), _criterion("lint", 5, LINT)), {})
    ev = fx.evidence(checks=fx.checks(("lint", "error", "ruff crashed"), TESTED), coverage_percent=70.0)
    score = score_rubric(rubric, fx.context(tmp_path, ev))
    lint = next(r for r in score.results if r.criterion.id == "lint")
    assert lint.status is CriterionStatus.NO_EVIDENCE and lint.points == 0 and lint.max_points == 5
    assert score.score == 5.0


def test_the_weakest_rule_decides(tmp_path: Path) -> None:
    rubric = Rubric("t", (_criterion("both", 10, COVERAGE, LINT),), {})
    ev = fx.evidence(checks=fx.checks(("lint", "failed", "3 violations"), TESTED), coverage_percent=90.0)
    result = score_rubric(rubric, fx.context(tmp_path, ev)).results[0]
    assert result.status is CriterionStatus.UNMET and result.points == 0
    assert "make the `lint` gate pass" in result.missing


def test_score_rounds_down_so_ten_means_everything(tmp_path: Path) -> None:
    rubric = Rubric("t", (_criterion("cov", 100, COVERAGE),), {})
    ev = fx.evidence(checks=fx.checks(TESTED), coverage_percent=69.9)
    score = score_rubric(rubric, fx.context(tmp_path, ev))
    assert score.score == 9.9  # 9.986 would round to 10.0


def test_waiver_is_not_applicable_with_its_reason(tmp_path: Path) -> None:
    rubric = Rubric("t", (_criterion("cov", 5, COVERAGE), _criterion("lint", 5, LINT)), {"lint": "no Python"})
    ev = fx.evidence(checks=fx.checks(TESTED), coverage_percent=70.0)
    score = score_rubric(rubric, fx.context(tmp_path, ev))
    lint = next(r for r in score.results if r.criterion.id == "lint")
    assert lint.status is CriterionStatus.NOT_APPLICABLE and "no Python" in lint.evidence
    assert score.score == 10.0


def test_nothing_applicable_is_an_error(tmp_path: Path) -> None:
    rubric = Rubric("t", (_criterion("img", 10, DOCKER),), {})
    with pytest.raises(ScoreError, match="nothing to score"):
        score_rubric(rubric, fx.context(tmp_path, fx.evidence()))
