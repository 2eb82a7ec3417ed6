"""The install plan read from a project's own files: which source wins, and what it pins."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cimaturity.targetenv.plan import PlanError, Source, locked_requirements, lockfile, make_plan

PYPROJECT = """\
[project]
name = "demo"
version = "1.0"
requires-python = ">=3.10"
dependencies = ["idna"]
[project.optional-dependencies]
test = ["pytest"]
docs = ["sphinx"]
[dependency-groups]
dev = ["ruff"]
lint = ["flake8"]
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_uv_lock_wins_and_keys_the_cache_with_the_lock(tmp_path: Path) -> None:
    root = write(
        tmp_path, {"pyproject.toml": PYPROJECT, "uv.lock": "version = 1\n", "requirements.txt": "x\n"}
    )
    plan = make_plan(root)
    assert plan.sources == (Source.UV_LOCK,)
    assert root / "uv.lock" in plan.inputs and root / "pyproject.toml" in plan.inputs
    assert plan.groups == ("dev",)  # test-ish groups only: not `lint`
    assert plan.requires_python == ">=3.10"
    assert plan.described == "uv.lock; groups dev"


def test_a_workspace_members_lock_is_found_at_the_workspace_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {"uv.lock": "version = 1\n", "backend/pyproject.toml": PYPROJECT})
    plan = make_plan(tmp_path / "backend")
    assert plan.sources == (Source.UV_LOCK,)
    assert plan.inputs[0] == tmp_path / "uv.lock"
    assert plan.uv_project == (tmp_path / "backend").resolve()


def test_without_a_lockfile_requirements_and_the_project_with_its_test_extras(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "requirements.txt": "idna==3.7\n",
            "tests/requirements.txt": "pytest\n",
            "requirements/docs.txt": "sphinx\n",
            "requirements/min.txt": "idna==2.0\n",
        },
    )
    plan = make_plan(root)
    assert plan.sources == (Source.REQUIREMENTS, Source.PYPROJECT)
    names = [path.relative_to(root).as_posix() for path in plan.requirement_files]
    assert names == ["requirements.txt", "tests/requirements.txt"]  # not docs, not minimum pins
    assert plan.extras == ("test",) and plan.groups == ("dev",) and plan.editable


def test_tox_deps_with_unresolvable_substitutions_left_out(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup()\n",
            "tox.ini": (
                "[testenv]\ndeps =\n    pytest  # the runner\n    -r{toxinidir}/extra.txt\n    {[base]deps}\n"
            ),
        },
    )
    plan = make_plan(root)
    assert Source.TOX in plan.sources
    assert plan.extra_requirements == ("pytest", f"-r{root.resolve()}/extra.txt")


def test_tox_deps_beside_extras_and_one_env_s_factor_conditional_deps(tmp_path: Path) -> None:
    """jazzband/django-oauth-toolkit: a `dev` extra without pytest-django, which its tox deps
    bring; Django pinned only per env (`dj42: Django>=4.2,<4.3`). The first env of env_list
    that a conditional dep names, and whose outcome tox does not ignore, decides: without it the
    latest Django, which the project does not support, made 370 of its tests fail."""
    tox_ini = (
        "[tox]\nenvlist =\n    lint,\n    py{310,311}-djmain,\n    py{38,39}-dj42,\n    py{310,311}-dj50\n"
        "[testenv]\ndeps =\n    dj42: Django>=4.2,<4.3\n    dj50: Django>=5.0,<5.1\n"
        "    djmain: https://github.com/django/django/archive/main.tar.gz\n    !dj42: asgiref\n"
        "    pytest-django\n"
        "[testenv:py{310,311}-djmain]\nignore_outcome = true\n"
    )
    pyproject = (
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["django>=4.2"]\n'
        '[project.optional-dependencies]\ndev = ["pytest"]\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    root = write(tmp_path, {"pyproject.toml": pyproject, "tox.ini": tox_ini, "demo/__init__.py": ""})
    plan = make_plan(root)
    assert Source.TOX in plan.sources and plan.extras == ("dev",)
    assert plan.extra_requirements == ("Django>=4.2,<4.3", "pytest-django")


def test_poetry_lock_pins_main_and_test_groups_and_a_git_source(tmp_path: Path) -> None:
    lock = """\
        [[package]]
        name = "idna"
        version = "3.7"
        groups = ["main"]
        markers = {main = "python_version >= '3.8'"}

        [[package]]
        name = "pytest"
        version = "8.3.3"
        groups = ["dev"]

        [[package]]
        name = "sphinx"
        version = "7.0.0"
        groups = ["docs"]

        [[package]]
        name = "mylib"
        version = "0.1"
        groups = ["main"]
        [package.source]
        type = "git"
        url = "https://example.invalid/mylib.git"
        resolved_reference = "abc123"
        """
    root = write(tmp_path, {"pyproject.toml": '[tool.poetry]\nname = "p"\n', "poetry.lock": lock})
    plan = make_plan(root)
    assert plan.sources == (Source.POETRY_LOCK,)
    assert plan.pinned == (
        "idna==3.7 ; (python_version >= '3.8')",
        "pytest==8.3.3",
        "mylib @ git+https://example.invalid/mylib.git@abc123",
    )
    assert not plan.project_deps  # the lock pinned them; the project goes in with --no-deps
    assert locked_requirements(root / "poetry.lock", runtime=True) == (
        "idna==3.7 ; (python_version >= '3.8')",
        "mylib @ git+https://example.invalid/mylib.git@abc123",
    )


def test_pipfile_lock_default_and_develop(tmp_path: Path) -> None:
    lock = (
        '{"default": {"idna": {"version": "==3.7"}}, '
        '"develop": {"pytest": {"version": "==8.0.0", "markers": "python_version >= \'3.8\'"}}}'
    )
    root = write(tmp_path, {"Pipfile.lock": lock})
    assert make_plan(root).pinned == ("idna==3.7", "pytest==8.0.0 ; python_version >= '3.8'")
    assert lockfile(root) == root / "Pipfile.lock"
    assert locked_requirements(root / "Pipfile.lock", runtime=True) == ("idna==3.7",)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pyproject.toml", "[project\n", "pyproject.toml: not readable TOML"),
        (
            "poetry.lock",
            "[[package]]\nversion = '1'\n",
            "poetry.lock: a [[package]] entry without name and version",
        ),
        ("Pipfile.lock", "{not json", "Pipfile.lock: not readable JSON"),
    ],
)
def test_an_unreadable_manifest_is_one_line_naming_the_file(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    root = write(tmp_path, {name: text})
    with pytest.raises(PlanError, match=message.replace("[", r"\[").replace("]", r"\]")):
        make_plan(root)
