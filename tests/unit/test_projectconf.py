"""What a project configures for its own tools, read from its files and pre-commit hooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cimaturity.projectconf import MypySettings, UnreadableConfigError, project_tools

PRE_COMMIT = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: c60c980e561ed3e73101667fe8365c609d19a438  # frozen: v0.15.9
    hooks:
      - id: ruff-check
      - id: ruff-format
  - repo: https://github.com/pycqa/flake8
    rev: 7.1.0
    hooks:
      - id: flake8
        additional_dependencies: [flake8-bugbear==24.8.19]
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.11.2
    hooks:
      - id: mypy
"""


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def test_pre_commit_hooks_with_their_pinned_versions(tmp_path: Path) -> None:
    tools = project_tools(write(tmp_path, {".pre-commit-config.yaml": PRE_COMMIT}))
    assert tools.hooks["ruff"].version == "0.15.9"  # the frozen sha's version comment
    assert tools.hooks["ruff-format"].version == "0.15.9"
    assert tools.hooks["flake8"].version == "7.1.0"
    assert tools.hooks["flake8"].additional_dependencies == ("flake8-bugbear==24.8.19",)
    assert tools.hooks["mypy"].version == "1.11.2"
    assert tools.linters == ("ruff", "flake8") and tools.formatters == ("ruff-format",)
    assert tools.configured["flake8"] == ".pre-commit-config.yaml hook flake8"


def test_config_files_name_where_each_tool_is_configured(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": "[tool.black]\nline-length = 100\n[tool.isort]\nprofile = 'black'\n",
            "setup.cfg": "[flake8]\nmax-line-length = 100\n",
        },
    )
    tools = project_tools(root)
    assert tools.configured == {
        "black": "pyproject.toml [tool.black]",
        "isort": "pyproject.toml [tool.isort]",
        "flake8": "setup.cfg [flake8]",
    }
    assert tools.linters == ("flake8",) and tools.formatters == ("black", "isort")
    assert tools.mypy is None and not tools.pytest_configured


def test_mypy_settings_strict_and_files_from_each_place(tmp_path: Path) -> None:
    ini = write(tmp_path / "a", {"mypy.ini": "[mypy]\nstrict = True\nfiles = src, tools\n"})
    assert project_tools(ini).mypy == MypySettings("mypy.ini [mypy]", True, ("src", "tools"))
    toml = write(tmp_path / "b", {"pyproject.toml": "[tool.mypy]\nfiles = ['src']\n"})
    assert project_tools(toml).mypy == MypySettings("pyproject.toml [tool.mypy]", False, ("src",))
    cfg = write(tmp_path / "c", {"setup.cfg": "[mypy]\nstrict = false\n"})
    assert project_tools(cfg).mypy == MypySettings("setup.cfg [mypy]", False, ())


def test_pytest_options_and_coverage_settings(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "pyproject.toml": (
                "[tool.pytest.ini_options]\naddopts = ['-n', 'auto']\n"
                "[tool.coverage.run]\nsource = ['demo']\n[tool.coverage.report]\nfail_under = 85\n"
            )
        },
    )
    tools = project_tools(root)
    assert tools.pytest_configured and tools.pytest_addopts == "-n auto"
    assert tools.coverage_source and tools.coverage_fail_under == 85.0
    rc = write(tmp_path / "rc", {".coveragerc": "[run]\nsource = demo\n[report]\nfail_under = 60\n"})
    assert project_tools(rc).coverage_source and project_tools(rc).coverage_fail_under == 60.0


def test_an_unreadable_pre_commit_config_is_an_error_naming_it(tmp_path: Path) -> None:
    root = write(tmp_path, {".pre-commit-config.yaml": "repos: [\n"})
    with pytest.raises(UnreadableConfigError, match=r"^\.pre-commit-config\.yaml: not readable \("):
        project_tools(root)


def test_what_mypy_config_hides_is_listed(tmp_path: Path) -> None:
    toml = write(
        tmp_path / "a",
        {
            "pyproject.toml": (
                "[tool.mypy]\nexclude = ['^build/', 'legacy/']\n"
                "[[tool.mypy.overrides]]\nmodule = ['old.*', 'vendored']\nignore_errors = true\n"
                "[[tool.mypy.overrides]]\nmodule = 'typed.*'\nignore_missing_imports = true\n"
            )
        },
    )
    settings = project_tools(toml).mypy
    assert settings is not None
    assert settings.hidden == (
        "exclude: ^build/",
        "exclude: legacy/",
        "ignore_errors: old.*",
        "ignore_errors: vendored",
    )
    ini = write(
        tmp_path / "b",
        {"mypy.ini": "[mypy]\nexclude = (docs|migrations)/\n[mypy-pkg.gen.*]\nignore_errors = True\n"},
    )
    ini_settings = project_tools(ini).mypy
    assert ini_settings is not None
    assert ini_settings.hidden == ("exclude: (docs|migrations)/", "ignore_errors: pkg.gen.*")
