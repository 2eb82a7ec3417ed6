"""Linter and formatter versions pinned outside pre-commit: requirements, pyproject, lockfiles."""

from __future__ import annotations

from pathlib import Path

from cimaturity.toolpins import Pin, pinned_tools


def test_requirements_files_pin_exact_versions_only(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "-e .[cli]\nruff==0.12.11\n"
        "Black[jupyter] == 24.3.0 ; python_version >= '3.9'\nisort>=5\n# flake8==1\n"
    )
    assert pinned_tools(tmp_path) == {
        "ruff": Pin("0.12.11", "requirements.txt"),
        "black": Pin("24.3.0", "requirements.txt"),
    }


def test_requirements_come_before_the_pyproject_and_the_lockfile(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "dev.txt").write_text("flake8==7.1.0\n")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[project.optional-dependencies]\nlint = ["flake8==6.0.0", "isort==5.13.2"]\n'
        '[dependency-groups]\ndev = ["ruff==0.9.1", {include-group = "lint"}]\n'
    )
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "ruff"\nversion = "0.9.9"\n'
        '[[package]]\nname = "black"\nversion = "25.1.0"\n'
    )
    assert pinned_tools(tmp_path) == {
        "flake8": Pin("7.1.0", "requirements/dev.txt"),
        "ruff": Pin("0.9.1", "pyproject.toml [dependency-groups]"),
        "isort": Pin("5.13.2", "pyproject.toml [project.optional-dependencies]"),
        "black": Pin("25.1.0", "uv.lock"),
    }


def test_unreadable_files_pin_nothing(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\nbroken")
    (tmp_path / "poetry.lock").write_bytes(b"\xff\xfe")
    (tmp_path / "requirements.txt").write_bytes(b"ruff==\xff\n")
    assert pinned_tools(tmp_path) == {}
