"""The docs check through the real runner: passed, failed naming the job or secret, no
documentation, not applicable without workflows, error on an unreadable workflow; the checked
repository is never written."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cimaturity.checks.docs import DOCS
from cimaturity.config import load_config
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute, tool_environment

CI = """\
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
        env:
          TOKEN: ${{ secrets.PYPI_TOKEN }}
"""
GOOD = "| job |\n|---|\n| `test` |\n\n| secret |\n|---|\n| `PYPI_TOKEN` |\n"


def _run(root: Path, tmp_path: Path) -> tuple[Status, str]:
    ctx = CheckContext(
        config=load_config(root, environ={}),
        artifact_dir=tmp_path / "reports" / "docs",
        env=tool_environment(),
    )
    result = execute(DOCS, ctx)
    assert "\n" not in result.reason
    return result.status, result.reason


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '0'\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return hashlib.sha256(
        b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files)
    ).hexdigest()


def test_matching_documentation_passes_and_nothing_is_written(tmp_path: Path) -> None:
    root = _repo(tmp_path, {".github/workflows/ci.yml": CI, ".github/WORKFLOW_DOCUMENTATION.md": GOOD})
    before = _digest(root)
    assert _run(root, tmp_path) == (
        Status.PASSED,
        ".github/WORKFLOW_DOCUMENTATION.md documents all 1 job(s) and 1 secret(s) of 1 workflow file(s), "
        "and no others",
    )
    assert _digest(root) == before


def test_a_missing_secret_fails_naming_it(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {".github/workflows/ci.yml": CI, ".github/WORKFLOW_DOCUMENTATION.md": "| job |\n|---|\n| `test` |\n"},
    )
    assert _run(root, tmp_path) == (
        Status.FAILED,
        ".github/WORKFLOW_DOCUMENTATION.md leaves out secret(s): PYPI_TOKEN",
    )


def test_a_phantom_job_fails_naming_it(tmp_path: Path) -> None:
    doc = GOOD.replace("| `test` |\n", "| `test` |\n| `deploy` |\n")
    root = _repo(tmp_path, {".github/workflows/ci.yml": CI, ".github/WORKFLOW_DOCUMENTATION.md": doc})
    assert _run(root, tmp_path) == (
        Status.FAILED,
        ".github/WORKFLOW_DOCUMENTATION.md names job(s) no workflow has: deploy",
    )


def test_no_documentation_fails(tmp_path: Path) -> None:
    status, reason = _run(_repo(tmp_path, {".github/workflows/ci.yml": CI}), tmp_path)
    assert status is Status.FAILED and reason.startswith("no WORKFLOW_DOCUMENTATION.md")


def test_no_workflows_is_not_applicable(tmp_path: Path) -> None:
    assert _run(_repo(tmp_path, {}), tmp_path) == (
        Status.SKIPPED,
        "not applicable: no workflows (.github/workflows/*.yml) to document",
    )


def test_an_unreadable_workflow_is_an_error_naming_the_file(tmp_path: Path) -> None:
    root = _repo(
        tmp_path,
        {
            ".github/workflows/ci.yml": CI,
            ".github/workflows/bad.yml": "jobs: [unclosed\n",
            ".github/WORKFLOW_DOCUMENTATION.md": GOOD,
        },
    )
    status, reason = _run(root, tmp_path)
    assert status is Status.ERROR and reason.startswith(".github/workflows/bad.yml: unreadable workflow")
