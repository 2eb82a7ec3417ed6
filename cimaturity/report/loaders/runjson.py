"""run.json (read by `cimaturity.formats.runjson`) -> the `checks` and `metrics` frames."""

from __future__ import annotations

import pandas as pd

from cimaturity.formats.runjson import RunFile
from cimaturity.report.evidence import CHECK_COLUMNS, METRIC_COLUMNS
from cimaturity.report.loaders import common as c


def checks_frame(run: RunFile) -> pd.DataFrame:
    return c.frame(
        CHECK_COLUMNS,
        {
            "name": [check.name for check in run.checks],
            "stage": [check.stage.value for check in run.checks],
            "status": [check.status.value for check in run.checks],
            "reason": [check.reason for check in run.checks],
            "started_at": [check.started_at for check in run.checks],
            "duration_s": [check.duration_s for check in run.checks],
            "exit_code": [check.exit_code for check in run.checks],
            "tool_version": [check.tool_version for check in run.checks],
        },
    )


def metrics_frame(run: RunFile) -> pd.DataFrame:
    """One row per (check, metric) of run.json's `metrics`, values as float64."""
    rows = [(check.name, name, value) for check in run.checks for name, value in check.metrics.items()]
    columns = dict(zip(METRIC_COLUMNS, zip(*rows, strict=True), strict=True)) if rows else {}
    return pd.DataFrame(
        {
            "check": pd.Series(columns.get("check", ()), dtype="str"),
            "metric": pd.Series(columns.get("metric", ()), dtype="str"),
            "value": pd.Series(columns.get("value", ()), dtype="float64"),
        }
    )
