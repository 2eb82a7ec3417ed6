"""test: pytest (xdist) over the unit test paths with JUnit XML and coverage JSON + Cobertura.

Gate: every test passes (counted from the JUnit XML, at least one test) and coverage from
coverage's JSON is at least the threshold in force today (the ratchet never goes down).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from cimaturity.artifacts import read_json
from cimaturity.checks.junit import PYTEST_NO_TESTS, trusted_pytest_report
from cimaturity.coverage_policy import format_percent, threshold_in_force
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict

JUNIT = "junit.xml"
COVERAGE_JSON = "coverage.json"
COVERAGE_XML = "coverage.xml"  # Cobertura, for tools that read it; the gate reads the JSON
_COV_FAIL_UNDER = "Required test coverage of"  # pytest-cov's message when the project's own fail_under trips


def _test_paths(ctx: CheckContext) -> tuple[str, ...]:
    return ctx.config.existing(ctx.config.unit_test_paths)


def _cov_target(path: str) -> str:
    """`--cov` takes folders or module names: `app.py` becomes `app`."""
    return path.removesuffix(".py") if path.endswith(".py") and "/" not in path else path


def _commands(ctx: CheckContext) -> list[Command]:
    tests = _test_paths(ctx)
    if not tests:
        # Not "skipped": a project without unit tests must not look as good as one with them.
        wanted = ", ".join(ctx.config.unit_test_paths) or "(none configured or detected)"
        raise ArtifactError(f"no unit test path exists: {wanted} (tool.cimaturity.unit_test_paths)")
    covs = tuple(f"--cov={_cov_target(path)}" for path in ctx.config.existing(ctx.config.source_paths))
    argv = (
        "python",
        "-m",
        "pytest",
        *tests,
        # Explicit -p: the run still works when PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 (fast start-up).
        "-p",
        "xdist",
        "-p",
        "pytest_cov",
        "-n",
        "auto",
        "--junitxml",
        str(ctx.artifact(JUNIT)),
        *covs,
        "--cov-branch",
        f"--cov-report=json:{ctx.artifact(COVERAGE_JSON)}",
        f"--cov-report=xml:{ctx.artifact(COVERAGE_XML)}",
    )
    # The coverage data file goes with the artifacts: no stale .coverage in the project decides.
    env = {"COVERAGE_FILE": str(ctx.artifact(".coverage"))}
    return [Command(argv, ok_exit_codes=frozenset({0, 1, PYTEST_NO_TESTS}), env=env)]


def read_coverage_percent(path: Path) -> float:
    """`totals.percent_covered` of a coverage JSON report. Raises ArtifactError naming the file."""
    document = read_json(path, "coverage JSON")
    totals = document.get("totals") if isinstance(document, dict) else None
    if not isinstance(totals, dict) or not isinstance(document.get("files"), dict):
        raise ArtifactError(f"{path}: not a coverage JSON report (no 'totals' and 'files')")
    percent = totals.get("percent_covered")
    if not isinstance(percent, int | float) or isinstance(percent, bool) or not 0 <= percent <= 100:
        raise ArtifactError(f"{path}: totals.percent_covered is {percent!r}, expected 0..100")
    return float(percent)


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    outcome = outcomes[0]
    junit = trusted_pytest_report(
        outcome.exit_code,
        ctx.artifact(JUNIT),
        ", ".join(_test_paths(ctx)),
        exit_1_without_failures=_COV_FAIL_UNDER in outcome.output,
    )
    broken = junit.broken
    percent = read_coverage_percent(ctx.artifact(COVERAGE_JSON))
    required = threshold_in_force(ctx.config.coverage, dt.date.today())
    metrics = {
        "tests": float(junit.tests),
        "failures": float(junit.failures),
        "errors": float(junit.errors),
        "skipped": float(junit.skipped),
        "suppressions": float(junit.skipped),  # a skipped test hides whatever it would have found
        "coverage_percent": percent,
        "coverage_threshold": required.percent,
    }
    measured = f"coverage {format_percent(percent)}%"
    needed = f"{format_percent(required.percent)}% ({required.source})"
    ran = junit.tests - junit.skipped
    problems = []
    if broken:
        first = broken[0]
        problems.append(f"{len(broken)} of {ran} test(s) failed, first: {first.label}")
    if percent < required.percent:
        problems.append(f"{measured} < {needed}")
    if problems:
        return Verdict.failed("; ".join(problems), **metrics)
    skipped = f" ({junit.skipped} skipped)" if junit.skipped else ""
    return Verdict.passed(f"{ran} tests passed{skipped}; {measured} >= {needed}", **metrics)


TEST = Check(
    name="test",
    stage=Stage.FAST,
    summary="pytest -n auto with JUnit XML and coverage; gate: every test passes, coverage >= ratchet",
    commands=_commands,
    artifacts=(JUNIT, COVERAGE_JSON, COVERAGE_XML),
    gate=_gate,
    tools=("python",),
    # Not `pytest --version`: that loads every plugin (~3 s); importing pytest is enough.
    version_argv=("python", "-c", "import pytest; print('pytest', pytest.__version__)"),
    timeout_s=900.0,
)
