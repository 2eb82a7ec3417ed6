"""SARIF (read by `cimaturity.formats.sarif`) -> the `findings` frame, one row per result.

Messages are shortened to one line and any quoted credential redacted: the frame is shown.
"""

from __future__ import annotations

import pandas as pd

from cimaturity.formats.sarif import SarifLog
from cimaturity.report.evidence import FINDING_COLUMNS
from cimaturity.report.loaders import common as c


def findings_frame(groups: list[tuple[str, SarifLog]]) -> pd.DataFrame:
    """One frame for many SARIF files (check name, log): built once, column by column."""
    rows = [(check, result) for check, log in groups for run in log.runs for result in run.results]
    messages = [c.redact(c.short(result.message)) for _, result in rows]
    return c.frame(
        FINDING_COLUMNS,
        {
            "check": [check for check, _ in rows],
            "tool": [result.tool for _, result in rows],
            "rule": [result.rule_id for _, result in rows],
            "severity": [result.severity.value for _, result in rows],
            "file": [result.file or "" for _, result in rows],
            "line": [result.line for _, result in rows],
            "fingerprint": [
                c.fingerprint(f"{r.tool}\x1f{r.rule_id}\x1f{r.file or ''}\x1f{r.line}\x1f{message}")
                for (_, r), message in zip(rows, messages, strict=True)
            ],
            "message": messages,
            "suppressed": [result.suppressed for _, result in rows],
        },
    )
