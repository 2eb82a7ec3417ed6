"""What the follower knows and answers: a workflow step, the commands it reaches, and what kind of
check each command is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_INSTALL = re.compile(r"^\s*(?:python3?\s+-m\s+)?(?:uv\s+)?pip3?\s+install\b|^\s*install\b", re.IGNORECASE)


class Kind(StrEnum):
    LINT = "lint"
    FORMAT = "format"
    TYPECHECK = "typecheck"
    TESTS = "tests"
    COVERAGE_GATE = "coverage gate"
    SECURITY = "security"
    SECRETS = "secrets"


# By command words and pre-commit hook ids, so `ruff-check` (a hook) and `ruff check` (a command)
# are both lint, and `ruff-format` / `ruff format --check` are format only.
_KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            Kind.LINT,
            r"\bruff\b(?![\s-]+format\b)|\bflake8\b|\bpylint\b|\bpyflakes\b|\bpycodestyle\b|"
            r"\bpydocstyle\b|\bcodespell\b|\btypos\b|\byamllint\b|\bshellcheck\b|\bhadolint\b|"
            r"\bactionlint\b|\beslint\b|\bbiome\b|\bvulture\b",
        ),
        (
            Kind.FORMAT,
            r"\bruff[\s-]+format\b|\bblack\b|\bisort\b|\bautopep8\b|\byapf\b|\bblacken-docs\b|"
            r"\bprettier\b|\bdocformatter\b",
        ),
        (Kind.TYPECHECK, r"\bmypy\b|\b(?:based)?pyright\b|\bpytype\b|\bpyre\b|\bty\s+check\b|\bstubtest\b"),
        (
            Kind.TESTS,
            r"\bpytest\b|\bpy\.test\b|\bunittest\b|\bnose2\b|\bmanage\.py\s+test\b|"
            r"\bplaywright\s+test\b|\bbehave\b",
        ),
        (Kind.COVERAGE_GATE, r"--cov-fail-under\b|\b(?:coverage|diff-cover)\b.*--fail-under\b"),
        (
            Kind.SECURITY,
            r"\bbandit\b|\bsemgrep\b|\bpip-audit\b|\bsafety\b|\bcodeql\b|\btrivy\b|\bosv-scanner\b|"
            r"\bzizmor\b|\bcheckov\b|\bgrype\b",
        ),
        (Kind.SECRETS, r"\bdetect-secrets\b|\bgitleaks\b|\btrufflehog\b|\bdetect-private-key\b|\bggshield\b"),
    )
)


def is_install(command: str) -> bool:
    """`pip install mypy` installs a tool; it does not run it."""
    return _INSTALL.match(command) is not None


def classify(command: str) -> tuple[Kind, ...]:
    """What kind of check a command line (or pre-commit hook id) is; empty when none."""
    if is_install(command):
        return ()
    return tuple(kind for kind, pattern in _KINDS if pattern.search(command))


def _place(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


@dataclass(frozen=True)
class Hop:
    """A script line that runs another script: one link of a `Reached.via` chain."""

    file: str  # repository-relative, posix
    line: int | None
    command: str

    def __str__(self) -> str:
        return f"{_place(self.file, self.line)} {self.command}"


@dataclass(frozen=True)
class Reached:
    """One command a step reaches, where it is written, and the script lines that led there."""

    file: str  # repository-relative, posix
    line: int | None
    context: str  # "[tool.tox.env.typing]", "hook", "lint:", "session test:"; "" for a script line
    command: str
    kinds: tuple[Kind, ...]
    via: tuple[Hop, ...] = ()  # a script called by a script: the calling lines, outermost first

    def __str__(self) -> str:
        """`backend/scripts/tests-start.sh:7 bash scripts/test.sh → backend/scripts/test.sh:6 pytest`"""
        own = " ".join(part for part in (_place(self.file, self.line), self.context, self.command) if part)
        return " → ".join((*(str(hop) for hop in self.via), own))


@dataclass(frozen=True)
class StepCall:
    """What the follower needs to know about one workflow step."""

    run: str | None
    uses: str | None = None
    with_: Mapping[str, str] = field(default_factory=dict)
    working_directory: str = ""  # repository-relative; "" is the repository root
    env: Mapping[str, str] = field(default_factory=dict)  # workflow, job and step `env:` merged
    matrix_values: frozenset[str] = frozenset()  # every value the job's matrix can take


@dataclass(frozen=True)
class Followed:
    reached: tuple[Reached, ...]
    problems: tuple[str, ...]
