"""Locust's `<prefix>_stats.csv` (read by `cimaturity.formats.locust`) -> `performance` frame.

One row per request name plus the `Aggregated` row. A percentile without a sample (Locust's
"N/A", `None` in the record) becomes NaN in the frame, never zero: the rules read a NaN as no
evidence.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from cimaturity.formats import locust as fmt
from cimaturity.formats.locust import is_locust_stats as is_locust_stats
from cimaturity.report.evidence import PERFORMANCE_COLUMNS
from cimaturity.report.loaders import common as c


def load_locust(path: Path, *, within: Path | None = None) -> pd.DataFrame:
    return _frame(fmt.read_locust_stats(path, within=within))


def locust_from_bytes(path: Path, data: bytes) -> pd.DataFrame:
    """The same, for a file already read (the loaders read it once to tell its kind)."""
    return _frame(fmt.locust_stats_from_bytes(path, data))


def _frame(stats: fmt.LocustStats) -> pd.DataFrame:
    rows = stats.rows
    return c.frame(
        PERFORMANCE_COLUMNS,
        {
            "name": [row.label for row in rows],
            "requests": [row.requests for row in rows],
            "failures": [row.failures for row in rows],
            "median_ms": [_cell(row.median_ms) for row in rows],
            "p95_ms": [_cell(row.p95_ms) for row in rows],
            "p99_ms": [_cell(row.p99_ms) for row in rows],
            "rps": [row.rps for row in rows],
        },
    )


def _cell(value: float | None) -> float:
    return math.nan if value is None else value
