"""typecheck: mypy with the project's own configuration, per-file JUnit XML. Gate: zero errors.

mypy runs against the project's environment (its mypy where it has one recent enough for per-file
JUnit, else ours with `--python-executable`), so imports of its dependencies resolve. Strictness
is the project's choice (its config); where it configures nothing, mypy's defaults are used and
the reason says so. The error count is read from the JUnit XML and cross-checked with mypy's own
summary line; evidence that disagrees with itself is an error, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cimaturity.checks.suppressions import TYPE_IGNORE, count_matches, python_files
from cimaturity.formats.junit import read_junit
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.projectconf import project_tools

JUNIT = "mypy.xml"
_ERROR_LINE = re.compile(r"^.+?:\d+(?::\d+)?: error: ", re.MULTILINE)
_FOUND = re.compile(r"^Found (\d+) errors? in \d+ files?(?: \(checked (\d+) source files?\))?", re.MULTILINE)
_SUCCESS = re.compile(r"^Success: no issues found in (\d+) source files?", re.MULTILINE)
_NOTE_LINE = re.compile(r"^\S.*?: note: ")
_PER_FILE_JUNIT = (1, 11)  # `--junit-format per_file` arrived in mypy 1.11


def _paths(ctx: CheckContext) -> tuple[str, ...]:
    # mypy exits 2 on a folder without Python files (e.g. a `scripts/` of shell scripts).
    existing = ctx.config.existing(ctx.config.typecheck_paths)
    return tuple(path for path in existing if next(python_files(ctx.root, [path]), None) is not None)


def _described(ctx: CheckContext) -> str:
    """Which settings mypy ran with, for the reason: the project's, or mypy's defaults."""
    settings = project_tools(ctx.root).mypy
    if settings is None:
        return "mypy defaults (no mypy configuration found)"
    return f"mypy ({settings.where}{', strict' if settings.strict else ''})"


def _not_applicable(ctx: CheckContext) -> str | None:
    settings = project_tools(ctx.root).mypy
    if _paths(ctx) or (settings is not None and settings.files):
        return None
    return "not applicable: no Python source in the source paths"


def _commands(ctx: CheckContext) -> list[Command]:
    target = ctx.project
    if target.version_of("mypy") >= _PER_FILE_JUNIT:
        mypy: tuple[str, ...] = (ctx.python, "-m", "mypy")  # the project's own mypy, its version
    else:
        mypy = ("mypy", "--python-executable", ctx.python)  # ours, resolving imports in theirs
    # No --config-file: mypy finds the project's own config (pyproject, mypy.ini) from its cwd.
    # per_file: otherwise mypy writes one test case holding every error (FIELD_NOTES).
    junit = ("--junit-xml", str(ctx.artifact(JUNIT)), "--junit-format", "per_file")
    # The cache goes with the artifacts (unless MYPY_CACHE_DIR says where): never into the tree.
    cache = () if ctx.env.get("MYPY_CACHE_DIR") else ("--cache-dir", str(ctx.artifact(".mypy_cache")))
    settings = project_tools(ctx.root).mypy
    paths = () if settings is not None and settings.files else _paths(ctx)  # its `files` decide
    # 1 = type errors found; 2 = mypy itself failed (bad config, crash): not allowed.
    return [Command((*mypy, *junit, *cache, *paths), ok_exit_codes=frozenset({0, 1}))]


def _notes_only(text: str) -> bool:
    # The first line is the failure's message attribute ("mypy produced messages").
    lines = [line for line in text.splitlines()[1:] if line.strip()]
    return bool(lines) and all(_NOTE_LINE.match(line) for line in lines)


def _summary(output: str) -> tuple[int, int] | None:
    """(errors, files checked) from mypy's last summary line, or None when it printed none."""
    found = list(_FOUND.finditer(output))
    if found:
        checked = found[-1].group(2)
        return int(found[-1].group(1)), int(checked) if checked else 0
    success = list(_SUCCESS.finditer(output))
    if success:
        return 0, int(success[-1].group(1))
    return None


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(JUNIT)
    report = read_junit(path)
    if report.tests == 0:
        return Verdict.error(f"{path}: no test case in mypy's JUnit XML")
    # mypy files a config note ("unused section(s)") as a failing case with no error: not an error.
    broken = tuple(case for case in report.broken if not _notes_only(case.text))
    errors = sum(len(_ERROR_LINE.findall(case.text)) for case in broken)
    if broken and errors == 0:
        return Verdict.error(f"{path}: {len(broken)} failing case(s) but no 'error:' line in them")
    outcome = outcomes[0]
    summary = _summary(outcome.output)
    if summary is None:
        return Verdict.error("mypy printed no summary line ('Found N errors' or 'Success'); see log.txt")
    said, checked = summary
    if said != errors:
        return Verdict.error(f"mypy's summary says {said} error(s) but {path.name} records {errors}")
    if (outcome.exit_code == 0) != (errors == 0):
        return Verdict.error(f"mypy exited {outcome.exit_code} with {errors} error(s) recorded")
    suppressions = count_matches(python_files(ctx.root, _paths(ctx)), TYPE_IGNORE)
    settings = project_tools(ctx.root).mypy
    hidden = settings.hidden if settings is not None else ()
    metrics = {
        "errors": float(errors),
        "files_with_errors": float(len(broken)),
        "files_checked": float(checked),
        "suppressions": float(suppressions),
        # Config that hides code from mypy suppresses findings as surely as a comment does.
        "config_suppressions": float(len(hidden)),
    }
    if errors:
        case = min(broken, key=lambda item: item.file or item.name)  # mypy's file order varies
        first = _ERROR_LINE.search(case.text)
        line = case.text[first.start() :].splitlines()[0] if first else (case.file or case.name)
        return Verdict.failed(
            f"{errors} error(s) in {len(broken)} file(s) by {_described(ctx)}, first: {line}", **metrics
        )
    return Verdict.passed(
        f"{_described(ctx)}: no errors in {checked} source file(s); {suppressions} '# type: ignore'"
        + (f"; {len(hidden)} hidden by config ({', '.join(hidden[:3])})" if hidden else ""),
        **metrics,
    )


TYPECHECK = Check(
    name="typecheck",
    stage=Stage.FAST,
    summary="mypy with the project's own configuration, per-file JUnit XML; gate: zero errors",
    commands=_commands,
    artifacts=(JUNIT,),
    gate=_gate,
    tools=("mypy",),
    not_applicable=_not_applicable,
    version_argv=("mypy", "--version"),
    timeout_s=300.0,
    runs_project_code=True,
)
