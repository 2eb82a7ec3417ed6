"""A pytest run's JUnit report, once it agrees with pytest's exit code (shared by the test
check and the integration and E2E suites)."""

from __future__ import annotations

from pathlib import Path

from cimaturity.formats.junit import JUnitReport, read_junit
from cimaturity.model import ArtifactError

PYTEST_NO_TESTS = 5  # pytest's exit code when it collected no test


def trusted_pytest_report(
    exit_code: int,
    path: Path,
    where: str,
    *,
    exit_1_without_failures: bool = False,
    within: Path | None = None,
) -> JUnitReport:
    """The JUnit report of a pytest run, once it agrees with pytest's exit code.

    No test, or an exit code that contradicts the XML, is untrustworthy evidence: ArtifactError.
    `exit_1_without_failures` allows exit 1 with every test passed (pytest-cov's fail_under).
    """
    if exit_code == PYTEST_NO_TESTS:
        raise ArtifactError(f"no tests ran (pytest exit 5) in {where}")
    report = read_junit(path, within=within)
    if report.tests == 0:
        raise ArtifactError(f"no tests ran: {path.name} records no test case")
    if exit_code == 0 and report.broken:
        raise ArtifactError(f"pytest exited 0 but {path.name} records {len(report.broken)} failed test(s)")
    if exit_code == 1 and not report.broken and not exit_1_without_failures:
        raise ArtifactError(f"pytest exited 1 but {path.name} records no failed test; see log.txt")
    return report
