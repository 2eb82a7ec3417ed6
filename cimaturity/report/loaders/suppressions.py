"""Suppressions -> `suppressions` frame: whatever hides a finding is counted, so hiding one never
quietly raises the score.

Kinds: `nosec`, `noqa`, `type-ignore` (comments in the project's Python source, when a project
root is given), `baseline` (detect-secrets baseline entries), `skipped-test` (JUnit),
`suppressed-finding` (SARIF results carrying an accepted `suppressions` entry). A kind with no
evidence behind it (no project root, no JUnit file, ...) has no row, rather than a zero.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from cimaturity.artifacts import read_bytes
from cimaturity.config import ConfigError, load_config
from cimaturity.model import ArtifactError

# Patterns on raw bytes: no decoding, one pass per pattern over each file.
_COMMENTS: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("nosec", re.compile(rb"#\s*nosec\b", re.IGNORECASE)),
    ("noqa", re.compile(rb"#\s*noqa\b", re.IGNORECASE)),
    ("type-ignore", re.compile(rb"#\s*type:\s*ignore\b")),
)
_SKIP_DIRS = frozenset(
    {".git", ".hg", ".venv", "venv", "env", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
     ".pytest_cache", ".tox", ".nox", "build", "dist", "site-packages", "reports"}
)  # fmt: skip
MAX_FILE_BYTES = 2_000_000  # a generated or vendored blob is not the project's own source


def source_comments(project_root: Path) -> dict[str, int]:
    """Counts of each suppression comment over the project's `*.py` source and test files."""
    totals = dict.fromkeys((kind for kind, _ in _COMMENTS), 0)
    for path in python_sources(project_root):
        try:  # the artifact rules: a regular file inside the project, under the cap, never blocking
            data = read_bytes(path, "Python source", within=project_root, max_bytes=MAX_FILE_BYTES)
        except ArtifactError:
            continue  # vanished, unreadable, empty, too large, a FIFO, a link outside: not evidence
        if b"#" not in data:
            continue
        for kind, pattern in _COMMENTS:
            totals[kind] += len(pattern.findall(data))
    return totals


def python_sources(root: Path) -> Iterator[Path]:
    """The configured source and test paths (`[tool.cimaturity]`), else every `*.py` under root."""
    try:
        config = load_config(root, environ={})
        scope = [root / p for p in config.existing((*config.source_paths, *config.test_paths))]
    except ConfigError:
        scope = []
    for top in scope or [root]:
        if top.is_file():
            if top.suffix == ".py":
                yield top
            continue
        yield from _walk(top)


def _walk(top: Path) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(top):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(directory) / name
