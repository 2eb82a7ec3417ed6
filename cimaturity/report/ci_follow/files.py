"""The repository's files as the followers read them: each text read once, a path kept inside the
repository, and every unreadable or unparseable file recorded as a problem string, never raised."""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Literal, TypeVar

T = TypeVar("T")


class Unparseable(Enum):
    """What `ProjectFiles.parsed` answers for a file that exists but does not parse."""

    FILE = "unparseable"


class ProjectFiles:
    """One repository's files; keeps each file's text so a workflow reads it once."""

    def __init__(self, repo: Path) -> None:
        self._repo = repo.resolve()
        self._texts: dict[str, str | None] = {}
        self._unreadable: dict[str, str] = {}

    def text(self, relative: str, problems: list[str], what: str) -> str | None:
        """The file's text; None when it does not exist (silently) or is unreadable (a problem)."""
        inside = self.inside(relative)
        if inside is None:
            return None  # outside the repository: not part of what is scored
        relative = inside
        if relative in self._unreadable:
            problems.append(self._unreadable[relative])
            return None
        if relative not in self._texts:
            path = self._repo / relative
            try:
                self._texts[relative] = path.read_text(encoding="utf-8") if path.is_file() else None
            except (OSError, UnicodeDecodeError) as exc:
                self._unreadable[relative] = f"{relative}: unreadable {what} ({first_line(exc)})"
                problems.append(self._unreadable[relative])
                return None
        return self._texts[relative]

    def parsed(
        self,
        relative: str,
        what: str,
        parse: Callable[[str], T],
        errors: tuple[type[Exception], ...],
        problems: list[str],
        *,
        label: str | None = None,
    ) -> T | Literal[Unparseable.FILE] | None:
        """`parse` applied to the file's text: None when the file is missing or unreadable,
        `Unparseable.FILE` when `parse` raises one of `errors` (recorded as "unreadable <label>",
        `label` defaulting to `what`)."""
        text = self.text(relative, problems, what)
        if text is None:
            return None
        try:
            return parse(text)
        except errors as exc:
            problems.append(f"{relative}: unreadable {label or what} ({first_line(exc)})")
            return Unparseable.FILE

    def inside(self, relative: str) -> str | None:
        """`relative` normalised, or None when it leaves the repository (`../x`, `/etc/x`)."""
        try:
            resolved = (self._repo / relative).resolve()
            return resolved.relative_to(self._repo).as_posix()
        except (ValueError, OSError):
            return None

    def is_file(self, relative: str) -> bool:
        return (self._repo / relative).is_file()

    def is_shell_script(self, relative: str) -> bool:
        """A `.sh`/`.bash` file, or one whose `#!` line names a shell."""
        path = self._repo / relative
        if relative.endswith((".sh", ".bash")):
            return path.is_file()
        try:
            with path.open("rb") as handle:
                first = handle.readline(200)
        except OSError:
            return False
        return first.startswith(b"#!") and re.search(rb"\b(?:ba|da|z|k)?sh\b", first) is not None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
