"""The rubric as data: load and validate a packaged rubric or a project's own file.

Packaged rubrics, chosen by name (`[tool.cimaturity] rubric = "plan"` or `--rubric plan`):
- `builtin` (`rubric.toml`): general; its actions name the project's own branch, workflow and
  files through placeholders (`{default_branch}`, see `rules.ACTION_PLACEHOLDERS`);
- `plan` (`rubric_plan.toml`): the builtin criteria in the words of the plan "CI/CD Hardening
  Tasks V2", with its task numbers; for the plan's own service.

A file either replaces the rubric whole, or says `extends = "<packaged name>"` and only adjusts
`[weights]`, rewords criteria (`[overrides.<id>]`: title, plan_tasks, why_weight, next_action)
and declares `[not_applicable]` criteria (with a reason, shown in the report).
Any problem is a `RubricError` with one line naming the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from cimaturity.report.rules import ACTION_PLACEHOLDERS, RULES, ParamKind, Params, ParamValue, placeholders_in

FORMAT_VERSION = 1
BUILTIN = "builtin"
PLAN = "plan"
PACKAGED = {BUILTIN: "rubric.toml", PLAN: "rubric_plan.toml"}
_OVERRIDE_KEYS = frozenset({"title", "plan_tasks", "why_weight", "next_action"})
_CRITERION_KEYS = frozenset(
    {"id", "title", "group", "weight", "plan_tasks", "why_weight", "next_action", "rules"}
)
_GROUPS = ("foundation", "target")


class RubricError(Exception):
    """A rubric file problem; the message is one line naming the file and key."""


@dataclass(frozen=True)
class RuleUse:
    name: str
    params: Params


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    group: str  # foundation | target
    weight: float
    plan_tasks: tuple[str, ...]
    why_weight: str
    next_action: str
    rules: tuple[RuleUse, ...]


@dataclass(frozen=True)
class Rubric:
    source: str
    criteria: tuple[Criterion, ...]
    waivers: Mapping[str, str]  # criterion id -> reason it does not apply (declared by the project)

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == criterion_id)


def packaged_path(name: str = BUILTIN) -> Path:
    return Path(str(resources.files("cimaturity.report").joinpath(PACKAGED[name])))


def builtin_path() -> Path:
    return packaged_path(BUILTIN)


def load_rubric(source: Path | str | None = None) -> Rubric:
    """A packaged rubric by name (None: the builtin one), or the file at `source` (a Path)."""
    if source is None or isinstance(source, str):
        name = source or BUILTIN
        if name not in PACKAGED:
            raise RubricError(f"rubric {name!r}: no such packaged rubric (known: {', '.join(PACKAGED)})")
        rubric = _load_file(packaged_path(name))
        # a stable label: the report must not depend on where the package lives
        return Rubric(name, rubric.criteria, rubric.waivers)
    return _load_file(source)


def _load_file(path: Path) -> Rubric:
    document = _read(path)
    if "extends" not in document:
        return _parse(path, document)
    base = document["extends"]
    if base not in PACKAGED:
        raise RubricError(f"{path}: extends: expected one of {', '.join(PACKAGED)}, got {base!r}")
    return _overlay(path, document, load_rubric(str(base)))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RubricError(f"{path}: rubric file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"{path}: cannot read rubric ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{path}: not valid TOML ({exc})") from None


def _parse(path: Path, document: dict[str, Any]) -> Rubric:
    unknown = set(document) - {"format_version", "criteria", "not_applicable", "description"}
    if unknown:
        raise RubricError(f"{path}: unknown key {sorted(unknown)[0]!r}")
    if document.get("format_version") != FORMAT_VERSION:
        raise RubricError(
            f"{path}: format_version: expected {FORMAT_VERSION}, got {document.get('format_version')!r}"
        )
    raw = document.get("criteria")
    if not isinstance(raw, list) or not raw:
        raise RubricError(f"{path}: criteria: expected a non-empty list of [[criteria]] tables")
    criteria = tuple(_criterion(path, index, item) for index, item in enumerate(raw))
    seen: set[str] = set()
    for criterion in criteria:
        if criterion.id in seen:
            raise RubricError(f"{path}: criteria id {criterion.id!r} appears twice")
        seen.add(criterion.id)
    return Rubric(str(path), criteria, _waivers(path, document, seen))


def _overlay(path: Path, document: dict[str, Any], base: Rubric) -> Rubric:
    unknown = set(document) - {"extends", "weights", "overrides", "not_applicable", "description"}
    if unknown:
        raise RubricError(
            f"{path}: unknown key {sorted(unknown)[0]!r} (a file that extends a packaged "
            "rubric may only set [weights], [overrides] and [not_applicable])"
        )
    ids = {c.id for c in base.criteria}
    weights = document.get("weights", {})
    if not isinstance(weights, dict):
        raise RubricError(f"{path}: weights: expected a table of criterion id = weight")
    for key, value in weights.items():
        if key not in ids:
            raise RubricError(f"{path}: weights.{key}: no such criterion")
        _weight(path, f"weights.{key}", value)
    overrides = _overrides(path, document, ids)
    criteria = tuple(
        replace(
            c,
            weight=_weight(path, f"weights.{c.id}", weights[c.id]) if c.id in weights else c.weight,
            **overrides.get(c.id, {}),
        )
        for c in base.criteria
    )
    waivers = {**base.waivers, **_waivers(path, document, ids)}
    return Rubric(f"{path} (extends {base.source})", criteria, waivers)


def _overrides(path: Path, document: dict[str, Any], ids: set[str]) -> dict[str, dict[str, Any]]:
    """`[overrides.<id>]`: new wording for a criterion (its rules and weight stay)."""
    table = document.get("overrides", {})
    if not isinstance(table, dict):
        raise RubricError(f"{path}: overrides: expected tables [overrides.<criterion id>]")
    found: dict[str, dict[str, Any]] = {}
    for key, raw in table.items():
        where = f"overrides.{key}"
        if key not in ids:
            raise RubricError(f"{path}: {where}: no such criterion")
        if not isinstance(raw, dict):
            raise RubricError(f"{path}: {where}: expected a table")
        unknown = set(raw) - _OVERRIDE_KEYS
        if unknown:
            raise RubricError(f"{path}: {where}: unknown key {sorted(unknown)[0]!r}")
        values: dict[str, Any] = {
            name: _text(path, f"{where}.{name}", raw[name]) for name in ("title", "why_weight") if name in raw
        }
        if "next_action" in raw:
            values["next_action"] = _action(path, f"{where}.next_action", raw["next_action"])
        if "plan_tasks" in raw:
            values["plan_tasks"] = _tasks(path, f"{where}.plan_tasks", raw["plan_tasks"])
        found[key] = values
    return found


def _waivers(path: Path, document: dict[str, Any], ids: set[str]) -> dict[str, str]:
    table = document.get("not_applicable", {})
    if not isinstance(table, dict):
        raise RubricError(f"{path}: not_applicable: expected a table of criterion id = reason")
    for key, reason in table.items():
        if key not in ids:
            raise RubricError(f"{path}: not_applicable.{key}: no such criterion")
        if not isinstance(reason, str) or not reason.strip():
            raise RubricError(f"{path}: not_applicable.{key}: expected a non-empty reason string")
    return dict(table)


def _weight(path: Path, where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RubricError(f"{path}: {where}: expected a positive number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise RubricError(f"{path}: {where}: expected a positive number, got {value!r}")
    return float(value)


def _text(path: Path, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RubricError(f"{path}: {where}: expected a non-empty string, got {value!r}")
    return value.strip()


def _tasks(path: Path, where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise RubricError(f"{path}: {where}: expected a list of strings")
    return tuple(value)


def _action(path: Path, where: str, value: Any) -> str:
    """A next action; `{name}` placeholders must be ones the report can fill from project facts."""
    text = _text(path, where, value)
    unknown = sorted(placeholders_in(text) - ACTION_PLACEHOLDERS)
    if unknown:
        raise RubricError(
            f"{path}: {where}: unknown placeholder {{{unknown[0]}}} "
            f"(known: {', '.join(sorted(ACTION_PLACEHOLDERS))})"
        )
    return text


def _criterion(path: Path, index: int, raw: Any) -> Criterion:
    where = f"criteria[{index}]"
    if not isinstance(raw, dict):
        raise RubricError(f"{path}: {where}: expected a table")
    if isinstance(raw.get("id"), str):
        where = f"criteria[{index}] ({raw['id']})"
    unknown = set(raw) - _CRITERION_KEYS
    if unknown:
        raise RubricError(f"{path}: {where}: unknown key {sorted(unknown)[0]!r}")
    for key in ("id", "title", "group", "weight", "next_action", "rules", "why_weight"):
        if key not in raw:
            raise RubricError(f"{path}: {where}: missing key {key!r}")
    group = _text(path, f"{where}.group", raw["group"])
    if group not in _GROUPS:
        raise RubricError(f"{path}: {where}.group: expected one of {', '.join(_GROUPS)}, got {group!r}")
    rules = raw["rules"]
    if not isinstance(rules, list) or not rules:
        raise RubricError(f"{path}: {where}.rules: expected a non-empty list of [[criteria.rules]] tables")
    return Criterion(
        id=_text(path, f"{where}.id", raw["id"]),
        title=_text(path, f"{where}.title", raw["title"]),
        group=group,
        weight=_weight(path, f"{where}.weight", raw["weight"]),
        plan_tasks=_tasks(path, f"{where}.plan_tasks", raw.get("plan_tasks", [])),
        why_weight=_text(path, f"{where}.why_weight", raw["why_weight"]),
        next_action=_action(path, f"{where}.next_action", raw["next_action"]),
        rules=tuple(_rule_use(path, f"{where}.rules[{i}]", item) for i, item in enumerate(rules)),
    )


def _rule_use(path: Path, where: str, raw: Any) -> RuleUse:
    if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str):
        raise RubricError(f"{path}: {where}.rule: expected a rule name")
    name = raw["rule"]
    definition = RULES.get(name)
    if definition is None:
        raise RubricError(f"{path}: {where}.rule: unknown rule {name!r} (known: {', '.join(sorted(RULES))})")
    given = {key: value for key, value in raw.items() if key != "rule"}
    unknown = set(given) - set(definition.params)
    if unknown:
        raise RubricError(f"{path}: {where}.{sorted(unknown)[0]}: rule {name!r} takes no such parameter")
    values: dict[str, ParamValue] = {}
    for key, spec in definition.params.items():
        if key not in given:
            if spec.default is None:
                raise RubricError(f"{path}: {where}.{key}: required by rule {name!r}")
            values[key] = spec.default
            continue
        values[key] = _param(path, f"{where}.{key}", spec.kind, given[key])
    return RuleUse(name, Params(values))


def _param(path: Path, where: str, kind: ParamKind, value: Any) -> ParamValue:
    if kind is ParamKind.STR and isinstance(value, str):
        return value
    if kind is ParamKind.BOOL and isinstance(value, bool):
        return value
    if kind is ParamKind.NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise RubricError(f"{path}: {where}: expected a non-negative number, got {value!r}")
        return float(value)
    if kind is ParamKind.STR_LIST and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RubricError(f"{path}: {where}: expected a {kind.value}, got {type(value).__name__} {value!r}")
