"""JUnit XML (read by `cimaturity.formats.junit`) -> the `tests` frame, one row per test case."""

from __future__ import annotations

import pandas as pd

from cimaturity.formats.junit import JUnitReport
from cimaturity.report.evidence import TEST_COLUMNS
from cimaturity.report.loaders import common as c


def tests_frame(groups: list[tuple[str, JUnitReport]]) -> pd.DataFrame:
    """One frame for many JUnit files (check name, report), built once, column by column."""
    return c.frame(
        TEST_COLUMNS,
        {
            "check": [check for check, report in groups for _ in range(report.tests)],
            "suite": [value for _, report in groups for value in report.columns.suite],
            "case": [value for _, report in groups for value in report.columns.case],
            "status": [value for _, report in groups for value in report.columns.status],
            "time_s": [value for _, report in groups for value in report.columns.time_s],
            "message": [value for _, report in groups for value in report.columns.message],
        },
    )
