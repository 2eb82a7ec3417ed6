"""The versions a project pins for its linters and formatters outside pre-commit: in its
requirements files, its pyproject's dependency groups and extras, or its lockfile.

Why: a tool's newer release judges differently. ruff 0.17 formats the Python blocks of Markdown
files, while httpx pins ruff 0.12.11 in `requirements.txt` and its CI runs that one. Judging
httpx with the newer ruff would report 17 "unformatted" files that its own CI accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cimaturity.projectconf import read_toml

TOOLS = ("ruff", "black", "isort", "flake8")
# `ruff==0.12.11`, `black[jupyter] == 24.3.0 ; python_version >= "3.9"`: exact pins only.
_PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9_.+!-]+)")


@dataclass(frozen=True)
class Pin:
    version: str
    source: str  # where it is pinned: `requirements.txt`, `uv.lock`, `pyproject.toml [dependency-groups]`


def pinned_tools(root: Path) -> dict[str, Pin]:
    """Each tool's exact pin, from the first place that pins it (requirements files, then the
    pyproject, then the lockfiles). Unreadable files are skipped: they pin nothing."""
    found: dict[str, Pin] = {}
    for tool, pin in (*_requirements(root), *_pyproject(root), *_lockfiles(root)):
        found.setdefault(tool, pin)
    return found


def _tool(requirement: str) -> tuple[str, str] | None:
    match = _PIN.match(requirement)
    if match is None:
        return None
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return (name, match.group(2)) if name in TOOLS else None


def _requirements(root: Path) -> Iterator[tuple[str, Pin]]:
    files = sorted(
        {*root.glob("requirements*.txt"), *root.glob("*requirements*.txt"), *root.glob("requirements/*.txt")}
    )
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            found = _tool(line.split("#", 1)[0])
            if found is not None:
                yield found[0], Pin(found[1], path.relative_to(root).as_posix())


def _pyproject(root: Path) -> Iterator[tuple[str, Pin]]:
    pyproject = read_toml(root / "pyproject.toml")
    project = pyproject.get("project")
    tables = (
        ("[dependency-groups]", pyproject.get("dependency-groups")),
        (
            "[project.optional-dependencies]",
            project.get("optional-dependencies") if isinstance(project, dict) else None,
        ),
    )
    for section, table in tables:
        if not isinstance(table, dict):
            continue
        for requirements in table.values():
            for requirement in requirements if isinstance(requirements, list) else ():
                found = _tool(requirement) if isinstance(requirement, str) else None
                if found is not None:
                    yield found[0], Pin(found[1], f"pyproject.toml {section}")


def _lockfiles(root: Path) -> Iterator[tuple[str, Pin]]:
    for name in ("uv.lock", "poetry.lock"):
        for package in read_toml(root / name).get("package", ()):
            if (
                isinstance(package, dict)
                and package.get("name") in TOOLS
                and isinstance(package.get("version"), str)
            ):
                yield str(package["name"]), Pin(str(package["version"]), name)
