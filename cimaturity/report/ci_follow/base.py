"""The follower interface, and one step being followed: what it reaches and the problems met."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

from .files import ProjectFiles, Unparseable
from .model import Hop, Reached, StepCall, classify, is_install
from .shell import program

T = TypeVar("T")

MAX_RUNNER_DEPTH = 5  # `uv run python -m tox` is two runners; more means a loop in our reading


class Follower(ABC):
    """One family of commands (tox, make, a shell script, ...) followed to the commands it runs."""

    programs: ClassVar[frozenset[str]] = frozenset()

    def handles(self, words: Sequence[str]) -> bool:
        """Whether this follower reads the command `words` (by default: by its program's name)."""
        return program(words[0]) in self.programs

    @abstractmethod
    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        """Add to `run` what `words`, run in the folder `cwd`, reaches (`depth`: runners seen
        through so far, for `run.dispatch` of an inner command)."""


@dataclass
class Run:
    """One step being followed: collects what it reaches and the problems met."""

    files: ProjectFiles
    call: StepCall
    followers: Sequence[Follower]
    problems: list[str] = field(default_factory=list)
    reached: list[Reached] = field(default_factory=list)

    def add(self, file: str, line: int | None, context: str, command: str, via: tuple[Hop, ...] = ()) -> None:
        command = " ".join(command.split())
        if command and not is_install(command):
            self.reached.append(Reached(file, line, context, command, classify(command), via))

    def dispatch(self, words: list[str], cwd: str, depth: int = 0) -> None:
        """Hand `words` to the first follower that handles it; nothing when none does."""
        if not words or depth > MAX_RUNNER_DEPTH:
            return
        follower = next((f for f in self.followers if f.handles(words)), None)
        if follower is not None:
            follower.follow(self, words, cwd, depth)

    def text(self, file: str, what: str) -> str | None:
        return self.files.text(file, self.problems, what)

    def parsed(
        self,
        file: str,
        what: str,
        parse: Callable[[str], T],
        errors: tuple[type[Exception], ...],
        *,
        label: str | None = None,
    ) -> T | None:
        """`parse` of the file's text; None when missing, unreadable or unparseable (a problem)."""
        value = self.files.parsed(file, what, parse, errors, self.problems, label=label)
        return None if value is Unparseable.FILE else value
