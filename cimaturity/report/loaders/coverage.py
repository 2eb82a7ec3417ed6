"""coverage.py's JSON report (read by `cimaturity.formats.coverage`) -> `coverage` frame and the total."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.formats import coverage as fmt
from cimaturity.formats.coverage import is_coverage_json as is_coverage_json
from cimaturity.report.evidence import COVERAGE_COLUMNS
from cimaturity.report.loaders import common as c


@dataclass(frozen=True)
class CoverageData:
    files: pd.DataFrame
    percent: float  # the total, as coverage reports it (includes branches when measured)


def load_coverage(path: Path, *, within: Path | None = None) -> CoverageData:
    return _data(fmt.read_coverage(path, within=within))


def coverage_from_document(path: Path, document: Any) -> CoverageData:
    return _data(fmt.coverage_from_document(path, document))


def _data(report: fmt.CoverageReport) -> CoverageData:
    files = report.files
    frame = c.frame(
        COVERAGE_COLUMNS,
        {
            "file": [f.file for f in files],
            "statements": [f.statements for f in files],
            "missed": [f.missed for f in files],
            "percent": [f.percent for f in files],
        },
    )
    return CoverageData(frame, report.percent)
