"""A report a stranger can act on: no absolute machine paths in any output, next steps in the
project's own terms (its branch, jobs and files), the plan's tasks only under the plan's rubric."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cimaturity.model import CheckResult, Stage, Status
from cimaturity.report import pipeline
from cimaturity.runfile import GitInfo, RunRecord, write_run

from . import _report_fixtures as fx

AT = "2026-11-26T10:00:00+00:00"
WORKFLOW = """on:
  push:
    branches: [trunk]
  pull_request:
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: ruff check .
      - run: mypy src
        continue-on-error: true
      - run: pytest
"""
OUTPUTS = (pipeline.MARKDOWN, pipeline.HTML, pipeline.SUMMARY)


def _repo(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    root = fx.write(
        tmp_path / "someone" / "widget",
        {
            ".github/workflows/ci.yml": WORKFLOW,
            "pyproject.toml": '[project]\nname = "widget"\ndependencies = ["flask"]\n',
            "src/widget/__init__.py": "",
            **(extra or {}),
        },
    )
    git = ["git", "-C", str(root)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run(
        [*git, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk"], check=True
    )
    return root


def _run_json(reports: Path, project: Path) -> None:
    """A run whose reasons and artifacts name absolute paths, as real tools write them."""
    lint = CheckResult(
        "lint",
        Stage.FAST,
        Status.FAILED,
        f"1 ruff violation(s), first: E501 {project}/src/widget/__init__.py",
        AT,
        0.5,
        1,
        "ruff 1",
        ("artifacts/lint/ruff.sarif",),
        None,
        {},
    )
    (reports / "artifacts" / "lint").mkdir(parents=True)
    (reports / "artifacts" / "lint" / "ruff.sarif").write_text("{ truncated")
    record = RunRecord(
        "run1", str(project), "quick", 2, GitInfo("sha", "trunk", False), AT, AT, 5.0, "0.1", (lint,)
    )
    write_run(reports / "run.json", record)


def _outputs(reports: Path) -> dict[str, str]:
    return {name: (reports / name).read_text(encoding="utf-8") for name in OUTPUTS}


def test_outputs_hold_no_absolute_path(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"tools/rubric.toml": 'extends = "builtin"\n[weights]\ncoverage = 9\n'})
    reports = tmp_path / "elsewhere" / "reports-widget"  # outside the repository
    _run_json(reports, root)
    pipeline.run_report(root, reports, str(root / "tools" / "rubric.toml"))
    outputs = _outputs(reports)
    for name, text in outputs.items():
        assert str(tmp_path) not in text, name
        assert "/tmp/" not in text, name
    markdown = outputs[pipeline.MARKDOWN]
    assert "Run `run1` of `widget`" in markdown
    assert "first: E501 src/widget/__init__.py" in markdown
    assert "rubric: `tools/rubric.toml (extends builtin)`" in markdown
    summary = json.loads(outputs[pipeline.SUMMARY])
    assert summary["problems"][0]["message"].startswith("artifacts/lint/ruff.sarif:")


def test_next_steps_of_a_foreign_project_are_in_its_own_terms(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()  # no run yet: workflows and files only
    pipeline.run_report(root, reports)
    markdown = (reports / pipeline.MARKDOWN).read_text()
    steps = markdown.split("## Next steps to 10/10")[1].split("\n## ")[0]
    assert "Task " not in steps and "verification" not in steps and "develop" not in steps
    assert "| Action |" in steps and "(plan task)" not in steps
    assert "`trunk`" in steps  # branch protection for its default branch
    assert "job `tests` (`.github/workflows/ci.yml`)" in steps  # where mypy must block
    assert "No run record" in markdown
    summary = json.loads((reports / pipeline.SUMMARY).read_text())
    assert all(c["plan_tasks"] == [] for c in summary["criteria"])


def test_the_plan_rubric_keeps_the_plan_tasks(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    (root / "pyproject.toml").write_text('[project]\nname = "widget"\n[tool.cimaturity]\nrubric = "plan"\n')
    reports = tmp_path / "reports"
    reports.mkdir()
    score, _paths, _lines = pipeline.run_report(root, reports)
    assert score.rubric_source == "plan"
    markdown = (reports / pipeline.MARKDOWN).read_text()
    assert "| Action (plan task) |" in markdown
    assert "Task 1.3: remove `continue-on-error: true` from the mypy step" in markdown


def test_a_broken_run_json_still_stops_the_report(tmp_path: Path) -> None:
    root = _repo(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "run.json").write_text("{")
    with pytest.raises(pipeline.ReportError):
        pipeline.run_report(root, reports)
