"""The fixture projects (tests/fixtures/projects/<shape>/) are well-formed.

Each is a plain tree saying which shape it is; its configuration files and lockfiles parse and
say what its shape needs; its own tests pass with this repository's interpreter when they need
nothing beyond it (tox, nox and Poetry environments are not built here). What cimaturity says
about these projects is asserted elsewhere; this only guards the fixtures themselves.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

PROJECTS = Path(__file__).resolve().parents[1] / "fixtures" / "projects"
CACHES = frozenset(
    {".git", "__pycache__", ".venv", ".tox", ".nox", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
)
INI_NAMES = frozenset({".flake8", "setup.cfg"})


@dataclass(frozen=True)
class Shape:
    name: str
    test_dir: str = "."  # where the project's tests are run from
    needs: tuple[str, ...] = ()  # modules its tests import beyond pytest and the standard library
    env: Mapping[str, str] = field(default_factory=dict)  # PYTHONPATH=src stands for the editable install
    # Its tests look at their repository: run them in a fresh one (one commit, "fixture", and
    # an uncommitted file), as tests/integration/test_fixture_projects.py checks it out.
    repository: bool = False


SHAPES = (
    Shape("tox_precommit_lib"),
    Shape("nox_lib"),
    Shape("black_isort_flake8"),
    Shape("uv_lock", needs=("six",)),
    Shape("poetry_lock", needs=("idna",)),
    Shape("src_layout", env={"PYTHONPATH": "src"}),
    Shape("service_subfolder", test_dir="backend", needs=("fastapi", "sqlalchemy", "httpx")),
    Shape("ruff_would_fix"),
    Shape("writes_in_cwd", repository=True),
)
BY_NAME = {shape.name: shape for shape in SHAPES}


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def _toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def _ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    with path.open(encoding="utf-8") as handle:
        parser.read_file(handle)
    return parser


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _workflow_runs(root: Path) -> list[dict[str, Any]]:
    """Every `run:` step of every workflow, with its job (for defaults)."""
    steps: list[dict[str, Any]] = []
    for path in sorted((root / ".github" / "workflows").glob("*.y*ml")):
        for job in _yaml(path)["jobs"].values():
            default_dir = ((job.get("defaults") or {}).get("run") or {}).get("working-directory")
            for step in job["steps"]:
                if "run" in step:
                    steps.append({**step, "job_default_dir": default_dir})
    return steps


def _run_lines(root: Path) -> list[str]:
    return [line.strip() for step in _workflow_runs(root) for line in str(step["run"]).splitlines()]


# --- every fixture -------------------------------------------------------------------------


def test_the_shapes_listed_are_the_folders_present() -> None:
    folders = {p.name for p in PROJECTS.iterdir() if p.is_dir()}
    assert folders == set(BY_NAME)
    listing = (PROJECTS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}/`" in listing for name in BY_NAME)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_is_a_plain_tree_that_says_its_shape(shape: Shape) -> None:
    root = PROJECTS / shape.name
    leftovers = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.name in CACHES)
    assert leftovers == [], "a fixture is a plain tree: no .git, no caches or environments"
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {shape.name}\n")
    assert "Shape: " in readme


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_every_config_file_parses(shape: Shape) -> None:
    parsed = 0
    for path in _files(PROJECTS / shape.name):
        if path.suffix in {".toml", ".lock"}:
            assert isinstance(_toml(path), dict), path
        elif path.suffix in {".yml", ".yaml"}:
            assert isinstance(_yaml(path), dict), path
        elif path.suffix == ".ini" or path.name in INI_NAMES:
            assert _ini(path).sections(), path
        elif path.suffix == ".py":
            ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        else:
            continue
        parsed += 1
    assert parsed >= 4


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_has_a_workflow_triggered_by_pushes_and_pull_requests(shape: Shape) -> None:
    workflows = sorted((PROJECTS / shape.name / ".github" / "workflows").glob("*.y*ml"))
    assert workflows
    for path in workflows:
        document = _yaml(path)
        triggers = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on` as true
        names = set(triggers) if isinstance(triggers, dict | list) else {triggers}
        assert {"push", "pull_request"} <= names, path
        assert all(job["runs-on"] and job["steps"] for job in document["jobs"].values()), path


# --- what each shape is about ------------------------------------------------------------


def test_tox_precommit_lib_runs_everything_through_tox_and_pre_commit() -> None:
    root = PROJECTS / "tox_precommit_lib"
    tox = _ini(root / "tox.ini")
    assert [e.strip() for e in tox["tox"]["env_list"].split(",")] == ["py", "lint", "typing"]
    assert "pytest" in tox["testenv"]["commands"]
    assert tox["testenv:lint"]["commands"].strip() == "ruff check ."
    assert tox["testenv:typing"]["commands"].strip() == "mypy"
    hooks = [
        hook["id"] for repo in _yaml(root / ".pre-commit-config.yaml")["repos"] for hook in repo["hooks"]
    ]
    assert hooks == ["ruff", "mypy"]
    assert {"tox -e lint,typing,py", "pre-commit run --all-files"} <= set(_run_lines(root))
    assert _toml(root / "pyproject.toml")["tool"]["mypy"]["strict"] is True


def test_nox_lib_declares_tests_and_lint_sessions_and_ci_runs_nox() -> None:
    root = PROJECTS / "nox_lib"
    tree = ast.parse((root / "noxfile.py").read_text(encoding="utf-8"))
    sessions = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any("nox.session" in ast.unparse(decorator) for decorator in node.decorator_list)
    }
    assert sessions == {"tests", "lint"}
    assert "nox" in _run_lines(root)


def test_black_isort_flake8_allows_lines_ruff_defaults_would_not() -> None:
    root = PROJECTS / "black_isort_flake8"
    tool = _toml(root / "pyproject.toml")["tool"]
    assert "ruff" not in tool
    assert tool["black"]["line-length"] == 100
    assert tool["isort"] == {**tool["isort"], "profile": "black", "line_length": 100}
    assert _ini(root / ".flake8")["flake8"]["max-line-length"] == "100"
    lengths = [
        len(line) for path in _files(root) if path.suffix == ".py" for line in path.read_text().splitlines()
    ]
    assert max(lengths) <= 100
    assert sum(88 < n <= 100 for n in lengths) >= 3  # over ruff's default 88, within black's 100
    assert {"black --check .", "isort --check-only --diff .", "flake8"} <= set(_run_lines(root))


def test_uv_lock_is_uvs_lockfile_for_the_project() -> None:
    root = PROJECTS / "uv_lock"
    project = _toml(root / "pyproject.toml")
    assert project["dependency-groups"]["dev"] == ["pytest>=8"]
    lock = _toml(root / "uv.lock")
    assert lock["version"] == 1
    assert lock["requires-python"] == project["project"]["requires-python"]
    packages = {package["name"]: package for package in lock["package"]}
    assert {"six", "pytest", "uvlockapp"} <= set(packages)
    own = packages["uvlockapp"]
    assert own["source"] == {"virtual": "."}
    assert [d["name"] for d in own["dependencies"]] == ["six"]
    assert [d["name"] for d in own["dev-dependencies"]["dev"]] == ["pytest"]
    for name, package in packages.items():
        if name != "uvlockapp":
            assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", wheel["hash"]) for wheel in package["wheels"]), (
                name
            )


def test_poetry_lock_is_poetrys_lockfile_for_the_project() -> None:
    root = PROJECTS / "poetry_lock"
    poetry = _toml(root / "pyproject.toml")["tool"]["poetry"]
    assert "pytest" in poetry["group"]["dev"]["dependencies"]
    lock = _toml(root / "poetry.lock")
    assert lock["metadata"]["python-versions"] == poetry["dependencies"]["python"]
    assert re.fullmatch(r"[0-9a-f]{64}", lock["metadata"]["content-hash"])
    packages = {package["name"]: package for package in lock["package"]}
    assert packages["idna"]["groups"] == ["main"]
    assert packages["pytest"]["groups"] == ["dev"]
    assert all("source" not in package for package in packages.values()), "PyPI packages carry no source"
    assert all(
        re.fullmatch(r"sha256:[0-9a-f]{64}", file["hash"])
        for package in packages.values()
        for file in package["files"]
    )


def test_src_layout_can_only_import_its_package_once_installed() -> None:
    root = PROJECTS / "src_layout"
    assert (root / "src" / "areakit" / "__init__.py").is_file()
    assert not (root / "areakit").exists()
    assert "pythonpath" not in _toml(root / "pyproject.toml")["tool"]["pytest"]["ini_options"]


def test_service_subfolder_keeps_the_service_in_backend() -> None:
    root = PROJECTS / "service_subfolder"
    backend = root / "backend"
    assert not (root / "pyproject.toml").exists()
    dependencies = _toml(backend / "pyproject.toml")["project"]["dependencies"]
    assert any(d.startswith("fastapi") for d in dependencies)
    dockerfile = (backend / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["uvicorn", "app.main:app"' in dockerfile
    assert _ini(backend / "alembic.ini")["alembic"]["script_location"] == "alembic"
    migrations = sorted((backend / "alembic" / "versions").glob("*.py"))
    assert [m.name for m in migrations] == ["0001_create_notes.py"]
    source = migrations[0].read_text(encoding="utf-8")
    assert "def upgrade()" in source
    assert "def downgrade()" in source
    python_steps = [step for step in _workflow_runs(root) if not str(step["run"]).startswith("docker ")]
    assert python_steps
    assert all("backend" in (step.get("working-directory"), step["job_default_dir"]) for step in python_steps)
    assert {step["job_default_dir"] for step in python_steps} == {"backend", None}  # both ways of saying it


def test_ruff_would_fix_has_fix_on_and_one_fixable_violation() -> None:
    root = PROJECTS / "ruff_would_fix"
    assert _toml(root / "pyproject.toml")["tool"]["ruff"]["fix"] is True
    tree = ast.parse((root / "greeter" / "core.py").read_text(encoding="utf-8"))
    imported = [alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names]
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert imported == ["os"]
    assert "os" not in used


# --- their own tests pass ------------------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: s.name)
def test_own_tests_pass_with_this_interpreter(shape: Shape, tmp_path: Path) -> None:
    missing = [module for module in shape.needs if importlib.util.find_spec(module) is None]
    if missing:
        pytest.skip(f"its tests need {', '.join(missing)}, not installed here")
    copy = tmp_path / shape.name  # run in a copy: caches and bytecode never land in the fixture
    shutil.copytree(PROJECTS / shape.name, copy)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_CORE_")) and key not in {"PYTHONPATH", "VIRTUAL_ENV"}
    }
    env.update(shape.env)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # this venv's plugins (playwright, locust...) cost seconds
    if shape.repository:
        identity = ("-c", "user.name=t", "-c", "user.email=t@example.invalid")
        commit = (*identity, "commit", "-q", "-m", "fixture")
        for argv in (("init", "-q", "-b", "main"), ("add", "-A"), commit):
            subprocess.run(["git", *argv], cwd=copy, env=env, check=True, capture_output=True)
        (copy / "uncommitted.txt").write_text("not committed\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=copy / shape.test_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", result.stdout)
    assert " failed" not in result.stdout
