"""JUnit XML (pytest, mypy --junit-xml, schemathesis, ...) -> `tests` frame.

`load_junit_reference` reads through junitparser's object model; it needs ~32 us per test case
(100,000 cases: ~3.2 s, most of the report's 5 s budget), so `load_junit` walks the same lxml tree
directly (~4x faster) with the same rules; a test keeps the two in agreement on real pytest and
mypy output. Both parse with an lxml parser that resolves no entities and fetches nothing,
because a report may be built from another repository's artifacts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pandas as pd
from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped
from lxml import etree  # type: ignore[import-untyped]  # no stubs installed; pyproject is not ours

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


def load_junit(path: Path, check: str) -> pd.DataFrame:
    """One row per test case. Raises ArtifactError naming the file."""
    c.check_file(path, KIND)
    try:
        root = _parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        raise ArtifactError(f"{path}: {KIND} file is not well-formed XML ({_one_line(exc)})") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: {KIND} file unreadable ({_one_line(exc)})") from None
    if root.tag not in ROOTS:
        raise ArtifactError(f"{path}: not a {KIND} file ({_WRONG_ROOT}, but <{root.tag}>)")
    suites = [root] if root.tag == "testsuite" else list(root.iterchildren("testsuite"))
    suite_col: list[str] = []
    case_col: list[str] = []
    status_col: list[str] = []
    time_col: list[float] = []
    message_col: list[str] = []
    try:
        for suite in suites:
            suite_name = suite.get("name") or ""
            for case in suite.iterchildren("testcase"):
                status, message = "passed", ""
                for child in case:
                    outcome = _RESULT_STATUS.get(child.tag)
                    if outcome is None:
                        continue
                    if _PRECEDENCE[outcome] > _PRECEDENCE[status]:
                        status = outcome
                    if not message:
                        message = child.get("message") or child.text or ""
                classname, name = case.get("classname") or "", case.get("name") or ""
                suite_col.append(suite_name)
                case_col.append(f"{classname}::{name}" if classname else name)
                status_col.append(status)
                time_col.append(float(case.get("time") or 0.0))
                message_col.append(c.short(message) if message else "")
    except ValueError as exc:  # e.g. time="soon"
        raise ArtifactError(f"{path}: {KIND} file is malformed ({_one_line(exc)})") from None
    return c.frame(
        TEST_COLUMNS,
        {
            "check": [check] * len(case_col),
            "suite": suite_col,
            "case": case_col,
            "status": status_col,
            "time_s": time_col,
            "message": message_col,
        },
    )


def load_junit_reference(path: Path, check: str) -> pd.DataFrame:
    """`load_junit` through junitparser's object model: the reference the fast path must match."""
    c.check_file(path, KIND)
    try:
        xml = JUnitXml.fromfile(str(path), parse_func=_parse)
    except etree.XMLSyntaxError as exc:
        raise ArtifactError(f"{path}: {KIND} file is not well-formed XML ({_one_line(exc)})") from None
    except JUnitXmlError:
        raise ArtifactError(f"{path}: not a {KIND} file ({_WRONG_ROOT})") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{path}: {KIND} file unreadable ({_one_line(exc)})") from None
    try:
        records = [record for suite in xml for record in _suite(suite)]
    except (ValueError, TypeError, AttributeError) as exc:  # e.g. time="soon"
        raise ArtifactError(f"{path}: {KIND} file is malformed ({_one_line(exc)})") from None
    return tests_frame(check, records)


def tests_frame(check: str, records: list[TestRecord]) -> pd.DataFrame:
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


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
