"""Raw facts about the target repository that rules need (files present, docs text, dependencies).

Gathered once, so rules never read files themselves.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "reports", ".mypy_cache"})
_MAX_FILES = 20_000  # enough for any service repo; keeps a walk of a huge tree bounded
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".yml", ".yaml")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class ProjectFacts:
    root: Path
    files: frozenset[str]  # posix paths relative to root
    texts: Mapping[str, str]  # small docs/config files under .github/, docs/, README*
    dependencies: frozenset[str]  # normalised package names from requirements*.txt and pyproject

    def exists(self, path: str) -> bool:
        path = path.rstrip("/")
        return path in self.files or any(name.startswith(path + "/") for name in self.files)


def gather_project(root: Path) -> ProjectFacts:
    files: set[str] = set()
    for path in _walk(root):
        files.add(path.relative_to(root).as_posix())
        if len(files) >= _MAX_FILES:
            break
    texts: dict[str, str] = {}
    for name in sorted(files):
        top = name.split("/", 1)[0]
        is_doc = top in (".github", "docs") or name.upper().startswith("README")
        if (is_doc and name.endswith(_DOC_SUFFIXES)) or name.endswith("CODEOWNERS"):
            try:
                texts[name] = (root / name).read_text(encoding="utf-8", errors="replace")[:200_000]
            except OSError:
                continue
    return ProjectFacts(root=root, files=frozenset(files), texts=texts, dependencies=_dependencies(root))


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    stack = [root]
    while stack and len(found) < _MAX_FILES:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in _SKIP_DIRS:
                    stack.append(entry)
            elif entry.is_file():
                found.append(entry)
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dependencies(root: Path) -> frozenset[str]:
    names: set[str] = set()
    for path in root.glob("requirements*.txt"):
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            match = _REQUIREMENT.match(line)
            if match and not line.lstrip().startswith("-"):
                names.add(_normalise(match.group(1)))
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            document = {}
        declared = document.get("project", {}).get("dependencies", [])
        for item in declared if isinstance(declared, list) else []:
            match = _REQUIREMENT.match(str(item))
            if match:
                names.add(_normalise(match.group(1)))
    return frozenset(names)
