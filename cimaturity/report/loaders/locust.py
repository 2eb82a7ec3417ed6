"""Locust's `<prefix>_stats.csv` (`locust --csv PREFIX`) -> `performance` frame.

One row per request name plus the `Aggregated` row; times are milliseconds as Locust writes
them; p95/p99 are its `95%`/`99%` columns. "N/A" (no sample) becomes NaN, never zero.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cimaturity.artifacts import Range, parse_csv_records, read_csv_records
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


def load_locust(path: Path, *, within: Path | None = None) -> pd.DataFrame:
    return _frame(path, read_csv_records(path, KIND, REQUIRED, within=within))


def locust_from_bytes(path: Path, data: bytes) -> pd.DataFrame:
    """The same, for a file already read (the loaders read it once to tell its kind)."""
    return _frame(path, parse_csv_records(data, path, KIND, REQUIRED))


def _frame(path: Path, records: list[tuple[int, dict[str, str]]]) -> pd.DataFrame:
    out: dict[str, list[object]] = {column: [] for column in PERFORMANCE_COLUMNS}
    for number, row in records:
        kind, name = row["Type"].strip(), row["Name"].strip()
        out["name"].append(f"{kind} {name}" if kind else name)
        out["requests"].append(
            c.text_int(row["Request Count"], path, f"line {number} Request Count", c.COUNT)
        )
        out["failures"].append(
            c.text_int(row["Failure Count"], path, f"line {number} Failure Count", c.COUNT)
        )
        out["median_ms"].append(_number(row["Median Response Time"], path, number, "Median", c.MILLISECONDS))
        out["p95_ms"].append(_number(row["95%"], path, number, "95%", c.MILLISECONDS))
        out["p99_ms"].append(_number(row["99%"], path, number, "99%", c.MILLISECONDS))
        out["rps"].append(_number(row["Requests/s"], path, number, "Requests/s", c.RATE))
    if AGGREGATED not in out["name"]:
        raise ArtifactError(f"{path}: {KIND} file has no {AGGREGATED!r} row (truncated?)")
    return c.frame(PERFORMANCE_COLUMNS, out)


def _number(cell: str, path: Path, line: int, column: str, allowed: Range) -> float:
    """A time or rate; "N/A" or blank (no sample) is NaN, never zero."""
    if cell.strip() in ("N/A", ""):
        return math.nan
    return c.text_float(cell, path, f"line {line} {column}", allowed)
