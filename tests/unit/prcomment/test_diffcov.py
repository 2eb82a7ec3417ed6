"""Coverage of changed lines, by the real diff-cover on a real git repository and coverage run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cimaturity.prcomment.diffcov import diff_coverage

BASE = "def a(x):\n    return x\n"
CHANGED = "def a(x):\n    if x > 5:\n        return 0\n    return x\n\n\ndef b():\n    return 2\n"


def _git(root: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}  # fmt: skip
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def changed_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "m.py").write_text(BASE)
    (root / "run.py").write_text("import m\nm.a(1)\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "base")
    _git(root, "checkout", "-qb", "feature")
    (root / "m.py").write_text(CHANGED)
    _git(root, "commit", "-qam", "change")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COV")}
    for argv in (["run", "run.py"], ["xml", "-q", "-o", "coverage.xml"]):
        subprocess.run(
            [sys.executable, "-m", "coverage", *argv], cwd=root, env=env, check=True, capture_output=True
        )
    return root


def test_the_changed_lines_are_measured(changed_repo: Path) -> None:
    result = diff_coverage(changed_repo, changed_repo / "coverage.xml", "main", dict(os.environ))
    # changed: `if x > 5` (run), `return 0` (not), `def b` (run), `return 2` (not)
    assert (result.percent, result.lines, result.reason) == (50.0, 4, "")


def test_no_number_without_a_report_or_a_known_base(changed_repo: Path) -> None:
    missing = diff_coverage(changed_repo, changed_repo / "nope.xml", "main", dict(os.environ))
    assert missing.percent is None and missing.reason == "no coverage report (nope.xml)"
    unknown = diff_coverage(changed_repo, changed_repo / "coverage.xml", "no-such-branch", dict(os.environ))
    assert unknown.percent is None and unknown.reason.startswith("diff-cover failed")


def test_a_change_without_measured_lines_has_no_number(changed_repo: Path) -> None:
    (changed_repo / "README.md").write_text("docs only\n")
    _git(changed_repo, "checkout", "-q", "main")
    _git(changed_repo, "checkout", "-qb", "docs")
    _git(changed_repo, "add", "README.md")
    _git(changed_repo, "commit", "-qm", "docs")
    result = diff_coverage(changed_repo, changed_repo / "coverage.xml", "main", dict(os.environ))
    assert result.percent is None and result.reason == "no changed line that coverage measures"
