"""The throwaway copy the test checks run in: faithful to the working tree, `git` still works in
it, the project itself untouched, and paths in artifacts written back to the project's."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cimaturity.workcopy import WorkingCopyError, python_path, working_copy, write_back_paths

ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def _git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, env=ENV, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("PRICE = 1\n")
    (root / ".gitignore").write_text(".venv/\n__pycache__/\n")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "first")
    (root / "shop" / "__init__.py").write_text("PRICE = 2\n")  # modified, not committed
    (root / "notes.txt").write_text("untracked\n")
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").write_text("not copied\n")
    (root / "shop" / "__pycache__").mkdir()
    (root / "shop" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return root


def test_the_copy_is_the_working_tree_with_git_working_in_it(repository: Path) -> None:
    status_before = _git(repository, "status", "--porcelain")
    with working_copy(repository, ENV) as copy:
        assert copy != repository and copy.name == repository.name
        assert (copy / "shop" / "__init__.py").read_text() == "PRICE = 2\n"
        assert (copy / "notes.txt").read_text() == "untracked\n"
        assert not (copy / ".venv").exists() and not (copy / "shop" / "__pycache__").exists()
        assert _git(copy, "status", "--porcelain") == status_before
        assert _git(copy, "log", "-1", "--format=%s").strip() == "first"
        (copy / "written-by-a-test").write_text("x")
    assert not copy.exists()
    assert not (repository / "written-by-a-test").exists()
    assert _git(repository, "status", "--porcelain") == status_before
    assert (repository / ".venv" / "bin" / "python").exists()


def test_reports_and_venv_are_left_out_at_the_top_only_environments_anywhere(tmp_path: Path) -> None:
    """A fixture's own `reports/` or `venv/` deep in the tests is part of the tree the tests need;
    a sub-project's `.venv` or `node_modules` never is."""
    root = tmp_path / "lib"
    for folder in (
        "reports",
        "venv",
        "tests/fixtures/run/reports",
        "tests/fixtures/venv",
        "tests/__pycache__",
        "frontend/node_modules/pkg",
        "backend/.venv",
    ):
        (root / folder).mkdir(parents=True)
        (root / folder / "file.txt").write_text(folder)
    with working_copy(root, ENV) as copy:
        present = sorted(p.parent.relative_to(copy).as_posix() for p in copy.rglob("file.txt"))
    assert present == ["tests/fixtures/run/reports", "tests/fixtures/venv"]


def test_a_folder_without_git_is_copied_plainly(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "a.py").write_text("A = 1\n")
    with working_copy(tmp_path / "lib", ENV) as copy:
        assert (copy / "a.py").read_text() == "A = 1\n"
        assert not (copy / ".git").exists()


def test_a_broken_repository_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "broken" / ".git").mkdir(parents=True)  # not a repository at all
    with (
        pytest.raises(WorkingCopyError, match=r"^git clone failed: ") as raised,
        working_copy(tmp_path / "broken", ENV),
    ):
        pass
    assert "\n" not in str(raised.value)


def test_a_src_layout_comes_first_on_pythonpath(tmp_path: Path) -> None:
    assert python_path(tmp_path, {}) == {}
    (tmp_path / "src").mkdir()
    assert python_path(tmp_path, {}) == {"PYTHONPATH": str(tmp_path / "src")}
    assert python_path(tmp_path, {"PYTHONPATH": "/opt/x"}) == {"PYTHONPATH": f"{tmp_path / 'src'}:/opt/x"}


def test_artifacts_name_the_project_not_the_copy(tmp_path: Path) -> None:
    copy, project = Path("/tmp/cimaturity-copy-abc/shop"), Path("/work/shop")
    coverage = tmp_path / "coverage.xml"
    coverage.write_text(f"<sources><source>{copy}</source></sources>")
    untouched = tmp_path / "junit.xml"
    untouched.write_text("<testsuites/>")
    mtime = untouched.stat().st_mtime_ns
    write_back_paths([coverage, untouched, tmp_path / "absent.json"], copy, project)
    assert coverage.read_text() == f"<sources><source>{project}</source></sources>"
    assert untouched.stat().st_mtime_ns == mtime
