"""invoke docs' generator and the docs check's comparison, on small repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimaturity.workflowdocs import (
    DescriptionsError,
    compare,
    describe,
    examine,
    gather,
    load_descriptions,
    render,
)

CI = """\
name: ci
on:
  push:
    branches: [main]
  pull_request:
env:
  SHARED: ${{ secrets.SHARED_TOKEN }}
jobs:
  lint:
    name: Lint
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
  deploy:
    needs: [lint]
    environment: production
    runs-on: ubuntu-latest
    steps:
      # ${{ secrets.IN_A_COMMENT }} is not a reference
      - run: ./deploy.sh
        env:
          HOOK: ${{ secrets.DEPLOY_HOOK }}
          KEY: ${{ secrets['API_KEY'] }}
"""

DESCRIPTIONS = """\
intro = "Hand-written intro."
[jobs.deploy]
does = "deploys"
blocks_on = "a failed deploy"
[secrets.DEPLOY_HOOK]
purpose = "starts a deploy"
source = "the platform's settings"
[[sections]]
title = "Troubleshooting"
body = "Read the log."
"""


def repo(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_facts_give_each_secret_reference_to_its_job(tmp_path: Path) -> None:
    facts = gather(repo(tmp_path, {".github/workflows/ci.yml": CI}))
    assert facts.problems == ()
    [workflow] = facts.workflows
    assert workflow.triggers == ("push (branches: main)", "pull_request")
    jobs = {job.id: job for job in facts.jobs}
    assert jobs["lint"].secrets == ("SHARED_TOKEN",)  # the workflow's env: every job's
    assert jobs["deploy"].secrets == ("API_KEY", "DEPLOY_HOOK", "SHARED_TOKEN")
    assert jobs["deploy"].needs == ("lint",) and jobs["deploy"].environment == "production"
    assert {name: [job.id for job in needing] for name, needing in facts.secrets.items()} == {
        "API_KEY": ["deploy"],
        "DEPLOY_HOOK": ["deploy"],
        "SHARED_TOKEN": ["lint", "deploy"],
    }


def test_generated_documentation_keeps_the_prose_and_matches_the_workflows(tmp_path: Path) -> None:
    root = repo(tmp_path, {".github/workflows/ci.yml": CI, ".github/workflow-docs.toml": DESCRIPTIONS})
    text = render(gather(root), load_descriptions(root))
    assert "Hand-written intro." in text and "## Troubleshooting\n\nRead the log." in text
    assert "| `deploy` | deploys | — | a failed deploy |" in text
    assert "| `DEPLOY_HOOK` | `deploy` (ci.yml) | environment `production` | yes | starts a deploy |" in text
    assert (
        "| `SHARED_TOKEN` | `lint` (ci.yml), `deploy` (ci.yml) | repository, or environment `production` |"
        in text
    )
    comparison = compare(gather(root), text)
    assert comparison.matches, comparison
    (root / ".github" / "WORKFLOW_DOCUMENTATION.md").write_text(text)
    report = examine(root)
    assert (report.mismatches, report.stale) == (0, False)
    assert describe(report) == (
        ".github/WORKFLOW_DOCUMENTATION.md documents all 2 job(s) and 3 secret(s) of 1 workflow file(s), "
        "and no others"
    )


def test_a_phantom_job_and_secret_and_the_undocumented_ones_are_named(tmp_path: Path) -> None:
    root = repo(tmp_path, {".github/workflows/ci.yml": CI})
    doc = (
        "| job | runs |\n|---|---|\n| `lint` | ruff |\n| `build` | make |\n\n"
        "| secret | for |\n|---|---|\n| `DEPLOY_HOOK` | deploys |\n| `OLD_TOKEN` | gone |\n\n"
        "Uses `API_KEY` and secrets.NPM_TOKEN.\n"
    )
    (root / ".github" / "WORKFLOW_DOCUMENTATION.md").write_text(doc)
    report = examine(root)
    assert report.phantom_jobs == ("build",) and report.undocumented_jobs == ("deploy",)
    assert report.phantom_secrets == ("NPM_TOKEN", "OLD_TOKEN")
    assert report.undocumented_secrets == ("SHARED_TOKEN",)
    assert describe(report) == (
        ".github/WORKFLOW_DOCUMENTATION.md names job(s) no workflow has: build; leaves out job(s): deploy; "
        "names secret(s) no workflow references: NPM_TOKEN, OLD_TOKEN; leaves out secret(s): SHARED_TOKEN"
    )


def test_a_stale_generated_file_is_a_mismatch(tmp_path: Path) -> None:
    root = repo(tmp_path, {".github/workflows/ci.yml": CI, ".github/workflow-docs.toml": DESCRIPTIONS})
    text = render(gather(root), load_descriptions(root))
    (root / ".github" / "WORKFLOW_DOCUMENTATION.md").write_text(text.replace("deploys", "ships"))
    report = examine(root)
    assert report.stale and report.mismatches == 1
    assert describe(report).endswith("run `invoke docs`")


def test_no_documentation_file_is_said_so(tmp_path: Path) -> None:
    report = examine(repo(tmp_path, {".github/workflows/ci.yml": CI}))
    assert report.doc is None
    assert describe(report).startswith(
        "no WORKFLOW_DOCUMENTATION.md (looked for .github/WORKFLOW_DOCUMENTATION.md"
    )


def test_an_unreadable_workflow_is_one_line_naming_the_file(tmp_path: Path) -> None:
    root = repo(
        tmp_path, {".github/workflows/ci.yml": CI, ".github/workflows/broken.yml": "jobs: [unclosed\n"}
    )
    (root / ".github" / "WORKFLOW_DOCUMENTATION.md").write_text("| job |\n|---|\n| `lint` |\n")
    report = examine(root)
    [problem] = report.problems
    assert problem.startswith(".github/workflows/broken.yml: unreadable workflow") and "\n" not in problem
    assert describe(report) == problem
    with pytest.raises(DescriptionsError, match=r"^\.github/workflows/broken\.yml: unreadable workflow"):
        render(gather(root), load_descriptions(root))


def test_descriptions_of_a_job_no_workflow_has_are_refused(tmp_path: Path) -> None:
    root = repo(
        tmp_path,
        {".github/workflows/ci.yml": CI, ".github/workflow-docs.toml": '[jobs.build]\ndoes = "make"\n'},
    )
    with pytest.raises(DescriptionsError, match=r"describes job\(s\) no workflow has: build$"):
        render(gather(root), load_descriptions(root))


def test_a_malformed_descriptions_file_names_itself(tmp_path: Path) -> None:
    root = repo(tmp_path, {".github/workflows/ci.yml": CI, ".github/workflow-docs.toml": "intro = [1, 2\n"})
    with pytest.raises(DescriptionsError, match=r"^\.github/workflow-docs\.toml: not readable"):
        load_descriptions(root)


def test_our_own_documentation_is_what_invoke_docs_generates() -> None:
    root = Path(__file__).resolve().parents[3]
    report = examine(root)
    assert report.problems == () and report.doc is not None
    assert report.mismatches == 0, describe(report)
