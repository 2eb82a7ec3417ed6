"""Judging repositories of other shapes truthfully (issue 7), on the fixture projects.

Each fixture is copied and committed into a fresh git repository, then checked by the real
runner in its own provisioned environment (uv, from its lockfile or manifests). Every test also
proves the checked tree is unchanged: a hash of every file but the reports folder and `.git`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from cimaturity.config import load_config
from cimaturity.model import CheckResult, Status
from cimaturity.registry import CHECKS
from cimaturity.runfile import RunRecord
from cimaturity.runner import Profile, run_checks, select
from tests.unit.checks._fast_fixtures import quiet_env

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "projects"


@pytest.fixture(scope="module")
def env_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One environment cache for the module: a second run of a fixture re-uses its environment."""
    return tmp_path_factory.mktemp("env-cache")


def checkout(shape: str, tmp_path: Path) -> Path:
    root = tmp_path / shape
    shutil.copytree(FIXTURES / shape, root)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "fixture")
    return root


def tree_hash(root: Path, skip: tuple[str, ...] = (".git", "reports")) -> str:
    """Every file's path, mode and bytes, and every folder's path: any change shows."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip:
            continue
        digest.update(relative.as_posix().encode() + b"\0" + oct(path.lstat().st_mode).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def run(
    project: Path, env_cache: Path, *, only: tuple[str, ...] = (), profile: Profile = Profile.QUICK
) -> Mapping[str, CheckResult]:
    environ = {**quiet_env(), "CIMATURITY_CACHE_DIR": str(env_cache)}
    environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    environ.pop("VIRTUAL_ENV", None)  # cimaturity's own venv is not the project's
    config = load_config(project, environ=environ)
    selection = select(CHECKS, config, profile=profile, only=only)
    record: RunRecord = run_checks(
        selection, config, project / "reports", jobs=2, profile=profile, env=environ
    )
    return {result.name: result for result in record.checks}


def test_a_uv_lock_project_runs_its_tests_in_an_environment_synced_from_the_lock(
    tmp_path: Path, env_cache: Path
) -> None:
    project = checkout("uv_lock", tmp_path)
    before = tree_hash(project)
    results = run(project, env_cache, only=("test",))
    assert results["test"].status is Status.PASSED, results["test"].reason
    assert results["test"].reason.startswith("2 tests passed")
    log = (project / "reports" / "artifacts" / "test" / "log.txt").read_text()
    assert "by uv from uv.lock" in log
    assert tree_hash(project) == before


def test_a_poetry_project_gets_its_locked_dependencies(tmp_path: Path, env_cache: Path) -> None:
    project = checkout("poetry_lock", tmp_path)
    before = tree_hash(project)
    results = run(project, env_cache, only=("test",))
    assert results["test"].status is Status.PASSED, results["test"].reason
    log = (project / "reports" / "artifacts" / "test" / "log.txt").read_text()
    assert "by uv from poetry.lock" in log
    assert tree_hash(project) == before


def test_a_src_layout_project_tests_its_own_source_not_an_installed_copy(
    tmp_path: Path, env_cache: Path
) -> None:
    """`tests/test_source.py` fails unless `areakit` comes from this tree's `src/`."""
    project = checkout("src_layout", tmp_path)
    before = tree_hash(project)
    results = run(project, env_cache, only=("test",))
    assert results["test"].status is Status.PASSED, results["test"].reason
    assert tree_hash(project) == before


def test_tests_that_write_where_they_run_leave_the_checked_tree_unchanged(
    tmp_path: Path, env_cache: Path
) -> None:
    """They run in a copy: their file lands there, and `git` in them sees this repository, its
    uncommitted file included (as httpx's key-log test leaves `test` in its working directory)."""
    project = checkout("writes_in_cwd", tmp_path)
    (project / "uncommitted.txt").write_text("not committed\n", encoding="utf-8")
    before = tree_hash(project)
    results = run(project, env_cache, only=("test",))
    assert results["test"].status is Status.PASSED, results["test"].reason
    assert tree_hash(project) == before
    assert not (project / "tides.log").exists()
    coverage = (project / "reports" / "latest" / "artifacts" / "test" / "coverage.xml").read_text()
    assert "cimaturity-copy-" not in coverage and str(project) in coverage  # names the project


def test_black_isort_flake8_are_the_judges_not_ruffs_defaults(tmp_path: Path, env_cache: Path) -> None:
    project = checkout("black_isort_flake8", tmp_path)
    results = run(project, env_cache, only=("lint",))
    lint = results["lint"]
    assert lint.status is Status.PASSED, lint.reason
    assert "flake8 (.flake8)" in lint.reason
    assert "black (pyproject.toml [tool.black])" in lint.reason
    assert "isort (pyproject.toml [tool.isort])" in lint.reason
    assert "ruff" not in lint.reason


def test_ruff_fix_true_is_reported_never_applied(tmp_path: Path, env_cache: Path) -> None:
    project = checkout("ruff_would_fix", tmp_path)
    before = tree_hash(project)
    results = run(project, env_cache, only=("lint",))
    assert results["lint"].status is Status.FAILED
    assert ": F401" in results["lint"].reason
    assert tree_hash(project) == before


def test_mypy_runs_as_the_project_configures_it_in_its_environment(tmp_path: Path, env_cache: Path) -> None:
    project = checkout("tox_precommit_lib", tmp_path)
    results = run(project, env_cache, only=("typecheck",))
    typecheck = results["typecheck"]
    assert typecheck.status is Status.PASSED, typecheck.reason
    assert typecheck.reason.startswith("mypy (pyproject.toml [tool.mypy], strict): no errors")


@pytest.mark.parametrize("shape", ["tox_precommit_lib", "nox_lib", "service_subfolder", "ruff_would_fix"])
def test_the_whole_quick_run_leaves_the_checked_tree_unchanged(
    shape: str, tmp_path: Path, env_cache: Path
) -> None:
    project = checkout(shape, tmp_path)
    before = tree_hash(project)
    results = run(project, env_cache)
    assert results, "nothing ran"
    assert tree_hash(project) == before
    untracked = subprocess.run(
        ["git", "status", "--porcelain", "--", ".", ":(exclude)reports"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert untracked == ""
