"""Count suppression comments (`# type: ignore`, ...) so hiding a finding stays visible."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore\b")
_SKIP_DIRS = frozenset({".venv", "venv", ".git", "__pycache__", "node_modules", ".mypy_cache", ".tox"})


def python_files(root: Path, paths: Sequence[str]) -> Iterator[Path]:
    for name in paths:
        path = root / name
        if path.is_file() and path.suffix == ".py":
            yield path
        elif path.is_dir():
            for candidate in sorted(path.rglob("*.py")):
                if not _SKIP_DIRS.intersection(candidate.relative_to(root).parts):
                    yield candidate


def count_matches(files: Sequence[Path] | Iterator[Path], pattern: re.Pattern[str]) -> int:
    """Lines matching `pattern`; an unreadable file counts nothing rather than crashing the gate."""
    total = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        total += sum(1 for line in text.splitlines() if pattern.search(line))
    return total
