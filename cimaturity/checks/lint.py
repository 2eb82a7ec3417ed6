"""lint: the project's own linters and formatters, as it configures them, never fixing anything.

Which tools: those the project configures (ruff, flake8, black, isort; in their config files or as
pre-commit hooks); ruff's baseline rules (`RUFF_BASELINE`) where it configures none, and the reason
says so. A formatter
is checked only where one is configured, or where the project's CI runs one (a workflow step, or
a script, tox or nox session it reaches). Each tool runs at the version the project's pre-commit
pins (`uv tool run --from tool==rev`), else the one its requirements, pyproject or lockfile pin
(`cimaturity.toolpins`), else the one installed beside cimaturity (ruff) or the latest. Every
tool that could write is told not to (`--no-fix`, `--check`, no cache).
Gate: zero violations, nothing to reformat. ruff's findings are kept as SARIF.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cimaturity.checks.suppressions import python_files
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.projectconf import Hook, ProjectTools, project_tools
from cimaturity.report.ci_follow.model import Kind, classify
from cimaturity.report.workflows import load_workflows
from cimaturity.toolpins import Pin, pinned_tools

SARIF = "ruff.sarif"
# ruff format --check, by version: "Would reformat: F" (older), "F:1:1: unformatted: ..." (concise),
# or "unformatted: File would be reformatted" followed by " --> F:28:1" (full).
_UNFORMATTED = re.compile(
    r"^(?:(\S+?):\d+:\d+: unformatted:|Would reformat: (\S+)|unformatted: .*\n\s*--> (\S+?):\d+:\d+)",
    re.MULTILINE,
)
_BLACK = re.compile(r"^would reformat (.+)$", re.MULTILINE)
_ISORT = re.compile(r"^ERROR: (\S+) Imports are incorrectly sorted", re.MULTILINE)
_FLAKE8 = re.compile(r"^(\S+?):\d+:\d+: ([A-Z]+\d+) ", re.MULTILINE)
_NOT_OURS = ".venv,venv,.tox,.nox,build,dist,reports"
# ruff's rules where a project configures no linter: pyflakes and pycodestyle's errors, the defaults
# ruff shipped for years. Named, so the verdict does not move with ruff's own defaults: 0.17's add
# pyupgrade, isort, naming... rules no such project chose (1,512 findings on Textualize/rich,
# mostly PEP 604 rewrites its Python 3.8 cannot take, against 79 here).
RUFF_BASELINE = "E4,E7,E9,F"


@dataclass(frozen=True)
class Linter:
    """One tool as the gate sees it: its arguments, and how to read what it found."""

    name: str  # ruff, ruff-format, flake8, black, isort
    executable: str  # the program, as pre-commit or PyPI names it
    arguments: Callable[[CheckContext], tuple[str, ...]]
    problems: Callable[[CheckContext, CommandOutcome], list[str]]  # "file: what", first first


def _ruff_problems(ctx: CheckContext, _outcome: CommandOutcome | None) -> list[str]:
    results = read_sarif(ctx.artifact(SARIF), expected_tool="ruff").results
    return [f"{_relative(ctx, result.file)}: {result.rule_id}" for result in results]


def _relative(ctx: CheckContext, file: str | None) -> str:
    """ruff's SARIF names files by absolute URI; a reason names them as the project does."""
    if file is None:
        return "(no file)"
    path = Path(file.removeprefix("file://"))
    return path.relative_to(ctx.root).as_posix() if path.is_relative_to(ctx.root) else file


def _matches(pattern: re.Pattern[str], label: str) -> Callable[[CheckContext, CommandOutcome], list[str]]:
    def problems(_ctx: CheckContext, outcome: CommandOutcome) -> list[str]:
        found = [
            next(group for group in match.groups() if group) for match in pattern.finditer(outcome.output)
        ]
        return [f"{path}: {label}" for path in found]

    return problems


def _flake8_problems(_ctx: CheckContext, outcome: CommandOutcome) -> list[str]:
    return [f"{match.group(1)}: {match.group(2)}" for match in _FLAKE8.finditer(outcome.output)]


LINTERS: dict[str, Linter] = {
    linter.name: linter
    for linter in (
        Linter(
            "ruff",
            "ruff",
            lambda ctx: (
                "check",
                "--no-fix",
                "--no-cache",
                "--output-format",
                "sarif",
                "-o",
                str(ctx.artifact(SARIF)),
                ".",
            ),
            _ruff_problems,
        ),
        Linter(
            "ruff-format",
            "ruff",
            lambda _ctx: ("format", "--check", "--no-cache", "."),
            _matches(_UNFORMATTED, "needs formatting"),
        ),
        Linter("flake8", "flake8", lambda _ctx: ("--extend-exclude", _NOT_OURS, "."), _flake8_problems),
        Linter(
            "black", "black", lambda _ctx: ("--check", "."), _matches(_BLACK, "would be reformatted by black")
        ),
        Linter(
            "isort",
            "isort",
            lambda _ctx: ("--check-only", "."),
            _matches(_ISORT, "imports incorrectly sorted"),
        ),
    )
}


# What a CI command line formats with (the command is already classified as formatting).
_CI_FORMATTERS = {
    "ruff-format": re.compile(r"\bruff[\s-]+format\b"),
    "black": re.compile(r"\bblack\b"),
    "isort": re.compile(r"\bisort\b"),
}


def ci_formatters(root: Path) -> dict[str, str]:
    """The formatters the project's CI runs, each with where: a workflow step's own line, or a
    line it reaches (httpx's `scripts/check` runs `ruff format --diff`, and its pyproject has no
    [tool.ruff.format] section)."""
    found: dict[str, str] = {}
    for job in load_workflows(root).jobs:
        for step in job.steps:
            here = f"{job.file}:{step.line}" if step.line else job.file
            lines = [(here, line) for line in (step.run or "").splitlines()]
            lines += [
                (item.file if item.line is None else f"{item.file}:{item.line}", item.command)
                for item in step.reached
            ]
            for where, command in lines:
                if Kind.FORMAT not in classify(command):
                    continue
                for name, pattern in _CI_FORMATTERS.items():
                    if pattern.search(command):
                        found.setdefault(name, f"run by CI: {where}")
    return found


def judged_by(root: Path) -> ProjectTools:
    """The project's tool settings, plus the formatters its CI runs without a config of their own."""
    tools = project_tools(root)
    extra = {name: where for name, where in ci_formatters(root).items() if name not in tools.configured}
    return dataclasses.replace(tools, configured={**tools.configured, **extra}) if extra else tools


def chosen(tools: ProjectTools) -> tuple[str, ...]:
    """The project's linters and formatters; ruff's baseline when it configures no linter."""
    linters = tuple(name for name in tools.linters if name in LINTERS)
    formatters = tuple(name for name in tools.formatters if name in LINTERS)
    return (*(linters or ("ruff",)), *formatters)


def _program(linter: Linter, hook: Hook | None, pin: Pin | None) -> tuple[str, ...]:
    """The executable: pinned by the project's pre-commit where it pins one, else by its
    requirements, pyproject or lockfile (`cimaturity.toolpins`), else ruff beside cimaturity,
    else the latest release (run by uv, never installed into the project)."""
    run = ("uv", "tool", "run", "--python", sys.executable)
    extras = tuple(part for dep in (hook.additional_dependencies if hook else ()) for part in ("--with", dep))
    version = hook.version if hook is not None and hook.version is not None else pin.version if pin else None
    if version is not None:
        return (*run, "--from", f"{linter.executable}=={version}", *extras, linter.executable)
    if linter.executable == "ruff":
        return ("ruff",)
    return (*run, *extras, linter.executable)


def _hook_for(tools: ProjectTools, name: str) -> Hook | None:
    return tools.hooks.get(name) or (tools.hooks.get("ruff") if name == "ruff-format" else None)


def _commands(ctx: CheckContext) -> list[Command]:
    tools = judged_by(ctx.root)
    pins = pinned_tools(ctx.root)
    commands = []
    for name in chosen(tools):
        linter = LINTERS[name]
        argv = (
            *_program(linter, _hook_for(tools, name), pins.get(linter.executable)),
            *linter.arguments(ctx),
            *(("--select", RUFF_BASELINE) if name == "ruff" and name not in tools.linters else ()),
        )
        # 1 = the tool found something (the gate reads what); any other code is a crash.
        commands.append(Command(argv, ok_exit_codes=frozenset({0, 1})))
    return commands


def _not_applicable(ctx: CheckContext) -> str | None:
    if next(python_files(ctx.root, ["."]), None) is None:
        return "not applicable: no Python file in the project"
    return None


def _artifacts(ctx: CheckContext) -> tuple[str, ...]:
    return (SARIF,) if "ruff" in chosen(judged_by(ctx.root)) else ()


def _described(tools: ProjectTools, names: Sequence[str]) -> str:
    """Which tools judged, by whose settings; a configured linter this check cannot run is named."""
    ran = ", ".join(
        f"{name} ({tools.configured[name]})"
        if name in tools.configured
        else f"{name} baseline {RUFF_BASELINE} (no linter configured)"
        for name in names
    )
    # pylint needs the project's imports resolved in its environment: not run here, and said so.
    unrun = [name for name in tools.linters if name not in LINTERS]
    return ran + "".join(f"; {name} ({tools.configured[name]}) is configured but not run" for name in unrun)


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    tools = judged_by(ctx.root)
    names = chosen(tools)
    if "ruff" in names:
        _ruff_problems(ctx, None)  # an unreadable or foreign SARIF is an ArtifactError first
    if len(outcomes) != len(names):
        return Verdict.error(f"expected {len(names)} tool run(s) ({', '.join(names)}), got {len(outcomes)}")
    found: dict[str, list[str]] = {}
    for name, outcome in zip(names, outcomes, strict=True):
        problems = LINTERS[name].problems(ctx, outcome)
        if outcome.exit_code != 0 and not problems:
            return Verdict.error(f"{name} exited {outcome.exit_code} without naming a file; see log.txt")
        found[name] = problems
    linted = [problem for name in names if name in tools.linters or name == "ruff" for problem in found[name]]
    formatted = [problem for name in names if name in tools.formatters for problem in found[name]]
    metrics = {"violations": float(len(linted)), "unformatted_files": float(len(formatted))}
    described = _described(tools, names)
    if not tools.formatters:
        described += "; no formatter configured, formatting not checked"
    problems = []
    if linted:
        problems.append(f"{len(linted)} violation(s), first: {linted[0]}")
    if formatted:
        problems.append(f"{len(formatted)} file(s) need formatting, first: {formatted[0]}")
    if problems:
        return Verdict.failed(f"{'; '.join(problems)} [{described}]", **metrics)
    return Verdict.passed(f"no violations, formatting clean: {described}", **metrics)


LINT = Check(
    name="lint",
    stage=Stage.FAST,
    summary="the project's own linters and formatters (ruff, flake8, black, isort), read-only; "
    "gate: zero violations",
    commands=_commands,
    artifacts=(SARIF,),
    artifacts_for=_artifacts,
    gate=_gate,
    not_applicable=_not_applicable,
    version_argv=("ruff", "--version"),
    timeout_s=300.0,
)
