"""Locust's `<prefix>_stats.csv` (`locust --csv PREFIX`) -> `performance` frame.

One row per request name plus the `Aggregated` row; times are milliseconds as Locust writes
them; p95/p99 are its `95%`/`99%` columns. "N/A" (no sample) becomes NaN, never zero.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cimaturity.artifacts import read_csv_records
from cimaturity.model import ArtifactError
from cimaturity.report.evidence import PERFORMANCE_COLUMNS
from cimaturity.report.loaders import common as c

KIND = "Locust stats CSV"
AGGREGATED = "Aggregated"
REQUIRED = (
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "95%",
    "99%",
    "Requests/s",
)


def is_locust_stats(header: list[str]) -> bool:
    return all(column in header for column in REQUIRED) and "Timestamp" not in header


def load_locust(path: Path) -> pd.DataFrame:
    records = read_csv_records(path, KIND, REQUIRED)
    out: dict[str, list[object]] = {column: [] for column in PERFORMANCE_COLUMNS}
    for number, row in records:
        kind, name = row["Type"].strip(), row["Name"].strip()
        out["name"].append(f"{kind} {name}" if kind else name)
        out["requests"].append(_count(row["Request Count"], path, number, "Request Count"))
        out["failures"].append(_count(row["Failure Count"], path, number, "Failure Count"))
        out["median_ms"].append(_number(row["Median Response Time"], path, number, "Median"))
        out["p95_ms"].append(_number(row["95%"], path, number, "95%"))
        out["p99_ms"].append(_number(row["99%"], path, number, "99%"))
        out["rps"].append(_number(row["Requests/s"], path, number, "Requests/s"))
    if AGGREGATED not in out["name"]:
        raise ArtifactError(f"{path}: {KIND} file has no {AGGREGATED!r} row (truncated?)")
    return c.frame(PERFORMANCE_COLUMNS, out)


def _count(cell: str, path: Path, line: int, column: str) -> int:
    try:
        value = int(cell)
    except ValueError:
        raise ArtifactError(f"{path}: line {line} {column} is {cell!r}, expected a count") from None
    if value < 0:
        raise ArtifactError(f"{path}: line {line} {column} is negative")
    return value


def _number(cell: str, path: Path, line: int, column: str) -> float:
    if cell.strip() in ("N/A", ""):
        return math.nan
    try:
        value = float(cell)
    except ValueError:
        raise ArtifactError(f"{path}: line {line} {column} is {cell!r}, expected a number") from None
    if not math.isfinite(value) or value < 0:
        raise ArtifactError(f"{path}: line {line} {column} is {cell!r}, expected a non-negative number")
    return value
