"""JUnit XML (pytest, mypy --junit-xml, schemathesis, ...) -> `tests` frame.

`load_junit_reference` reads through junitparser's object model; it needs ~32 us per test case
(100,000 cases: ~3.2 s, most of the report's 5 s budget), so `load_junit` walks the same lxml tree
directly (~4x faster) with the same rules; a test keeps the two in agreement on real pytest and
mypy output. Both parse with an lxml parser that resolves no entities and fetches nothing,
because a report may be built from another repository's artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped
from lxml import etree

from cimaturity.artifacts import one_line
from cimaturity.model import ArtifactError
from cimaturity.report.evidence import TEST_COLUMNS
from cimaturity.report.loaders import common as c

KIND = "JUnit XML"
ROOTS = frozenset({"testsuites", "testsuite"})
_WRONG_ROOT = "root element is not <testsuites> or <testsuite>"


@dataclass(frozen=True)
class TestRecord:
    __test__ = False  # not a pytest class, despite the name

    suite: str
    case: str
    status: str  # passed | failed | error | skipped
    time_s: float
    message: str


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


def _parse(source: str | IO[bytes]) -> Any:
    return etree.parse(source, safe_parser())


_RESULT_STATUS = {"error": "error", "failure": "failed", "skipped": "skipped"}
_PRECEDENCE = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


@dataclass
class TestColumns:
    """One JUnit file's cases, column by column: many files become one frame, built once."""

    __test__ = False

    suite: list[str] = field(default_factory=list)
    case: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    time_s: list[float] = field(default_factory=list)
    message: list[str] = field(default_factory=list)


def load_junit(path: Path, check: str) -> pd.DataFrame:
    """One row per test case. Raises ArtifactError naming the file."""
    return tests_frame([(check, junit_columns(path, parse_xml(path, KIND)))])


def parse_xml(path: Path, kind: str) -> Any:
    """The root element of a well-formed XML file (entities unresolved, nothing fetched)."""
    c.check_file(path, kind)
    try:
        return _parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        raise ArtifactError(f"{path}: {kind} file is not well-formed XML ({one_line(str(exc))})") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({one_line(str(exc))})") from None


def junit_columns(path: Path, root: Any) -> TestColumns:
    if root.tag not in ROOTS:
        raise ArtifactError(f"{path}: not a {KIND} file ({_WRONG_ROOT}, but <{root.tag}>)")
    suites = [root] if root.tag == "testsuite" else list(root.iterchildren("testsuite"))
    out = TestColumns()
    try:
        for suite in suites:
            suite_name = suite.get("name") or ""
            for case in suite.iterchildren("testcase"):
                status, message = "passed", ""
                for child in case if len(case) else ():  # most cases have no child: skip the iterator
                    outcome = _RESULT_STATUS.get(child.tag)
                    if outcome is None:
                        continue
                    if _PRECEDENCE[outcome] > _PRECEDENCE[status]:
                        status = outcome
                    if not message:
                        message = child.get("message") or child.text or ""
                classname, name = case.get("classname") or "", case.get("name") or ""
                out.suite.append(suite_name)
                out.case.append(f"{classname}::{name}" if classname else name)
                out.status.append(status)
                out.time_s.append(float(case.get("time") or 0.0))
                out.message.append(c.short(message) if message else "")
    except ValueError as exc:  # e.g. time="soon"
        raise ArtifactError(f"{path}: {KIND} file is malformed ({one_line(str(exc))})") from None
    return out


def tests_frame(groups: list[tuple[str, TestColumns]]) -> pd.DataFrame:
    return c.frame(
        TEST_COLUMNS,
        {
            "check": [check for check, columns in groups for _ in columns.case],
            "suite": [value for _, columns in groups for value in columns.suite],
            "case": [value for _, columns in groups for value in columns.case],
            "status": [value for _, columns in groups for value in columns.status],
            "time_s": [value for _, columns in groups for value in columns.time_s],
            "message": [value for _, columns in groups for value in columns.message],
        },
    )


def load_junit_reference(path: Path, check: str) -> pd.DataFrame:
    """`load_junit` through junitparser's object model: the reference the fast path must match."""
    c.check_file(path, KIND)
    try:
        xml = JUnitXml.fromfile(str(path), parse_func=_parse)
    except etree.XMLSyntaxError as exc:
        raise ArtifactError(f"{path}: {KIND} file is not well-formed XML ({one_line(str(exc))})") from None
    except JUnitXmlError:
        raise ArtifactError(f"{path}: not a {KIND} file ({_WRONG_ROOT})") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: {KIND} file unreadable ({one_line(str(exc))})") from None
    try:
        records = [record for suite in xml for record in _suite(suite)]
    except (ValueError, TypeError, AttributeError) as exc:  # e.g. time="soon"
        raise ArtifactError(f"{path}: {KIND} file is malformed ({one_line(str(exc))})") from None
    return _reference_frame(check, records)


def _reference_frame(check: str, records: list[TestRecord]) -> pd.DataFrame:
    return c.frame(
        TEST_COLUMNS,
        {
            "check": [check] * len(records),
            "suite": [r.suite for r in records],
            "case": [r.case for r in records],
            "status": [r.status for r in records],
            "time_s": [r.time_s for r in records],
            "message": [r.message for r in records],
        },
    )


def _suite(suite: Any) -> list[TestRecord]:
    suite_name = suite.name or ""
    records: list[TestRecord] = []
    for case in suite:
        results = case.result  # junitparser builds this on every access: once per case
        status, message = "passed", ""
        for result in results:
            outcome = (
                "error"
                if isinstance(result, Error)
                else "failed"
                if isinstance(result, Failure)
                else "skipped"
                if isinstance(result, Skipped)
                else "passed"
            )
            if _PRECEDENCE[outcome] > _PRECEDENCE[status]:
                status = outcome
            if not message:
                message = result.message or result.text or ""
        classname, name = case.classname or "", case.name or ""
        records.append(
            TestRecord(
                suite=suite_name,
                case=f"{classname}::{name}" if classname else name,
                status=status,
                time_s=float(case.time or 0.0),
                message=c.short(message),
            )
        )
    return records
