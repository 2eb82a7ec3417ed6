"""Where a command is written: the line of a header, a key, each command of a list; and the small
readers of parsed TOML data the families share."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    """A command written in a configuration file (tox env, nox session, make target)."""

    line: int | None
    text: str


def find_line(lines: Sequence[str], start: int, pattern: str, end: int | None = None) -> int | None:
    """The first 1-based line at or after `start` (and before `end`) matching `pattern`."""
    compiled = re.compile(pattern)
    for number in range(max(start, 1), (end or len(lines) + 1)):
        if number <= len(lines) and compiled.search(lines[number - 1]):
            return number
    return None


def command_lines(
    lines: Sequence[str], start: int, end: int | None, first_words: Sequence[str]
) -> list[int | None]:
    """The line of each command, in order, found by its first word from line `start` on. Each
    match is used up, so two commands starting alike (`ruff check`, `ruff format`) get their own."""
    found: list[int | None] = []
    line, column = start, 0
    for word in first_words:
        quoted = word.startswith('"') and word.endswith('"') and len(word) > 1
        pattern = (
            re.compile(rf"[\"']{re.escape(word[1:-1])}[\"']")
            if quoted
            else re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        )
        hit = _search_from(lines, line, column, pattern, end)
        if hit is not None:
            line, column = hit
        found.append(hit[0] if hit else None)
    return found


def _search_from(
    lines: Sequence[str], line: int, column: int, pattern: re.Pattern[str], end: int | None
) -> tuple[int, int] | None:
    """The line of the first match at or after (line, column), and the column just past it."""
    for number in range(max(line, 1), min(end or len(lines) + 1, len(lines) + 1)):
        match = pattern.search(lines[number - 1], column if number == line else 0)
        if match is not None:
            return number, match.end()
    return None


def toml_header_line(lines: Sequence[str], table: tuple[str, ...]) -> int | None:
    """The line of the `[a.b.c]` header of `table` (keys bare or quoted)."""
    keys = r"\s*\.\s*".join(rf"(?:{re.escape(k)}|\"{re.escape(k)}\"|'{re.escape(k)}')" for k in table)
    return find_line(lines, 1, rf"^\s*\[\s*{keys}\s*\]\s*(?:#.*)?$")


def next_header(lines: Sequence[str], after: int) -> int | None:
    """The next `[section]` / `[table]` header after line `after`."""
    # at column 0: an indented `["mypy"],` inside a commands array is not a table header
    return find_line(lines, after + 1, r"^\[")


def table(data: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """The nested table at `path`; empty when any part is missing or not a table."""
    current: Any = data
    for key in path:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def strings(value: Any) -> list[str]:
    """The strings of a list (other items left out); empty for anything else."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
