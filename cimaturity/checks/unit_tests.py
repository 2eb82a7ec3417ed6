"""test: pytest over the unit test paths in the project's own environment, JUnit XML and coverage.

The project's settings decide: its pytest options, its `[tool.coverage]` source (else its source
paths), pytest-cov where it has it (else `coverage run -m pytest`), xdist only where installed.
Tests the project marks as needing the internet (`network`, ...) are left out where it is out of
reach, as the project's marker says to (`cimaturity.offline`), and the reason counts them.
Gate: every test passes (counted from the JUnit XML, at least one test) and coverage from
coverage's JSON is at least the higher of the threshold in force today (the ratchet never goes
down) and the project's own `fail_under`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from cimaturity.checks.pytest_run import PYTEST_NO_TESTS, trusted_pytest_report
from cimaturity.coverage_policy import format_percent, threshold_in_force
from cimaturity.formats.coverage import read_coverage
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.offline import internet_reachable, network_markers
from cimaturity.projectconf import ProjectTools, project_tools

JUNIT = "junit.xml"
COVERAGE_JSON = "coverage.json"
COVERAGE_XML = "coverage.xml"  # Cobertura, for tools that read it; the gate reads the JSON
# `--collect-only -q`'s last line: "3 tests collected", "1/4 tests collected (3 deselected)", or
# "no tests collected (4 deselected)".
_COLLECTED = re.compile(r"^(?:(\d+)(?:/\d+)?|no) tests? collected", re.MULTILINE)
_COV_FAIL_UNDER = "Required test coverage of"  # pytest-cov's message when the project's own fail_under trips


def _test_paths(ctx: CheckContext) -> tuple[str, ...]:
    return ctx.config.existing(ctx.config.unit_test_paths)


def _discovered_by_pytest(ctx: CheckContext) -> bool:
    """No test folder of ours, but pytest is configured: its own `testpaths` and discovery decide
    (Django projects keep tests inside their apps)."""
    return not ctx.config.unit_test_paths and project_tools(ctx.root).pytest_configured


def _cov_target(path: str) -> str:
    """`--cov` takes folders or module names: `app.py` becomes `app`."""
    return path.removesuffix(".py") if path.endswith(".py") and "/" not in path else path


def _left_out_offline(ctx: CheckContext, tools: ProjectTools) -> tuple[str, ...]:
    """The project's markers for tests needing the internet, when it is out of reach here and
    the project's own options select no markers of their own (a second `-m` would replace them)."""
    markers = network_markers(tools.pytest_markers)
    if not markers or "-m" in tools.pytest_addopts.split() or internet_reachable(ctx.env):
        return ()
    return markers


def _left_out(outcomes: Sequence[CommandOutcome]) -> tuple[str, int] | None:
    """What the commands left out offline, read from the collect-only run that counted it (the
    markers' `-m` expression, how many tests it selects); None when nothing was left out."""
    counted = next((o for o in outcomes if "--collect-only" in o.command.argv), None)
    if counted is None:
        return None
    argv = counted.command.argv
    found = _COLLECTED.findall(counted.output)
    if not found:
        raise ArtifactError("pytest --collect-only did not say how many tests the network markers select")
    marker_option = len(argv) - 1 - argv[::-1].index("-m")  # the last `-m`; the first is `python -m`
    return argv[marker_option + 1], int(found[-1] or 0)


def _sets_workers(addopts: str) -> bool:
    return any(part == "-n" or part.startswith(("-n=", "--numprocesses")) for part in addopts.split())


def _commands(ctx: CheckContext) -> list[Command]:
    tests = _test_paths(ctx)
    if not tests and not _discovered_by_pytest(ctx):
        # Not "skipped": a project without unit tests must not look as good as one with them.
        wanted = ", ".join(ctx.config.unit_test_paths) or "(none configured or detected)"
        raise ArtifactError(f"no unit test path exists: {wanted} (tool.cimaturity.unit_test_paths)")
    target = ctx.project
    if not target.has("pytest"):
        raise ArtifactError(f"pytest is not installed in the project's environment ({target.origin})")
    settings = project_tools(ctx.root)
    sources = ctx.config.existing(ctx.config.source_paths)
    markers = _left_out_offline(ctx, settings)
    offline = ("-m", " and ".join(f"not {marker}" for marker in markers)) if markers else ()
    pytest = (*tests, "-p", "no:cacheprovider", "--junitxml", str(ctx.artifact(JUNIT)), *offline)
    # The coverage data file goes with the artifacts: no stale .coverage in the project decides.
    env = {**settings.test_env, "COVERAGE_FILE": str(ctx.artifact(".coverage"))}
    ok = frozenset({0, 1, PYTEST_NO_TESTS})
    json_report, xml_report = str(ctx.artifact(COVERAGE_JSON)), str(ctx.artifact(COVERAGE_XML))
    # Last, so the gate's first outcome stays the test run: how many tests the markers leave out
    # (xdist's summary does not say).
    counted = (
        [
            Command(
                (
                    ctx.python,
                    "-m",
                    "pytest",
                    *tests,
                    "-p",
                    "no:cacheprovider",
                    "--collect-only",
                    "-q",
                    "-m",
                    " or ".join(markers),
                ),
                ok,
            )
        ]
        if markers
        else []
    )
    # 2 = the project's own fail_under not reached: a result for the gate, not a crash.
    under = frozenset({0, 2})
    # coverage's own JSON report from the data file, not pytest-cov's `--cov-report=json`, which
    # pytest-cov before 4 refuses (Textualize/rich pins 3.0: pytest exits 4 before any test runs).
    json_from_data = Command((ctx.python, "-m", "coverage", "json", "-o", json_report), under, env)
    if target.has("pytest_cov"):
        cov = ("--cov",) if settings.coverage_source else tuple(f"--cov={_cov_target(p)}" for p in sources)
        workers = ("-n", "auto") if target.has("xdist") and not _sets_workers(settings.pytest_addopts) else ()
        report = f"--cov-report=xml:{xml_report}"
        return [
            Command((ctx.python, "-m", "pytest", *pytest, *workers, *cov, report), ok, env),
            json_from_data,
            *counted,
        ]
    if target.has("coverage"):
        source = () if settings.coverage_source else (f"--source={','.join(sources)}",)
        return [
            Command((ctx.python, "-m", "coverage", "run", *source, "-m", "pytest", *pytest), ok, env),
            json_from_data,
            Command((ctx.python, "-m", "coverage", "xml", "-o", xml_report), under, env),
            *counted,
        ]
    raise ArtifactError(
        f"neither pytest-cov nor coverage is installed in the project's environment ({target.origin})"
    )


def _required(ctx: CheckContext) -> tuple[float, str]:
    """The higher of our threshold in force and the project's own `fail_under`, and which one."""
    ours = threshold_in_force(ctx.config.coverage, dt.date.today())
    theirs = project_tools(ctx.root).coverage_fail_under
    if theirs is not None and theirs > ours.percent:
        return theirs, "the project's own fail_under"
    return ours.percent, ours.source


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    outcome = outcomes[0]
    junit = trusted_pytest_report(
        outcome.exit_code,
        ctx.artifact(JUNIT),
        ", ".join(_test_paths(ctx)) or "pytest's own discovery",
        exit_1_without_failures=_COV_FAIL_UNDER in outcome.output,
    )
    broken = junit.broken
    percent = read_coverage(ctx.artifact(COVERAGE_JSON)).percent
    required_percent, required_source = _required(ctx)
    metrics = {
        "tests": float(junit.tests),
        "failures": float(junit.failures),
        "errors": float(junit.errors),
        "skipped": float(junit.skipped),
        "suppressions": float(junit.skipped),  # a skipped test hides whatever it would have found
        "coverage_percent": percent,
        "coverage_threshold": required_percent,
    }
    measured = f"coverage {format_percent(percent)}%"
    needed = f"{format_percent(required_percent)}% ({required_source})"
    ran = junit.tests - junit.skipped
    problems = []
    if broken:
        first = broken[0]
        problems.append(f"{len(broken)} of {ran} test(s) failed, first: {first.label}")
    if percent < required_percent:
        problems.append(f"{measured} < {needed}")
    elif outcome.exit_code == 1 and not broken:  # the project's own fail_under (e.g. in addopts) tripped
        problems.append(next(line.strip() for line in outcome.output.splitlines() if _COV_FAIL_UNDER in line))
    offline = _left_out(outcomes)
    left_out = (
        f"; {offline[1]} test(s) marked {offline[0].replace(' or ', ', ')} not run: "
        "no internet here (the project's marker for such machines)"
        if offline
        else ""
    )
    metrics["deselected"] = float(offline[1]) if offline else 0.0
    if problems:
        return Verdict.failed("; ".join(problems) + left_out, **metrics)
    if ran == 0:
        # Every test skipped: nothing was checked, whatever coverage the imports earned.
        return Verdict.error(
            f"every one of {junit.tests} test(s) was skipped: nothing was checked", **metrics
        )
    skipped = f" ({junit.skipped} skipped)" if junit.skipped else ""
    # No step, no fail_under of ours or the project's: nothing to compare with, and "0%" would read as one.
    against = (
        f" >= {needed}" if required_percent > 0 else " (no threshold in the coverage settings, ours or its)"
    )
    return Verdict.passed(f"{ran} tests passed{skipped}; {measured}{against}{left_out}", **metrics)


TEST = Check(
    name="test",
    stage=Stage.FAST,
    summary="pytest in the project's environment with JUnit XML and coverage; gate: every test passes, "
    "coverage >= ratchet",
    commands=_commands,
    artifacts=(JUNIT, COVERAGE_JSON, COVERAGE_XML),
    gate=_gate,
    tools=("python",),
    # Not `pytest --version`: that loads every plugin (~3 s); importing pytest is enough.
    version_argv=("python", "-c", "import pytest; print('pytest', pytest.__version__)"),
    timeout_s=900.0,
    runs_project_code=True,
    in_working_copy=True,
)
