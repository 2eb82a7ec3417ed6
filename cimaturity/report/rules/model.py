"""The rule model: what a rule returns (`RuleOutcome`), what it reads (`RuleContext`), the
parameters it takes (`ParamSpec`, validated when the rubric loads, read through `Params`), and
`RuleDef`, a rule function paired with those parameters by `@rule(...)`.

`@rule` registers nothing: the package's `__init__` lists every rule in `RULES` explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from cimaturity.report.evidence import Evidence
from cimaturity.report.project import ProjectFacts
from cimaturity.report.workflows import WorkflowFacts


class RuleStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    UNMET = "unmet"
    NO_EVIDENCE = "no evidence"
    NOT_APPLICABLE = "not applicable"


_P = TypeVar("_P")


@dataclass(frozen=True)
class RuleOutcome:
    status: RuleStatus
    fraction: float  # share of the criterion's points this rule allows, 0..1
    evidence: str  # what was seen
    missing: str = ""  # what would be needed for full credit (empty when met)

    @classmethod
    def met(cls, evidence: str) -> RuleOutcome:
        return cls(RuleStatus.MET, 1.0, evidence)

    @classmethod
    def unmet(cls, evidence: str, missing: str) -> RuleOutcome:
        return cls(RuleStatus.UNMET, 0.0, evidence, missing)

    @classmethod
    def partial(cls, fraction: float, evidence: str, missing: str) -> RuleOutcome:
        fraction = max(0.0, min(1.0, fraction))
        if fraction >= 1.0:
            return cls.met(evidence)
        if fraction <= 0.0:
            return cls.unmet(evidence, missing)
        return cls(RuleStatus.PARTIAL, fraction, evidence, missing)

    @classmethod
    def no_evidence(cls, evidence: str, missing: str) -> RuleOutcome:
        return cls(RuleStatus.NO_EVIDENCE, 0.0, evidence, missing)

    @classmethod
    def not_applicable(cls, reason: str) -> RuleOutcome:
        return cls(RuleStatus.NOT_APPLICABLE, 1.0, reason)


@dataclass(frozen=True)
class RuleContext:
    workflows: WorkflowFacts
    project: ProjectFacts
    evidence: Evidence


ParamValue = str | float | bool | tuple[str, ...]


class ParamKind(StrEnum):
    STR = "string"
    NUMBER = "number"
    BOOL = "boolean"
    STR_LIST = "list of strings"


@dataclass(frozen=True)
class ParamSpec:
    kind: ParamKind
    default: ParamValue | None = None  # None: required


@dataclass(frozen=True)
class Params:
    """Validated parameters of one rule use (types checked when the rubric was loaded)."""

    values: Mapping[str, ParamValue]

    def text(self, key: str) -> str:
        return self._typed(key, str)

    def number(self, key: str) -> float:
        return self._typed(key, float)

    def flag(self, key: str) -> bool:
        return self._typed(key, bool)

    def strs(self, key: str) -> tuple[str, ...]:
        value: tuple[str, ...] = self._typed(key, tuple)
        return value

    def _typed(self, key: str, kind: type[_P]) -> _P:
        """Parameters are validated when the rubric loads: a wrong type here is a bug in a rule."""
        value = self.values[key]
        if not isinstance(value, kind):
            raise TypeError(f"rule parameter {key!r} is {type(value).__name__}, not {kind.__name__}")
        return value


RuleFn = Callable[[RuleContext, Params], RuleOutcome]


@dataclass(frozen=True)
class RuleDef:
    fn: RuleFn
    params: Mapping[str, ParamSpec]

    @property
    def name(self) -> str:
        """The rule's name in a rubric (`rule = "tests_passed"`): its function's name."""
        return self.fn.__name__


def rule(**params: ParamSpec) -> Callable[[RuleFn], RuleDef]:
    """Pair a rule function with the parameters it accepts; nothing is registered here."""

    def define(fn: RuleFn) -> RuleDef:
        return RuleDef(fn, params)

    return define


def _s(default: str | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.STR, default)


def _n(default: float | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.NUMBER, None if default is None else float(default))


def _list(default: tuple[str, ...] | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.STR_LIST, default)


def _b(default: bool | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.BOOL, default)
