"""The rule registry against the rubric files and the check registry: every rule a packaged rubric
names exists in `RULES` and takes the parameters given, and every check a rule reads exists in
`cimaturity.registry.CHECKS` (issue 8)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import Any

import pytest

from cimaturity.registry import CHECKS
from cimaturity.report.rubric import PACKAGED, load_rubric, packaged_path
from cimaturity.report.rules import EVIDENCE_RULES, PROJECT_RULES, RULES, WORKFLOW_RULES

CHECK_PARAMS = ("check", "stand_in")  # rule parameters that name a check ("" for stand_in: none)
KNOWN_CHECKS = {check.name for check in CHECKS}


def _rule_uses(node: Any) -> Iterator[dict[str, Any]]:
    """Every table holding a `rule` key, wherever the file puts it (criteria, overrides)."""
    if isinstance(node, dict):
        if isinstance(node.get("rule"), str):
            yield node
        for value in node.values():
            yield from _rule_uses(value)
    elif isinstance(node, list):
        for item in node:
            yield from _rule_uses(item)


def _raw_uses(name: str) -> list[dict[str, Any]]:
    return list(_rule_uses(tomllib.loads(packaged_path(name).read_text(encoding="utf-8"))))


def test_every_rule_is_listed_once_under_its_own_name() -> None:
    listed = [definition.name for definition in (*WORKFLOW_RULES, *PROJECT_RULES, *EVIDENCE_RULES)]
    assert len(listed) == len(set(listed)) == len(RULES)
    assert all(RULES[name].fn.__name__ == name for name in RULES)


def test_the_builtin_rubric_uses_every_rule_but_the_generic_dependency_test() -> None:
    used = {use["rule"] for use in _raw_uses("builtin")}
    assert set(RULES) - used == {"requires_dependency"}  # for a project's own rubric


@pytest.mark.parametrize("rubric", sorted(PACKAGED))
def test_every_rule_in_the_rubric_exists_with_the_parameters_it_is_given(rubric: str) -> None:
    for use in _raw_uses(rubric):
        name = use["rule"]
        assert name in RULES, f"{rubric}: unknown rule {name!r}"
        params = RULES[name].params
        given = set(use) - {"rule"}
        assert given <= set(params), f"{rubric}: rule {name!r} takes no {sorted(given - set(params))}"
        required = {key for key, spec in params.items() if spec.default is None}
        assert required <= given, f"{rubric}: rule {name!r} needs {sorted(required - given)}"


@pytest.mark.parametrize("rubric", sorted(PACKAGED))
def test_every_check_a_rule_reads_is_a_registered_check(rubric: str) -> None:
    named = {
        value
        for use in _raw_uses(rubric)
        for key in CHECK_PARAMS
        if isinstance(value := use.get(key), str) and value
    }
    loaded = {
        value
        for criterion in load_rubric(rubric).criteria
        for use in criterion.rules
        for key in CHECK_PARAMS
        if key in use.params.values and (value := use.params.text(key))
    }
    assert named <= loaded
    assert loaded, f"{rubric}: no rule reads a check"
    assert loaded <= KNOWN_CHECKS, f"{rubric}: unknown check(s) {sorted(loaded - KNOWN_CHECKS)}"
