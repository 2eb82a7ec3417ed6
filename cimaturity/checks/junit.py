"""Read a JUnit XML artifact (pytest's or mypy's) into counts a gate can trust.

Counts come from the test cases themselves, not from the suite attributes a writer may
have left stale. The file is read by `cimaturity.artifacts.parse_xml` (a regular file inside the
check's artifact folder, size-capped, entities never expanded); an unreadable, truncated or
foreign file raises `ArtifactError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped, TestCase

from cimaturity.artifacts import parse_xml
from cimaturity.model import ArtifactError

KIND = "JUnit XML"


@dataclass(frozen=True)
class JUnitCase:
    classname: str
    name: str
    file: str | None
    outcome: str  # passed, failed, error, skipped
    text: str  # failure/error message and body, empty when passed

    @property
    def label(self) -> str:
        """`module.Class::test`, or the bare name of a collection error (it has no class)."""
        return f"{self.classname}::{self.name}" if self.classname else self.name


@dataclass(frozen=True)
class JUnitReport:
    cases: tuple[JUnitCase, ...]

    def count(self, outcome: str) -> int:
        return sum(1 for case in self.cases if case.outcome == outcome)

    @property
    def tests(self) -> int:
        return len(self.cases)

    @property
    def failures(self) -> int:
        return self.count("failed")

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def broken(self) -> tuple[JUnitCase, ...]:
        return tuple(case for case in self.cases if case.outcome in ("failed", "error"))


def read_junit(path: Path, *, within: Path | None = None) -> JUnitReport:
    """Every test case of `path`; `within` is the boundary folder (default: the file's own)."""
    root = parse_xml(path, KIND, within=within)
    try:
        document = JUnitXml.fromroot(root)
        cases = tuple(_case(case) for suite in document for case in suite)
    except JUnitXmlError:
        raise ArtifactError(f"{path}: not a JUnit XML file (root is not testsuites/testsuite)") from None
    except (AttributeError, TypeError, ValueError) as exc:
        raise ArtifactError(f"{path}: malformed JUnit XML ({exc})") from None
    return JUnitReport(cases)


def _case(case: TestCase) -> JUnitCase:
    outcome = "passed"
    texts: list[str] = []
    for result in case.result:
        if isinstance(result, Error):
            outcome = "error"
        elif isinstance(result, Failure) and outcome != "error":
            outcome = "failed"
        elif isinstance(result, Skipped) and outcome == "passed":
            outcome = "skipped"
        texts.extend(part for part in (result.message, result.text) if part)
    file = case._elem.get("file")  # junitparser has no accessor for mypy's `file` attribute
    return JUnitCase(
        classname=str(case.classname or ""),
        name=str(case.name or ""),
        file=str(file) if file is not None else None,
        outcome=outcome,
        text="\n".join(texts),
    )


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
