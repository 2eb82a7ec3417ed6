"""What makes a workflow step unable to fail its job, and what stands in for a readiness check:
plain text detectors over a `run:` script.

One definition, read by two callers: the workflow audit (`cimaturity.audit.rules`, findings with
file and line) and the report's workflow facts (`Step.soft_reasons`, `health_check_polling`), so
the audit and the rubric can never disagree about the same step.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

# `cmd || true`, `cmd || :`, `cmd || exit 0`, `cmd || echo "not found"`: the failure of `cmd` is
# swallowed. `|| { echo ...; exit 1; }` and `|| exit 1` re-raise it and are not soft.
_SWALLOW = re.compile(r"\|\|\s*(true\b|:(?=\s*(?:$|[;&|#)]))|exit\s+0\b|echo\b)")
_EXIT_ZERO = re.compile(r"(?<![\w-])--exit-zero\b")
_REDIRECT = re.compile(r"\d*>>?\s*\S+|\d*>&\d")
# Commands whose failure is routinely ignored without hiding a check: cleanup, probes, setup.
_BENIGN = frozenset(
    {
        "rm",
        "mkdir",
        "rmdir",
        "kill",
        "pkill",
        "killall",
        "cp",
        "mv",
        "ln",
        "ls",
        "cat",
        "grep",
        "test",
        "[",
        "which",
        "command",
        "type",
        "cd",
        "apt-get",
        "apt",
        "brew",
        "sudo",
        "chmod",
        "chown",
        "touch",
        "wait",
        "umount",
        "docker",
        "git",
        "unset",
        "source",
        ".",
        "export",
        "echo",
        "printf",
    }
)
_PIP_BENIGN = re.compile(
    r"\bpip3?\s+(?:install|uninstall|cache)\b|\bpython3?\s+-m\s+pip\s+(?:install|uninstall)\b"
)
_SLEEP = re.compile(r"(?<![\w-])sleep\s+(\d+(?:\.\d+)?)(s|m)?\b")
_LOOP_OPEN = re.compile(r"^\s*(?:for|while|until)\b")
_DO = re.compile(r"(?:^|;|\s)do(?:\s|$)")
_DONE = re.compile(r"(?:^|;|\s)done\b")


# A later step that fails the job when a continue-on-error step failed:
# `if: steps.<id>.outcome == 'failure'` (or `!= 'success'`) with `exit 1`, or the test in the shell.
_EXIT_FAILING = re.compile(r"\bexit\s+[1-9]|^\s*false\s*$", re.MULTILINE)


@dataclass(frozen=True)
class SoftMarker:
    """A swallowed failure on one line of a script: what swallows it, and the command it hides."""

    marker: str  # `|| true`, `|| echo`, `--exit-zero`
    command: str  # the command whose failure is swallowed (its first words)
    line_index: int  # 0-based line within the script


@dataclass(frozen=True)
class FixedSleep:
    seconds: float
    line_index: int


def soft_markers(script: str) -> list[SoftMarker]:
    """Every check in `script` whose failure cannot fail the step.

    `|| true` after `rm -f x` hides nothing; after `pytest` it hides every test failure, so the
    command before the `||` must be one that checks something (not cleanup or setup).
    `--exit-zero` turns any check's findings into success wherever it appears.
    """
    found: list[SoftMarker] = []
    for index, line in enumerate(script.splitlines()):
        code = _strip_comment(line)
        for match in _EXIT_ZERO.finditer(code):
            found.append(
                SoftMarker("--exit-zero", _first_words(code[: match.start()] + code[match.end() :]), index)
            )
        for match in _SWALLOW.finditer(code):
            command = _command_before(code[: match.start()])
            if command and not _benign(command):
                word = match.group(1).split()[0] if match.group(1).strip() != ":" else ":"
                found.append(
                    SoftMarker(f"|| {'exit 0' if word == 'exit' else word}", _first_words(command), index)
                )
    return found


def fixed_sleeps(script: str, min_seconds: float = 5.0) -> list[FixedSleep]:
    """`sleep N` (N >= min_seconds) outside any loop: a wait that checks nothing.

    Inside `for`/`while`/`until` a sleep is the backoff between polls, which is the cure.
    """
    found: list[FixedSleep] = []
    depth = 0
    for index, line in enumerate(script.splitlines()):
        code = _strip_comment(line)
        opens = 1 if _LOOP_OPEN.search(code) else 0
        closes = len(_DONE.findall(code))
        inside = depth > 0 or (opens and _DO.search(code) is not None)
        if not inside:
            for match in _SLEEP.finditer(code):
                seconds = float(match.group(1)) * (60 if match.group(2) == "m" else 1)
                if seconds >= min_seconds:
                    found.append(FixedSleep(seconds, index))
        depth = max(0, depth + opens - closes)
    return found


def _strip_comment(line: str) -> str:
    """The line without a trailing shell comment (a `#` starting a word, outside quotes)."""
    quote = ""
    for position, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (position == 0 or line[position - 1].isspace()):
            return line[:position]
    return line


def _command_before(text: str) -> str:
    """The last simple command before a `||`: after the last `;`, `&&`, `(` or `{`."""
    last = max(text.rfind(";"), text.rfind("&&"), text.rfind("("), text.rfind("{"))
    command = text[last + 1 :] if last >= 0 else text
    if command.startswith("&"):
        command = command[1:]
    return _REDIRECT.sub("", command).strip()


def _benign(command: str) -> bool:
    if _PIP_BENIGN.search(command):
        return True
    words = _words(command)
    while words and "=" in words[0] and not words[0].startswith("-"):
        words = words[1:]  # VAR=value cmd
    return not words or words[0] in _BENIGN


def _first_words(command: str, count: int = 3) -> str:
    return " ".join(_words(command)[:count])


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return command.split()


def reraises(soft_id: str, condition: str | None, run: str | None) -> bool:
    """Whether a later step (its `if:` and `run:`) fails the job when step `soft_id` failed.

    `failure()` is not enough: a continue-on-error step's failure leaves the job succeeding.
    """
    if not run or not _EXIT_FAILING.search(run):
        return False
    outcome = rf"steps\.{re.escape(soft_id)}\.outcome"
    checked = rf"{outcome}\s*(?:==\s*['\"]failure['\"]|!=\s*['\"]success['\"])"
    return bool(re.search(checked, condition or "")) or bool(re.search(outcome, run))


def soft_inputs(inputs: dict[str, str]) -> list[str]:
    """Action inputs that make a scanner pass whatever it finds (`exit-code: 0`)."""
    return ["exit-code: 0"] if inputs.get("exit-code", "").strip() == "0" else []
