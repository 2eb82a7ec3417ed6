"""Service-stage pytest suites (integration, e2e): one factory, one check per suite.

Each runs `pytest <suite folders>` with JUnit XML against the real services it names. Gate:
at least one test ran and none failed, counted from the XML and agreeing with pytest's exit
code. A suite that needs PostgreSQL or Redis is an error when they are unreachable (runner).
"""

from __future__ import annotations

from collections.abc import Sequence

from cimaturity.checks.pytest_run import PYTEST_NO_TESTS, trusted_pytest_report
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Service, Stage, Verdict

JUNIT = "junit.xml"


def pytest_suite(name: str, summary: str, services: tuple[Service, ...], timeout_s: float = 900.0) -> Check:
    def not_applicable(ctx: CheckContext) -> str | None:
        if ctx.config.suite(name):
            return None
        wanted = ctx.config.suite_paths.get(name) or tuple(f"{p}/{name}" for p in ctx.config.test_paths)
        if not wanted:
            return f"not applicable: no {name} suite (the project has no tests/ or test/ folder)"
        return f"not applicable: no {name} suite ({', '.join(wanted)} not found)"

    def commands(ctx: CheckContext) -> list[Command]:
        suite = ctx.config.suite(name)
        argv = (
            ctx.python,
            "-m",
            "pytest",
            *suite,
            "-p",
            "no:cacheprovider",
            "--junitxml",
            str(ctx.artifact(JUNIT)),
        )
        return [Command(argv, ok_exit_codes=frozenset({0, 1, PYTEST_NO_TESTS}))]

    def gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
        where = ", ".join(ctx.config.suite(name))
        report = trusted_pytest_report(outcomes[0].exit_code, ctx.artifact(JUNIT), where)
        ran = report.tests - report.skipped
        metrics = {
            "tests": float(report.tests),
            "failures": float(report.failures),
            "errors": float(report.errors),
            "skipped": float(report.skipped),
            "suppressions": float(report.skipped),
        }
        if report.broken:
            first = report.broken[0]
            failed = f"{len(report.broken)} of {ran} {name} test(s) failed"
            return Verdict.failed(f"{failed}, first: {first.label}", **metrics)
        if ran == 0:
            return Verdict.error(f"every {name} test was skipped: nothing was checked", **metrics)
        skipped = f" ({report.skipped} skipped)" if report.skipped else ""
        return Verdict.passed(f"{ran} {name} tests passed{skipped} in {where}", **metrics)

    return Check(
        name=name,
        stage=Stage.SERVICE,
        summary=summary,
        commands=commands,
        artifacts=(JUNIT,),
        gate=gate,
        tools=("python",),
        services=services,
        not_applicable=not_applicable,
        version_argv=("python", "-c", "import pytest; print('pytest', pytest.__version__)"),
        timeout_s=timeout_s,
        runs_project_code=True,
        in_working_copy=True,
    )


INTEGRATION = pytest_suite(
    "integration",
    "pytest over the integration suite against real PostgreSQL and Redis; gate: every test passes",
    (Service.POSTGRES, Service.REDIS),
)

E2E = pytest_suite(
    "e2e",
    "pytest + Playwright over the E2E suite in a real Chromium; gate: every journey passes",
    (),
)
