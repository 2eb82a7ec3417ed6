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
