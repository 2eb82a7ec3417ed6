"""Workflow facts from real-shaped GitHub Actions YAML."""

from __future__ import annotations

from pathlib import Path

from cimaturity.report.workflows import load_workflows

from ._report_fixtures import write

WORKFLOW = """
name: CI
on:
  push:
  pull_request:
jobs:
  security:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - name: Install
        run: pip install bandit safety
      - name: Bandit
        run: bandit -r app/ -ll --exit-zero
      - name: Safety
        run: safety check -r requirements.txt
        continue-on-error: true
      - name: Audit
        run: pip-audit -r requirements.txt || true
      - name: Strict
        run: pip-audit --strict
  integration:
    strategy:
      matrix:
        python: ["3.11", "3.12"]
    services:
      db:
        image: postgres:15
      cache:
        image: redis:7-alpine
    environment:
      name: staging
    steps:
      - run: pytest tests/integration
"""


def test_jobs_steps_and_soft_failures(tmp_path: Path) -> None:
    facts = load_workflows(write(tmp_path, {".github/workflows/ci.yml": WORKFLOW}))
    assert facts.problems == ()
    assert facts.triggers == {"push", "pull_request"}  # `on:` is read although YAML 1.1 makes it True
    security = facts.job("security")
    assert security is not None
    soft = {step.name: step.soft_reasons for step in security.steps}
    assert soft["Bandit"] == ("--exit-zero",)
    assert soft["Safety"] == ("continue-on-error: true",)
    assert soft["Audit"] == ("|| true",)
    assert soft["Strict"] == ()
    assert security.steps[0].with_ == {"fetch-depth": "0"}
    assert security.steps[2].line == 15  # 1-based line of the step, for annotations
    assert "bandit" not in security.steps[1].text  # an install line does not count as running a tool


def test_services_matrix_environment(tmp_path: Path) -> None:
    facts = load_workflows(write(tmp_path, {".github/workflows/ci.yml": WORKFLOW}))
    job = facts.job("integration")
    assert job is not None
    assert job.services == ("postgres", "redis")  # normalised from the images, not the keys
    assert job.matrix == {"python": ("3.11", "3.12")}
    assert job.environment == "staging"


def test_unreadable_workflow_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    root = write(tmp_path, {
        ".github/workflows/broken.yml": "jobs: [unclosed\n",
        ".github/workflows/shape.yml": "- just\n- a list\n",
        ".github/workflows/ok.yml": "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n",
    })  # fmt: skip
    facts = load_workflows(root)
    assert [job.id for job in facts.jobs] == ["a"]
    assert len(facts.problems) == 2
    assert any("broken.yml" in p for p in facts.problems)
    assert any("shape.yml" in p and "not a mapping" in p for p in facts.problems)


def test_no_workflow_folder(tmp_path: Path) -> None:
    facts = load_workflows(tmp_path)
    assert facts.files == () and facts.jobs == () and facts.problems == ()


FOLLOWED = """
on: [push, pull_request]
defaults:
  run:
    working-directory: backend
jobs:
  typing:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: uv run --locked --no-default-groups --group dev tox run -e typing
  tests:
    defaults:
      run:
        working-directory: service
    steps:
      - name: Run tests
        run: bash scripts/test.sh
      - name: At the root
        run: pre-commit run --all-files
        working-directory: .
"""

BACKEND_TOX = """\
[tool.tox]
env_list = ["typing"]

[tool.tox.env.typing]
commands = [["mypy", "app"]]
"""

LOCAL_RUFF_HOOK = "repos:\n  - repo: local\n    hooks:\n      - id: ruff\n        entry: ruff check\n"
LINT_PATTERNS = ("\\bruff\\b", "\\bflake8\\b")


def _followed_repo(root: Path) -> Path:
    return write(root, {
        ".github/workflows/ci.yml": FOLLOWED,
        "backend/pyproject.toml": BACKEND_TOX,
        "service/scripts/test.sh": "pip install pytest\npytest -q tests\n",
        ".pre-commit-config.yaml": LOCAL_RUFF_HOOK,
    })  # fmt: skip


def test_steps_carry_what_they_reach_in_their_working_directory(tmp_path: Path) -> None:
    facts = load_workflows(_followed_repo(tmp_path))
    typing, tests = facts.job("typing"), facts.job("tests")
    assert typing is not None and tests is not None
    step = typing.steps[1]
    assert step.working_directory == "backend"  # the workflow's defaults.run
    assert [str(item) for item in step.reached] == ["backend/pyproject.toml:5 [tool.tox.env.typing] mypy app"]
    assert "mypy app" in step.text  # so the rubric's `\bmypy\b` matches the step
    run_tests, root_step = tests.steps
    assert run_tests.working_directory == "service"  # the job's defaults win over the workflow's
    assert [str(item) for item in run_tests.reached] == ["service/scripts/test.sh:2 pytest -q tests"]
    assert root_step.working_directory == "."
    assert [str(item) for item in root_step.reached] == [".pre-commit-config.yaml:4 hook ruff: ruff check"]
    assert root_step.reached_matching(LINT_PATTERNS) == root_step.reached
    assert run_tests.reached_matching(LINT_PATTERNS) == ()
    # evidence cites what matched; without patterns, one reached command of each kind
    assert run_tests.reached_cited(LINT_PATTERNS) == () and run_tests.reached_cited() == run_tests.reached


def test_workflows_come_from_the_git_root_of_a_subfolder_project(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _followed_repo(tmp_path)
    facts = load_workflows(tmp_path / "backend")  # the project is backend/, its CI is the repository's
    assert facts.files == (".github/workflows/ci.yml",)
    typing = facts.job("typing")
    assert typing is not None
    assert typing.steps[1].reached[0].file == "backend/pyproject.toml"  # relative to the git root


def test_unreadable_followed_file_is_a_problem(tmp_path: Path) -> None:
    root = _followed_repo(tmp_path)
    (root / "backend" / "pyproject.toml").write_text("[tool.tox\n", encoding="utf-8")
    facts = load_workflows(root)
    assert [job.id for job in facts.jobs] == ["typing", "tests"]
    assert len(facts.problems) == 1 and facts.problems[0].startswith("backend/pyproject.toml: unreadable")


RAISED = """
on: pull_request
jobs:
  pre-commit:
    steps:
      - name: Run prek
        id: precommit
        run: prek run --all-files
        continue-on-error: true
      - name: Commit fixes
        run: git commit -am fix && git push
      - name: Error out on pre-commit errors
        if: steps.precommit.outcome == 'failure'
        run: exit 1
  shell-check:
    steps:
      - id: audit
        run: pip-audit --strict
        continue-on-error: true
      - run: |
          if [ "${{ steps.audit.outcome }}" != "success" ]; then exit 1; fi
  not-reraised:
    steps:
      - id: types
        run: mypy app
        continue-on-error: true
      - if: failure()
        run: exit 1
"""


def test_soft_step_reraised_later_counts_as_blocking(tmp_path: Path) -> None:
    facts = load_workflows(write(tmp_path, {".github/workflows/ci.yml": RAISED}))
    jobs = {job.id: job for job in facts.jobs}
    prek = jobs["pre-commit"].steps[0]
    assert prek.continue_on_error and prek.reraised_by == 12 and prek.soft_reasons == ()
    assert jobs["shell-check"].steps[0].soft_reasons == ()
    # `failure()` is false after a continue-on-error failure: the job still succeeds
    assert jobs["not-reraised"].steps[0].soft_reasons == ("continue-on-error: true",)
