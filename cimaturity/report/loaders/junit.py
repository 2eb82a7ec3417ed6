"""JUnit XML (pytest, mypy --junit-xml, schemathesis, ...) -> `tests` frame.

`load_junit_reference` reads through junitparser's object model; it needs ~32 us per test case
(100,000 cases: ~3.2 s, most of the report's 5 s budget), so `load_junit` walks the same lxml tree
directly (~4x faster) with the same rules; a test keeps the two in agreement on real pytest and
mypy output. Both read through `cimaturity.artifacts.parse_xml` (a regular file inside the
reports folder, size-capped, parsed with no entity expanded and nothing fetched), because a
report may be built from another repository's artifacts. A test's time is range-checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped

from cimaturity.artifacts import MAX_SECONDS, one_line
from cimaturity.artifacts import parse_xml as _parse_xml
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


def load_junit(path: Path, check: str, *, within: Path | None = None) -> pd.DataFrame:
    """One row per test case. Raises ArtifactError naming the file."""
    return tests_frame([(check, junit_columns(path, parse_xml(path, KIND, within=within)))])


def parse_xml(path: Path, kind: str, *, within: Path | None = None) -> Any:
    """The root element of a well-formed XML file (`cimaturity.artifacts.parse_xml`)."""
    return _parse_xml(path, kind, within=within)


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
                label = f"{classname}::{name}" if classname else name
                out.suite.append(suite_name)
                out.case.append(label)
                out.status.append(status)
                out.time_s.append(_time(case.get("time"), path, label))
                out.message.append(c.short(message) if message else "")
    except ValueError as exc:
        raise ArtifactError(f"{path}: {KIND} file is malformed ({one_line(str(exc))})") from None
    return out


def _time(text: str | None, path: Path, case: str) -> float:
    """A test case's `time` in seconds (absent: 0); "soon", "nan", "1e999" or -1 is refused."""
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if 0.0 <= value <= MAX_SECONDS:  # the hot path: one comparison; False for NaN
        return value
    return c.text_float(text, path, f"testcase {case[:100]!r} time", c.SECONDS)  # raises, naming the field


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
    try:
        xml = JUnitXml.fromroot(parse_xml(path, KIND))
    except JUnitXmlError:
        raise ArtifactError(f"{path}: not a {KIND} file ({_WRONG_ROOT})") from None
    try:
        records = [record for suite in xml for record in _suite(path, suite)]
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


def _suite(path: Path, suite: Any) -> list[TestRecord]:
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
        label = f"{classname}::{name}" if classname else name
        records.append(
            TestRecord(
                suite=suite_name,
                case=label,
                status=status,
                time_s=_time(case._elem.get("time"), path, label),
                message=c.short(message),
            )
        )
    return records
