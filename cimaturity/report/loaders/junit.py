"""JUnit XML (read by `cimaturity.formats.junit`) -> the `tests` frame, one row per test case.

The frame is filled straight from the readers' columns (string pointers copied into one array
per column, times viewed as float64 without boxing), so a 1,000,000-case file costs the report
its strings once, not once per intermediate list.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cimaturity.formats.junit import JUnitReport
from cimaturity.report.evidence import TEST_COLUMNS
from cimaturity.report.loaders import common as c

_TEXT_COLUMNS = ("suite", "case", "status", "message")


def tests_frame(groups: list[tuple[str, JUnitReport]]) -> pd.DataFrame:
    """One frame for many JUnit files (check name, report), built once, column by column.

    Each report's columns are emptied as they move into the frame, so a column's strings are
    held by the frame alone as soon as it is built (the peak is one column's pointers, not all).
    """
    total = sum(report.tests for _, report in groups)
    checks = np.empty(total, dtype=object)
    start = 0
    for check, report in groups:
        checks[start : start + report.tests] = check
        start += report.tests
    times = [np.frombuffer(report.columns.time_s, dtype=np.float64) for _, report in groups]
    data: dict[str, object] = {
        "check": pd.Series(checks, dtype="str"),
        "time_s": np.concatenate(times) if times else np.empty(0, dtype=np.float64),
    }
    del checks
    for column in _TEXT_COLUMNS:
        values = np.empty(total, dtype=object)
        start = 0
        for _, report in groups:
            cells: list[str] = getattr(report.columns, column)
            values[start : start + len(cells)] = cells
            start += len(cells)
            cells.clear()
        data[column] = pd.Series(values, dtype="str")  # the pointer array goes at once
        del values
    return c.frame(TEST_COLUMNS, data)
