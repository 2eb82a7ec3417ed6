"""The rubric file: the builtin one is valid; every kind of broken file is a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimaturity.report.rubric import RubricError, builtin_path, load_rubric

GOOD_CRITERION = """
[[criteria]]
id = "lint"
title = "Lint"
group = "foundation"
weight = {weight}
why_weight = "because"
next_action = "run ruff"
[[criteria.rules]]
rule = "check_passed"
check = "lint"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_rubric_covers_the_plan() -> None:
    rubric = load_rubric()
    ids = {c.id for c in rubric.criteria}
    assert {
        "coverage",
        "security_gates",
        "integration",
        "e2e",
        "migrations",
        "performance",
        "container_scanning",
        "api_contract",
        "secrets_history",
        "branch_protection",
        "staging",
        "deployment_validation",
        "documentation",
        "local_validation",
        "ci_triggers",
        "lint",
        "unit_tests",
        "static_analysis",
        "type_checking",
    } == ids
    assert sum(c.weight for c in rubric.criteria) == 100
    assert all(c.next_action and c.why_weight and c.rules for c in rubric.criteria)
    assert rubric.source == "builtin"
    assert builtin_path().is_file()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("format_version = 1\n[[criteria\n", "not valid TOML"),
        ("format_version = 2\n" + GOOD_CRITERION.format(weight=1), "format_version"),
        ("format_version = 1\ncolour = 1\n" + GOOD_CRITERION.format(weight=1), "unknown key 'colour'"),
        ("format_version = 1\n" + GOOD_CRITERION.format(weight=-3), "criteria[0] (lint).weight"),
        ("format_version = 1\n" + GOOD_CRITERION.format(weight='"heavy"'), "criteria[0] (lint).weight"),
        ("format_version = 1\n" + GOOD_CRITERION.format(weight="true"), "criteria[0] (lint).weight"),
        ("format_version = 1\n" + GOOD_CRITERION.format(weight="nan"), "criteria[0] (lint).weight"),
        (
            "format_version = 1\n" + GOOD_CRITERION.format(weight=1).replace("check_passed", "no_such_rule"),
            "unknown rule 'no_such_rule'",
        ),
        (
            "format_version = 1\n" + GOOD_CRITERION.format(weight=1).replace('check = "lint"', "check = 3"),
            "rules[0].check: expected a string",
        ),
        (
            "format_version = 1\n"
            + GOOD_CRITERION.format(weight=1).replace('check = "lint"', 'chek = "lint"'),
            "rules[0].chek: rule 'check_passed' takes no such parameter",
        ),
        ("format_version = 1\n" + GOOD_CRITERION.format(weight=1) * 2, "appears twice"),
        (
            "format_version = 1\n"
            + GOOD_CRITERION.format(weight=1).replace('group = "foundation"', 'group = "x"'),
            "group",
        ),
        (
            "format_version = 1\n" + GOOD_CRITERION.format(weight=1).replace('title = "Lint"\n', ""),
            "missing key 'title'",
        ),
    ],
)
def test_broken_rubric_is_one_line_naming_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(RubricError) as caught:
        load_rubric(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_missing_rubric_file(tmp_path: Path) -> None:
    with pytest.raises(RubricError, match="rubric file not found"):
        load_rubric(tmp_path / "nope.toml")


def test_a_full_custom_rubric_replaces_the_builtin(tmp_path: Path) -> None:
    rubric = load_rubric(_write(tmp_path, "format_version = 1\n" + GOOD_CRITERION.format(weight=2.5)))
    assert [(c.id, c.weight) for c in rubric.criteria] == [("lint", 2.5)]


def test_extending_the_builtin_adjusts_weights_and_waives(tmp_path: Path) -> None:
    path = _write(
        tmp_path, 'extends = "builtin"\n[weights]\ncoverage = 20\n[not_applicable]\ne2e = "a CLI, no UI"\n'
    )
    rubric = load_rubric(path)
    assert rubric.criterion("coverage").weight == 20
    assert rubric.criterion("lint").weight == load_rubric().criterion("lint").weight
    assert rubric.waivers == {"e2e": "a CLI, no UI"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('extends = "builtin"\n[weights]\nnope = 2\n', "weights.nope: no such criterion"),
        ('extends = "builtin"\n[weights]\ncoverage = 0\n', "weights.coverage: expected a positive number"),
        ('extends = "builtin"\n[not_applicable]\ne2e = ""\n', "not_applicable.e2e"),
        ('extends = "builtin"\n[[criteria]]\nid = "x"\n', "unknown key 'criteria'"),
    ],
)
def test_broken_overlay(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RubricError, match=expected):
        load_rubric(_write(tmp_path, text))


def test_builtin_rubric_speaks_to_any_project() -> None:
    """No plan task numbers or plan wording: those belong to the plan's rubric."""
    for criterion in load_rubric().criteria:
        assert criterion.plan_tasks == (), criterion.id
        for words in ("Task ", "auth, payments", "verification", "main and develop", "sleep 60"):
            assert words not in criterion.next_action, (criterion.id, words)


def test_the_plan_rubric_extends_the_builtin_with_its_tasks_and_words() -> None:
    plan, builtin = load_rubric("plan"), load_rubric()
    assert plan.source == "plan"
    assert [(c.id, c.weight, c.rules) for c in plan.criteria] == [
        (c.id, c.weight, c.rules) for c in builtin.criteria
    ]
    assert plan.criterion("coverage").plan_tasks == ("1.4",)
    assert plan.criterion("coverage").next_action.startswith("Task 1.4:")
    assert "main and develop" in plan.criterion("branch_protection").next_action


def test_a_project_file_may_extend_the_plan_and_reword(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'extends = "plan"\n[overrides.lint]\nnext_action = "Run `make lint` on {default_branch}."\n'
        'plan_tasks = ["9.9"]\n',
    )
    rubric = load_rubric(path)
    assert rubric.criterion("lint").next_action == "Run `make lint` on {default_branch}."
    assert rubric.criterion("lint").plan_tasks == ("9.9",)
    assert rubric.criterion("coverage").plan_tasks == ("1.4",)  # the rest stays the plan's


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('extends = "nope"\n', "extends: expected one of builtin, plan"),
        ('extends = "builtin"\n[overrides.nope]\ntitle = "x"\n', "overrides.nope: no such criterion"),
        ('extends = "builtin"\n[overrides.lint]\nrules = []\n', "overrides.lint: unknown key 'rules'"),
        ('extends = "builtin"\n[overrides.lint]\nplan_tasks = "1.1"\n', "overrides.lint.plan_tasks"),
        (
            'extends = "builtin"\n[overrides.lint]\nnext_action = "push to {branch}"\n',
            r"overrides.lint.next_action: unknown placeholder \{branch\}",
        ),
        (
            "format_version = 1\n"
            + GOOD_CRITERION.format(weight=1).replace("run ruff", "run ruff in {where}"),
            r"criteria\[0\] \(lint\).next_action: unknown placeholder \{where\}",
        ),
    ],
)
def test_broken_extension(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(RubricError, match=expected):
        load_rubric(_write(tmp_path, text))


def test_unknown_packaged_rubric() -> None:
    with pytest.raises(RubricError, match="no such packaged rubric"):
        load_rubric("nope")
