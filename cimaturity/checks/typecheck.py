"""typecheck: mypy --strict with per-file JUnit XML. Gate: zero errors.

The error count is read from the JUnit XML and cross-checked with mypy's own summary line;
evidence that disagrees with itself is an error, never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cimaturity.checks.junit import read_junit
from cimaturity.checks.suppressions import TYPE_IGNORE, count_matches, python_files
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict

JUNIT = "mypy.xml"
_ERROR_LINE = re.compile(r"^.+?:\d+(?::\d+)?: error: ", re.MULTILINE)
_FOUND = re.compile(r"^Found (\d+) errors? in \d+ files?(?: \(checked (\d+) source files?\))?", re.MULTILINE)
_SUCCESS = re.compile(r"^Success: no issues found in (\d+) source files?", re.MULTILINE)


def _paths(ctx: CheckContext) -> tuple[str, ...]:
    # mypy exits 2 on a folder without Python files (e.g. a `scripts/` of shell scripts).
    existing = ctx.config.existing(ctx.config.typecheck_paths)
    return tuple(path for path in existing if next(python_files(ctx.root, [path]), None) is not None)


def _not_applicable(ctx: CheckContext) -> str | None:
    return None if _paths(ctx) else "not applicable: no Python source in the source paths"


def _commands(ctx: CheckContext) -> list[Command]:
    # No --config-file: mypy finds the project's own config (pyproject, mypy.ini) from its cwd.
    # per_file: otherwise mypy writes one test case holding every error (FIELD_NOTES).
    argv = ("mypy", "--strict", "--junit-xml", str(ctx.artifact(JUNIT)), "--junit-format", "per_file")
    # 1 = type errors found; 2 = mypy itself failed (bad config, crash): not allowed.
    return [Command((*argv, *_paths(ctx)), ok_exit_codes=frozenset({0, 1}))]


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
    broken = report.broken
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
    metrics = {
        "errors": float(errors),
        "files_with_errors": float(len(broken)),
        "files_checked": float(checked),
        "suppressions": float(suppressions),
    }
    if errors:
        case = min(broken, key=lambda item: item.file or item.name)  # mypy's file order varies
        first = _ERROR_LINE.search(case.text)
        line = case.text[first.start() :].splitlines()[0] if first else (case.file or case.name)
        return Verdict.failed(
            f"{errors} mypy --strict error(s) in {len(broken)} file(s), first: {line}", **metrics
        )
    return Verdict.passed(
        f"mypy --strict: no errors in {checked} source file(s); {suppressions} '# type: ignore'", **metrics
    )


TYPECHECK = Check(
    name="typecheck",
    stage=Stage.FAST,
    summary="mypy --strict with per-file JUnit XML; gate: zero errors",
    commands=_commands,
    artifacts=(JUNIT,),
    gate=_gate,
    tools=("mypy",),
    not_applicable=_not_applicable,
    version_argv=("mypy", "--version"),
    timeout_s=300.0,
)
