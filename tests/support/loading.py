"""The report's per-format loading, one file at a time, for tests: a format reader from
`cimaturity.formats` followed by the loader's frame adapter, exactly as `load_evidence` chains them.

`load_junit_reference` reads the same file through junitparser's object model, independently of
our streaming reader: tests hold the two in agreement on real pytest and mypy output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from junitparser import Error, Failure, JUnitXml, JUnitXmlError, Skipped

from cimaturity.artifacts import one_line, parse_xml
from cimaturity.formats.junit import KIND, _short, _time, read_junit
from cimaturity.formats.runjson import RunFile, read_run
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import ArtifactError
from cimaturity.report.evidence import TEST_COLUMNS
from cimaturity.report.loaders import common as c
from cimaturity.report.loaders.junit import tests_frame
from cimaturity.report.loaders.runjson import checks_frame
from cimaturity.report.loaders.sarif import findings_frame


@dataclass(frozen=True)
class SarifFrames:
    findings: pd.DataFrame
    baseline_entries: int | None


def load_sarif(path: Path, check: str, project_root: Path | None = None) -> SarifFrames:
    log = read_sarif(path, root=project_root)
    entries = [run.baseline_entries for run in log.runs if run.baseline_entries is not None]
    return SarifFrames(findings_frame([(check, log)]), sum(entries) if entries else None)


def load_junit(path: Path, check: str) -> pd.DataFrame:
    return tests_frame([(check, read_junit(path))])


def load_run(path: Path) -> RunFile:
    return read_run(path)


def run_checks_frame(path: Path) -> pd.DataFrame:
    return checks_frame(read_run(path))


_PRECEDENCE = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def load_junit_reference(path: Path, check: str) -> pd.DataFrame:
    """`load_junit` through junitparser's object model: the reference the streaming reader must match."""
    try:
        xml = JUnitXml.fromroot(parse_xml(path, KIND))
    except JUnitXmlError:
        raise ArtifactError(
            f"{path}: not a {KIND} file (root element is not <testsuites> or <testsuite>)"
        ) from None
    rows: list[tuple[str, str, str, float, str]] = []
    try:
        for suite in xml:
            rows.extend(_suite(path, suite))
    except (ValueError, TypeError, AttributeError) as exc:  # e.g. time="soon"
        raise ArtifactError(f"{path}: {KIND} file is malformed ({one_line(str(exc))})") from None
    return c.frame(
        TEST_COLUMNS,
        {
            "check": [check] * len(rows),
            "suite": [row[0] for row in rows],
            "case": [row[1] for row in rows],
            "status": [row[2] for row in rows],
            "time_s": [row[3] for row in rows],
            "message": [row[4] for row in rows],
        },
    )


def _suite(path: Path, suite: Any) -> list[tuple[str, str, str, float, str]]:
    rows = []
    for case in suite:
        status, message = "passed", ""
        for result in case.result:
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
        rows.append(
            (suite.name or "", label, status, _time(case._elem.get("time"), path, label), _short(message))
        )
    return rows
