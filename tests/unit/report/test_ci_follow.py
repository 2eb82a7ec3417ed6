"""What a workflow step reaches one hop away, on small repositories of each shape."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimaturity.report.ci_follow import Followed, Hop, Kind, StepCall, classify, follow_step
from cimaturity.report.rubric import RuleUse, load_rubric
from cimaturity.report.rules import RULES, RuleOutcome, RuleStatus

from . import _report_fixtures as fx
from ._report_fixtures import write

TOX_INI = """\
[tox]
env_list = py311, lint

[testenv]
deps = pytest
commands = pytest tests {posargs}

[testenv:lint]
deps = ruff
commands =
    ruff check .
    ruff format --check .
"""

TOX_TOML = """\
env_list = ["type"]

[env.type]
deps = ["mypy"]
commands = [["mypy", "src"]]
"""

PYPROJECT_TOX = """\
[project]
name = "demo"

[tool.tox]
env_list = ["py3.12", "typing"]

[tool.tox.env_run_base]
commands = [[
    "pytest", "-v",
    { replace = "posargs", default = [], extend = true },
]]

[tool.tox.env.typing]
deps = ["mypy"]
commands = [
    ["mypy"],
    ["pyright"],
]
"""

NOXFILE = """\
import nox

nox.options.sessions = ["lint", "tests"]


@nox.session(python="3.12")
def lint(session):
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session(python=["3.11", "3.12"])
def tests(session):
    session.install(".")
    session.run("pytest", "--cov=demo", "--cov-fail-under=90", *session.posargs)


@nox.session(default=False)
def docs(session):
    session.run("sphinx-build", "docs", "build")
"""

PRE_COMMIT = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.6.9
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.11.2
    hooks:
      - id: mypy
  - repo: https://github.com/Yelp/detect-secrets
    rev: v1.5.0
    hooks:
      - id: detect-secrets
  - repo: local
    hooks:
      - id: audit
        name: audit
        entry: bandit -r src
        language: system
      - id: slow-tests
        name: slow
        entry: pytest -m slow
        language: system
        stages: [manual]
"""

MAKEFILE = """\
.PHONY: check lint test

check: lint test

lint:
\truff check .
\t@mypy src

test:
\tpytest -q --cov-fail-under=80
"""

JUSTFILE = """\
set shell := ["bash", "-c"]

default: lint

lint:
    ruff check .

test *args:
    pytest {{args}}
"""

HATCH_PDM = """\
[project]
name = "demo"

[tool.hatch.envs.test.scripts]
cov = [
    "coverage run -m pytest",
    "coverage report --fail-under=85",
]

[tool.pdm.scripts]
lint = "ruff check src"
types = {cmd = ["mypy", "--strict", "src"]}
"""


def _follow(
    root: Path,
    run: str | None,
    *,
    uses: str | None = None,
    with_: dict[str, str] | None = None,
    working_directory: str = "",
    env: dict[str, str] | None = None,
    matrix_values: frozenset[str] = frozenset(),
) -> Followed:
    call = StepCall(run, uses, with_ or {}, working_directory, env or {}, matrix_values)
    return follow_step(root, call)


def _lines(followed: Followed) -> list[str]:
    return [str(item) for item in followed.reached]


def test_tox_ini_env_and_env_list(tmp_path: Path) -> None:
    root = write(tmp_path, {"tox.ini": TOX_INI})
    lint = _follow(root, "tox -e lint")
    assert _lines(lint) == [
        "tox.ini:11 [testenv:lint] ruff check .",
        "tox.ini:12 [testenv:lint] ruff format --check .",
    ]
    assert [item.kinds for item in lint.reached] == [(Kind.LINT,), (Kind.FORMAT,)]
    everything = _follow(root, "python -m tox")  # no -e: the env_list; py311 runs [testenv]
    assert _lines(everything)[0] == "tox.ini:6 [testenv] pytest tests {posargs}"  # not `deps = pytest`
    assert everything.reached[0].kinds == (Kind.TESTS,)
    assert len(everything.reached) == 3 and everything.problems == ()


GENERATIVE_TOX_INI = """\
[tox]
env_list =
    pre-commit,
    3.1{0-1}-{tests,mypy}
    typing-{mypy,pyright},

[testenv]
commands =
    tests: pytest {posargs}
    mypy: mypy tests/typing

[testenv:3.1{0,1}-tests{,-rich}]
commands = coverage run -m pytest {posargs}

[testenv:typing-{mypy,pyright}]
commands =
    mypy: mypy src
    pyright: pyright src
"""


def test_tox_generative_env_names_are_expanded(tmp_path: Path) -> None:
    """hynek/structlog's env_list `3.1{0-5}-{tests,mypy}` and its `mypy:` factor: a bare `tox`
    runs the type checks too (a name taken literally matched no factor, and no section)."""
    root = write(tmp_path, {"tox.ini": GENERATIVE_TOX_INI})
    everything = _follow(root, "tox")
    assert sorted({item.command for item in everything.reached}) == [
        "coverage run -m pytest {posargs}",
        "mypy src",
        "mypy tests/typing",
        "pyright src",
    ]
    one = _follow(root, "tox -e 3.11-mypy")
    assert [item.command for item in one.reached] == ["mypy tests/typing"]
    assert everything.problems == ()
    # `-f`: the envs with those factors (structlog's CI: `tox run -f ${PYTHON}-tests`).
    for step in ("tox run -f ${PYTHON}-tests", "tox run -f ${{ matrix.python-version }}-tests"):
        tests_only = _follow(root, step)
        assert {item.command for item in tests_only.reached} == {"coverage run -m pytest {posargs}"}
    assert {item.command for item in _follow(root, "tox run -f typing").reached} == {
        "mypy src",
        "pyright src",
    }


def test_tox_toml(tmp_path: Path) -> None:
    root = write(tmp_path, {"tox.toml": TOX_TOML})
    followed = _follow(root, "uvx tox run -e type")
    assert _lines(followed) == ["tox.toml:5 [env.type] mypy src"]
    assert followed.reached[0].kinds == (Kind.TYPECHECK,)


def test_tox_in_pyproject_chosen_by_option_or_tox_env(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": PYPROJECT_TOX})
    typing = _follow(root, "uv run --locked --no-default-groups --group dev tox run -e typing")
    assert _lines(typing) == [
        "pyproject.toml:16 [tool.tox.env.typing] mypy",
        "pyproject.toml:17 [tool.tox.env.typing] pyright",
    ]
    by_env = _follow(root, "uv run --group dev tox run", env={"TOX_ENV": "typing"})
    assert _lines(by_env) == _lines(typing)
    # an expression: the envs the matrix names, and the base env for generated `py3.12` names
    matrix = _follow(
        root,
        "tox run",
        env={"TOX_ENV": "${{ matrix.tox || format('py{0}', matrix.python) }}"},
        matrix_values=frozenset({"3.12", "typing"}),
    )
    assert _lines(matrix) == [
        "pyproject.toml:16 [tool.tox.env.typing] mypy",
        "pyproject.toml:17 [tool.tox.env.typing] pyright",
        "pyproject.toml:9 [tool.tox.env_run_base] pytest -v",
    ]


def test_nox_sessions(tmp_path: Path) -> None:
    root = write(tmp_path, {"noxfile.py": NOXFILE})
    tests = _follow(root, "nox -s tests-${{ matrix.python }} --error-on-missing-interpreters")
    assert _lines(tests) == ["noxfile.py:15 session tests: pytest --cov=demo --cov-fail-under=90"]
    assert tests.reached[0].kinds == (Kind.TESTS, Kind.COVERAGE_GATE)
    defaults = _follow(root, "nox")  # nox.options.sessions; `docs` is not a default
    assert _lines(defaults) == [
        "noxfile.py:9 session lint: ruff check .",
        "noxfile.py:15 session tests: pytest --cov=demo --cov-fail-under=90",
    ]


def test_pre_commit_hooks(tmp_path: Path) -> None:
    root = write(tmp_path, {".pre-commit-config.yaml": PRE_COMMIT})
    followed = _follow(root, "pre-commit run --all-files --show-diff-on-failure")
    assert _lines(followed) == [
        ".pre-commit-config.yaml:5 hook ruff",
        ".pre-commit-config.yaml:7 hook ruff-format",
        ".pre-commit-config.yaml:11 hook mypy",
        ".pre-commit-config.yaml:15 hook detect-secrets",
        ".pre-commit-config.yaml:18 hook audit: bandit -r src",
    ]  # the manual-stage hook does not run on `pre-commit run`
    assert [item.kinds for item in followed.reached] == [
        (Kind.LINT,),
        (Kind.FORMAT,),
        (Kind.TYPECHECK,),
        (Kind.SECRETS,),
        (Kind.SECURITY,),
    ]
    action = _follow(root, None, uses="pre-commit/action@v3.0.1", with_={"extra_args": "mypy --all-files"})
    assert _lines(action) == [".pre-commit-config.yaml:11 hook mypy"]
    manual = _follow(root, "prek run --hook-stage manual slow-tests")
    assert _lines(manual) == [".pre-commit-config.yaml:22 hook slow-tests: pytest -m slow"]


def test_make_and_just_targets(tmp_path: Path) -> None:
    root = write(tmp_path, {"Makefile": MAKEFILE, "justfile": JUSTFILE})
    assert _lines(_follow(root, "make lint")) == [
        "Makefile:6 lint: ruff check .",
        "Makefile:7 lint: mypy src",
    ]
    check = _follow(root, "make")  # the first target; its prerequisites run too
    assert _lines(check) == [
        "Makefile:6 lint: ruff check .",
        "Makefile:7 lint: mypy src",
        "Makefile:10 test: pytest -q --cov-fail-under=80",
    ]
    assert _lines(_follow(root, "just test -x")) == ["justfile:9 test: pytest {{args}}"]


def test_script_in_the_working_directory(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "backend/scripts/test.sh": "#!/usr/bin/env bash\nset -e\n\ncoverage run -m pytest tests/\n"
            "coverage report --fail-under=90\nbash scripts/more.sh\n",
            "backend/scripts/more.sh": "pytest tests/slow\n",
        },
    )
    followed = _follow(
        root, 'uv run bash scripts/test.sh "Coverage for ${{ github.sha }}"', working_directory="backend"
    )
    assert _lines(followed) == [
        "backend/scripts/test.sh:4 coverage run -m pytest tests/",
        "backend/scripts/test.sh:5 coverage report --fail-under=90",
        "backend/scripts/test.sh:6 bash scripts/more.sh",  # listed, and followed (below)
        "backend/scripts/test.sh:6 bash scripts/more.sh → backend/scripts/more.sh:1 pytest tests/slow",
    ]
    assert followed.reached[0].kinds == (Kind.TESTS,)
    assert followed.reached[1].kinds == (Kind.COVERAGE_GATE,)
    assert _lines(_follow(root, "./scripts/test.sh", working_directory="backend"))[0].startswith(
        "backend/scripts"
    )
    assert _follow(root, "bash ../outside.sh").reached == ()  # never leaves the repository


def test_a_script_calling_scripts_is_followed_and_cited_as_a_chain(tmp_path: Path) -> None:
    # full-stack-fastapi-template's shape: the step runs tests-start.sh, which runs test.sh
    root = write(
        tmp_path,
        {
            "backend/scripts/tests-start.sh": "#! /usr/bin/env bash\nset -e\nset -x\n\n"
            'python app/tests_pre_start.py\n\nbash scripts/test.sh "$@"\n',
            "backend/scripts/test.sh": "#!/usr/bin/env bash\n\nset -e\n"
            "FASTAPI_ENV=development coverage run -m pytest tests/\ncoverage report\n",
        },
    )
    followed = _follow(
        root,
        'uv run bash scripts/tests-start.sh "Coverage for ${{ github.sha }}"',
        working_directory="backend",
    )
    assert _lines(followed) == [
        "backend/scripts/tests-start.sh:5 python app/tests_pre_start.py",
        'backend/scripts/tests-start.sh:7 bash scripts/test.sh "$@"',
        'backend/scripts/tests-start.sh:7 bash scripts/test.sh "$@" → '
        "backend/scripts/test.sh:4 FASTAPI_ENV=development coverage run -m pytest tests/",
        'backend/scripts/tests-start.sh:7 bash scripts/test.sh "$@" → '
        "backend/scripts/test.sh:5 coverage report",
    ]
    tests = followed.reached[2]
    assert (tests.file, tests.line, tests.kinds) == ("backend/scripts/test.sh", 4, (Kind.TESTS,))
    assert tests.via == (Hop("backend/scripts/tests-start.sh", 7, 'bash scripts/test.sh "$@"'),)
    assert followed.problems == ()


def test_script_chains_stop_three_scripts_deep_and_at_a_cycle(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "ci/a.sh": "bash ci/b.sh\n",
            "ci/b.sh": "echo b && sh ./c.sh\n",  # beside the calling script, not in the step's folder
            "ci/c.sh": "source ci/d.sh\n",
            "ci/d.sh": "pytest\n",  # a fourth script: not followed
            "loop/one.sh": "ruff check .\n. loop/two.sh\n",
            "loop/two.sh": "mypy src\n./loop/one.sh\n",
            "ci/make.sh": "make lint\n",
            "Makefile": MAKEFILE,
        },
    )
    deep = _follow(root, "bash ci/a.sh")
    assert _lines(deep) == [
        "ci/a.sh:1 bash ci/b.sh",
        "ci/a.sh:1 bash ci/b.sh → ci/b.sh:1 echo b && sh ./c.sh",
        "ci/a.sh:1 bash ci/b.sh → ci/b.sh:1 echo b && sh ./c.sh → ci/c.sh:1 source ci/d.sh",
    ]
    assert [len(item.via) for item in deep.reached] == [0, 1, 2]
    loop = _follow(root, "./loop/one.sh")  # one.sh -> two.sh -> one.sh: each file once
    assert _lines(loop) == [
        "loop/one.sh:1 ruff check .",
        "loop/one.sh:2 . loop/two.sh",
        "loop/one.sh:2 . loop/two.sh → loop/two.sh:1 mypy src",
        "loop/one.sh:2 . loop/two.sh → loop/two.sh:2 ./loop/one.sh",
    ]
    assert loop.problems == ()
    # scripts call scripts only: make (tox, nox, ...) in a script is listed, not followed
    assert _lines(_follow(root, "bash ci/make.sh")) == ["ci/make.sh:1 make lint"]


def test_a_missing_called_script_is_a_problem(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "backend/scripts/ci.sh": "bash scripts/gone.sh\nsource .venv/bin/activate\npytest\n",
            "backend/scripts/activate.sh": "bash ../../../outside.sh\n",
        },
    )
    followed = _follow(root, "bash scripts/ci.sh", working_directory="backend")
    assert _lines(followed) == [
        "backend/scripts/ci.sh:1 bash scripts/gone.sh",
        "backend/scripts/ci.sh:2 source .venv/bin/activate",  # made at run time: not a problem
        "backend/scripts/ci.sh:3 pytest",
    ]
    assert followed.problems == (
        "backend/scripts/ci.sh:1: script scripts/gone.sh not found "
        "(backend/scripts/gone.sh or backend/scripts/scripts/gone.sh)",
    )
    outside = _follow(root, "bash scripts/activate.sh", working_directory="backend")
    assert outside.problems == ()  # outside the repository: neither followed nor a problem
    assert _follow(root, "bash scripts/gone.sh", working_directory="backend").problems == ()  # a step


def test_runner_prefixes_and_pyproject_scripts(tmp_path: Path) -> None:
    root = write(tmp_path, {"pyproject.toml": HATCH_PDM, "tox.ini": TOX_INI})
    assert _lines(_follow(root, "hatch run test:cov")) == [
        "pyproject.toml:6 [tool.hatch.envs.test.scripts] cov: coverage run -m pytest",
        "pyproject.toml:7 [tool.hatch.envs.test.scripts] cov: coverage report --fail-under=85",
    ]
    assert _lines(_follow(root, "pdm run lint && pdm run types")) == [
        "pyproject.toml:11 [tool.pdm.scripts] lint: ruff check src",
        "pyproject.toml:12 [tool.pdm.scripts] types: mypy --strict src",
    ]
    assert _follow(root, "uv run pytest && poetry run mypy .").reached == ()  # direct: nothing to follow
    assert (
        _lines(_follow(root, "poetry run python -m tox -e lint"))[0]
        == "tox.ini:11 [testenv:lint] ruff check ."
    )


def test_unreadable_files_are_problems_not_exceptions(tmp_path: Path) -> None:
    (tmp_path / "tox.ini").write_bytes(b"[tox\n\xff\xfe")
    write(tmp_path, {"noxfile.py": "def broken(:\n", "bad/tox.ini": "[testenv\ncommands = pytest\n"})
    tox = _follow(tmp_path, "tox -e lint")
    assert tox.reached == () and tox.problems[0].startswith("tox.ini: unreadable tox configuration")
    nox = _follow(tmp_path, "nox -s lint")
    assert nox.reached == () and nox.problems[0].startswith("noxfile.py: unreadable noxfile")
    bad_ini = _follow(tmp_path, "tox", working_directory="bad")
    assert bad_ini.problems[0].startswith("bad/tox.ini: unreadable tox configuration")


def test_classify_by_command_and_hook_id() -> None:
    assert classify("ruff-check") == (Kind.LINT,)
    assert classify("ruff format --check .") == (Kind.FORMAT,)
    assert classify("uv run ty check app") == (Kind.TYPECHECK,)
    assert classify("pytest --cov-fail-under=100") == (Kind.TESTS, Kind.COVERAGE_GATE)
    assert classify("gitleaks detect") == (Kind.SECRETS,)
    assert classify("pip-audit --strict") == (Kind.SECURITY,)
    assert classify("pip install ruff mypy") == ()  # installing is not running
    assert classify("trailing-whitespace") == ()


# --- the rules see through the hop, and their evidence cites both places --------------------

CI = """\
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - run: {run}
"""


def _workflow_step(label: str) -> RuleUse:
    """The rubric's own `workflow_step` use for `label` (its patterns, as shipped)."""
    return next(
        use
        for criterion in load_rubric().criteria
        for use in criterion.rules
        if use.name == "workflow_step" and use.params.values.get("label") == label
    )


def _judge(root: Path, label: str) -> RuleOutcome:
    use = _workflow_step(label)
    return RULES[use.name].fn(fx.context(root, fx.evidence()), use.params)


@pytest.mark.parametrize(
    ("files", "run", "label", "cited"),
    [
        ({"tox.ini": TOX_INI}, "tox -e lint", "lint",
         "tox.ini:11 [testenv:lint] ruff check .; tox.ini:12 [testenv:lint] ruff format --check ."),
        ({"tox.toml": TOX_TOML}, "tox run -e type", "type check", "tox.toml:5 [env.type] mypy src"),
        ({"pyproject.toml": PYPROJECT_TOX}, "uv run --group dev tox run -e typing", "type check",
         "pyproject.toml:16 [tool.tox.env.typing] mypy; pyproject.toml:17 [tool.tox.env.typing] pyright"),
        ({"noxfile.py": NOXFILE}, "nox -s tests-3.12", "unit test",
         "noxfile.py:15 session tests: pytest --cov=demo --cov-fail-under=90"),
        ({".pre-commit-config.yaml": PRE_COMMIT}, "pre-commit run --all-files", "static analysis",
         ".pre-commit-config.yaml:18 hook audit: bandit -r src"),  # only what the patterns match
        ({"Makefile": MAKEFILE}, "make lint", "lint",
         "Makefile:6 lint: ruff check ."),
        ({"justfile": JUSTFILE}, "just", "lint", "justfile:6 lint: ruff check ."),
        ({"scripts/test.sh": "pytest -q\n"}, "sh scripts/test.sh", "unit test",
         "scripts/test.sh:1 pytest -q"),
        ({"scripts/ci.sh": "set -e\n./scripts/test.sh --cov\n",
          "scripts/test.sh": "#!/bin/sh\npytest \"$@\"\n"}, "bash scripts/ci.sh", "unit test",
         'scripts/ci.sh:2 ./scripts/test.sh --cov → scripts/test.sh:2 pytest "$@"'),
        ({"pyproject.toml": HATCH_PDM}, "hatch run test:cov", "unit test",
         "pyproject.toml:6 [tool.hatch.envs.test.scripts] cov: coverage run -m pytest"),
        ({"pyproject.toml": HATCH_PDM}, "pdm run lint", "lint",
         "pyproject.toml:11 [tool.pdm.scripts] lint: ruff check src"),
    ],
)  # fmt: skip
def test_rules_meet_through_the_hop_and_cite_both_places(
    tmp_path: Path, files: dict[str, str], run: str, label: str, cited: str
) -> None:
    root = write(tmp_path, files)
    assert _judge(root, label).status is RuleStatus.UNMET  # no workflow yet
    write(root, {".github/workflows/ci.yml": CI.format(run=run)})
    outcome = _judge(root, label)
    assert outcome.status is RuleStatus.MET
    assert outcome.evidence == f"{label}: .github/workflows/ci.yml:6 job `check` step “{run}” → {cited}"


def test_a_direct_step_is_cited_alone(tmp_path: Path) -> None:
    root = write(tmp_path, {".github/workflows/ci.yml": CI.format(run="uv run pytest -q")})
    assert (
        _judge(root, "unit test").evidence
        == "unit test: .github/workflows/ci.yml:6 job `check` step “uv run pytest -q”"
    )


def test_a_reraised_soft_step_is_met(tmp_path: Path) -> None:
    workflow = (
        "on: pull_request\njobs:\n  pre-commit:\n    steps:\n"
        "      - {id: hooks, run: prek run --all-files, continue-on-error: true}\n"
        "      - {if: \"steps.hooks.outcome == 'failure'\", run: exit 1}\n"
    )
    root = write(tmp_path, {".pre-commit-config.yaml": PRE_COMMIT, ".github/workflows/ci.yml": workflow})
    assert _judge(root, "type check").status is RuleStatus.MET
    # `conclusion` is success after a continue-on-error failure: that check re-raises nothing
    unchecked = workflow.replace("outcome", "conclusion")
    soft = write(
        tmp_path / "soft", {".pre-commit-config.yaml": PRE_COMMIT, ".github/workflows/ci.yml": unchecked}
    )
    outcome = _judge(soft, "type check")
    assert outcome.status is RuleStatus.PARTIAL and "continue-on-error: true" in outcome.evidence
