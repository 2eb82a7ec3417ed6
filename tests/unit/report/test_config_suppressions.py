"""Config that hides findings (issue 8): the `config_suppressions` the checks record in run.json are
suppressions the report shows and caps, per check, under their own kind."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from cimaturity.report.evidence import METRIC_COLUMNS, Evidence
from cimaturity.report.render_markdown import render_markdown
from cimaturity.report.rubric import RuleUse, load_rubric
from cimaturity.report.rules import RULES, RuleOutcome, RuleStatus
from cimaturity.report.scoring import score_rubric
from cimaturity.report.workflows import load_workflows

from . import _report_fixtures as fx


def _metrics(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


def _counts(ev: Evidence) -> dict[str, int]:
    return {str(k): int(c) for k, c in zip(ev.suppressions["kind"], ev.suppressions["count"], strict=True)}


def _mypy_config_rule() -> RuleUse:
    rules = load_rubric().criterion("type_checking").rules
    return next(
        use
        for use in rules
        if use.name == "suppressions_at_most" and use.params.strs("kinds") == ("mypy config",)
    )


HIDING = _metrics(
    ("typecheck", "errors", 0.0),
    ("typecheck", "config_suppressions", 4.0),
    ("dockerfile", "config_suppressions", 2.0),
    ("lint", "violations", 0.0),
)


def test_config_suppressions_join_the_counted_ones_per_check() -> None:
    ev = fx.evidence(metrics=HIDING, suppressions=fx.suppressions(type_ignore=3, noqa=1))
    assert _counts(ev) == {"type-ignore": 3, "noqa": 1, "mypy config": 4, "hadolint config": 2}
    assert _counts(dataclasses.replace(ev)) == _counts(ev)  # merged once, never twice


def test_a_recorded_zero_is_shown_and_no_metric_is_no_row() -> None:
    clean = fx.evidence(metrics=_metrics(("typecheck", "config_suppressions", 0.0)))
    assert _counts(clean) == {"mypy config": 0}
    assert _counts(fx.evidence(metrics=_metrics(("typecheck", "errors", 0.0)))) == {}


def test_more_than_three_mypy_config_entries_cap_type_checking_at_half(tmp_path: Path) -> None:
    use = _mypy_config_rule()
    hidden = RULES[use.name].fn(fx.context(tmp_path, fx.evidence(metrics=HIDING)), use.params)
    assert hidden == RuleOutcome(
        RuleStatus.PARTIAL, 0.5, "suppressions: 4 mypy config (over 3)", "review suppressions (4 mypy config)"
    )
    few = fx.evidence(metrics=_metrics(("typecheck", "config_suppressions", 2.0)))
    assert RULES[use.name].fn(fx.context(tmp_path, few), use.params) == RuleOutcome.met(
        "suppressions: 2 mypy config (at most 3 allowed)"
    )


def test_the_report_shows_them_in_the_suppressions_table(tmp_path: Path) -> None:
    ev = fx.evidence(checks=fx.checks(("typecheck", "passed", "ok")), metrics=HIDING)
    score = score_rubric(load_rubric(), fx.context(tmp_path, ev))
    text = render_markdown(score, ev, load_workflows(tmp_path))
    table = text.split("## Suppressions")[1].split("##")[0]
    assert "| hadolint config | 2 |" in table and "| mypy config | 4 |" in table
    typing = next(r for r in score.results if r.criterion.id == "type_checking")
    assert "suppressions: 4 mypy config (over 3)" in typing.evidence
