"""coverage.py's JSON report (`coverage json`, format 2 or 3) -> `coverage` frame and the total percent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.model import ArtifactError
from cimaturity.report.evidence import COVERAGE_COLUMNS
from cimaturity.report.loaders import common as c

KIND = "coverage JSON"


@dataclass(frozen=True)
class CoverageData:
    files: pd.DataFrame
    percent: float  # the total, as coverage reports it (includes branches when measured)


def is_coverage_json(document: Any) -> bool:
    return isinstance(document, dict) and "totals" in document and "files" in document


def load_coverage(path: Path, *, within: Path | None = None) -> CoverageData:
    return coverage_from_document(path, c.read_json(path, KIND, within=within))


def coverage_from_document(path: Path, document: Any) -> CoverageData:
    if not is_coverage_json(document):
        raise ArtifactError(f"{path}: not a coverage JSON report (no 'totals' and 'files')")
    totals = c.require_dict(document["totals"], path, "totals")
    percent = c.json_float(totals.get("percent_covered"), path, "totals.percent_covered", c.PERCENT)
    files = c.require_dict(document["files"], path, "files")
    names: list[str] = []
    statements: list[int] = []
    missed: list[int] = []
    percents: list[float] = []
    for name, entry in files.items():
        where = f"files[{name!r}].summary"
        summary = c.require_dict(c.require_dict(entry, path, f"files[{name!r}]").get("summary"), path, where)
        count = c.json_int(summary.get("num_statements"), path, f"{where}.num_statements", c.COUNT)
        missing = c.json_int(summary.get("missing_lines"), path, f"{where}.missing_lines", c.COUNT)
        if not 0 <= missing <= count:
            raise ArtifactError(f"{path}: {where} has {missing} missing of {count} statements")
        names.append(name)
        statements.append(count)
        missed.append(missing)
        percents.append(
            c.json_float(summary.get("percent_covered"), path, f"{where}.percent_covered", c.PERCENT)
        )
    frame = c.frame(
        COVERAGE_COLUMNS, {"file": names, "statements": statements, "missed": missed, "percent": percents}
    )
    return CoverageData(frame, percent)
