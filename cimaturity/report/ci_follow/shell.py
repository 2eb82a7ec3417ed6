"""Shell text as words: `${{ }}` and `$VAR` substitution, logical lines, simple commands, options."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_SHELL_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "|&"})
_PREFIX_WORDS = frozenset({"env", "exec", "time", "command", "nohup", "then", "do", "else", "!"})


def substitute(text: str, env: Mapping[str, str]) -> str:
    """`${{ ... }}` becomes one space-free word (it stays recognisable as an expression);
    `$NAME` is replaced by the step's `env:` value when the workflow sets it."""

    def expression(match: re.Match[str]) -> str:
        return "${{" + re.sub(r"[^\w.\-]", "", match.group(1)) + "}}"

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return _EXPRESSION.sub(expression, env[name]) if name in env else match.group(0)

    return _SHELL_VAR.sub(variable, _EXPRESSION.sub(expression, text))


def is_expression(word: str) -> bool:
    """A value only known at run time (`${{ matrix.env }}`, `$TOXENV`)."""
    return "${{" in word or word.startswith("$")


def split(text: str) -> list[str]:
    """Shell words, with `;`, `&&`, `|`, ... as words of their own and comments dropped."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:  # an unbalanced quote: words are still worth reading
        return text.split()


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank, non-comment lines with backslash continuations joined, with 1-based lines."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        lines.append((start, " ".join(part.strip() for part in pending)))
        pending = []
    if pending:
        lines.append((start, " ".join(part.strip() for part in pending)))
    return lines


def simple_commands(text: str) -> list[list[str]]:
    """Each command of a shell text as words, split at `&&`, `||`, `;`, `|`, leading
    `VAR=value` assignments and `env`/`time`/`exec` removed."""
    commands: list[list[str]] = []
    for _, line in logical_lines(text):
        current: list[str] = []
        for word in [*split(line), ";"]:
            if word in _OPERATORS:
                if current:
                    commands.append(current)
                current = []
            elif current or not (re.match(r"^\w+=", word) or word in _PREFIX_WORDS):
                current.append(word)
    return commands


def program(word: str) -> str:
    """The program a command's first word names: `.venv/bin/Tox` -> `tox`; `.` (source) is `.`."""
    return PurePosixPath(word).name.lower() or word


def join(*parts: str) -> str:
    """Repository-relative posix path of joined parts ("" is the root)."""
    joined = PurePosixPath(*[part for part in parts if part and part != "."]).as_posix()
    return "" if joined == "." else joined


def option(args: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value of the first of `names` in `args` (`-e X`, `-eX`, `--env=X`), if given."""
    for index, word in enumerate(args):
        for name in names:
            if word == name and index + 1 < len(args):
                return args[index + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word[len(name) + 1 :]
            if len(name) == 2 and word.startswith(name) and len(word) > 2 and not word.startswith("--"):
                return word[2:]
    return None


def option_words(args: Sequence[str], names: tuple[str, ...]) -> list[str]:
    """Every value after any of `names` up to the next option (nox's `-s a b -s c`)."""
    words: list[str] = []
    taking = False
    for word in args:
        if word in names:
            taking = True
        elif word.startswith("-"):
            taking = False
            if any(word.startswith(name + "=") for name in names if name.startswith("--")):
                words.extend(part for part in word.split("=", 1)[1].split(",") if part)
        elif taking:
            words.extend(part for part in word.split(",") if part)
    return words


def positional(args: Sequence[str], value_options: set[str] | frozenset[str]) -> list[str]:
    """The words that are neither options nor the values of `value_options`."""
    words: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word in value_options:
            skip = True
        elif not word.startswith("-"):
            words.append(word)
    return words
