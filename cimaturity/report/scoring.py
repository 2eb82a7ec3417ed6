"""Rubric + rule outcomes -> points per criterion -> a 0-10 score (one decimal, rounded down).

A criterion's share is the smallest share any of its rules allows: every rule is a condition,
so a workflow declaration can never make up for a missing result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from cimaturity.report.rubric import Criterion, Rubric
from cimaturity.report.rules import RULES, RuleContext, RuleOutcome, RuleStatus, action_values, fill_action

MAX_SCORE = 10.0


class ScoreError(Exception):
    """A score that cannot be right (outside 0-10, or nothing to score)."""


# A criterion's status takes the same values as its rules' (the weakest rule decides).
CriterionStatus = RuleStatus


@dataclass(frozen=True)
class RuleResult:
    rule: str
    outcome: RuleOutcome


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    status: CriterionStatus
    fraction: float
    points: float
    max_points: float  # 0 when not applicable
    rules: tuple[RuleResult, ...]
    action: str = ""  # the criterion's next action, its placeholders filled from project facts

    @property
    def applicable(self) -> bool:
        return self.status is not CriterionStatus.NOT_APPLICABLE

    @property
    def gain(self) -> float:
        return self.max_points - self.points

    @property
    def evidence(self) -> str:
        # rules reading one refused check say the same thing: said once
        return "; ".join(dict.fromkeys(r.outcome.evidence for r in self.rules if r.outcome.evidence))

    @property
    def missing(self) -> str:
        return "; ".join(
            dict.fromkeys(
                r.outcome.missing
                for r in self.rules
                if r.outcome.status is not RuleStatus.MET and r.outcome.missing
            )
        )

    @property
    def next_action(self) -> str:
        return (
            ""
            if self.status in (CriterionStatus.MET, CriterionStatus.NOT_APPLICABLE)
            else self.action or self.criterion.next_action
        )


@dataclass(frozen=True)
class Score:
    score: float
    points: float
    max_points: float
    results: tuple[CriterionResult, ...]
    rubric_source: str

    @property
    def next_steps(self) -> tuple[CriterionResult, ...]:
        """Every applicable criterion short of full points, largest gain first."""
        short = [r for r in self.results if r.applicable and r.gain > 1e-9]
        return tuple(sorted(short, key=lambda r: (-r.gain, r.criterion.id)))


def evaluate_criterion(
    criterion: Criterion,
    ctx: RuleContext,
    waiver: str | None = None,
    values: Mapping[str, str] | None = None,
) -> CriterionResult:
    """`values` fill the next action's placeholders (default: computed from `ctx`)."""
    result = _evaluate(criterion, ctx, waiver)
    filled = fill_action(criterion.next_action, action_values(ctx) if values is None else values)
    return replace(result, action=filled)


def _evaluate(criterion: Criterion, ctx: RuleContext, waiver: str | None) -> CriterionResult:
    if waiver is not None:
        outcome = RuleOutcome.not_applicable(f"declared not applicable by the project: {waiver}")
        return CriterionResult(
            criterion, CriterionStatus.NOT_APPLICABLE, 1.0, 0.0, 0.0, (RuleResult("waiver", outcome),)
        )
    results = tuple(RuleResult(use.name, RULES[use.name].fn(ctx, use.params)) for use in criterion.rules)
    not_applicable = [r for r in results if r.outcome.status is RuleStatus.NOT_APPLICABLE]
    if not_applicable:
        return CriterionResult(
            criterion, CriterionStatus.NOT_APPLICABLE, 1.0, 0.0, 0.0, tuple(not_applicable)
        )
    fraction = min(r.outcome.fraction for r in results)
    if fraction >= 1.0:
        status = CriterionStatus.MET
    elif any(r.outcome.status is RuleStatus.UNMET for r in results):
        status, fraction = CriterionStatus.UNMET, 0.0
    elif any(r.outcome.status is RuleStatus.NO_EVIDENCE for r in results):
        # An unreadable or absent result counts as zero, and says so.
        status, fraction = CriterionStatus.NO_EVIDENCE, 0.0
    elif fraction > 0:
        status = CriterionStatus.PARTIAL
    else:
        status = CriterionStatus.UNMET
    return CriterionResult(
        criterion, status, fraction, criterion.weight * fraction, criterion.weight, results
    )


def score_rubric(rubric: Rubric, ctx: RuleContext) -> Score:
    values = action_values(ctx)
    results = tuple(evaluate_criterion(c, ctx, rubric.waivers.get(c.id), values) for c in rubric.criteria)
    points = sum(r.points for r in results)
    max_points = sum(r.max_points for r in results)
    if max_points <= 0:
        raise ScoreError(f"{rubric.source}: every criterion is not applicable; nothing to score")
    # Rounded down, so 10.0 means every applicable point was earned.
    value = math.floor(MAX_SCORE * points / max_points * 10 + 1e-9) / 10
    if not 0.0 <= value <= MAX_SCORE:
        raise ScoreError(f"score {value} outside 0-{MAX_SCORE:.0f} ({points} of {max_points} points)")
    return Score(value, points, max_points, results, rubric.source)
