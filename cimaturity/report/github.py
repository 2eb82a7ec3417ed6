"""GitHub Actions annotations: `::error` lines for findings of failed gates (workflow commands;
see GitHub's "Workflow commands" documentation). The job summary is `reporters.JobSummaryReporter`."""

from __future__ import annotations

import pandas as pd

from cimaturity.report.evidence import Evidence

MAX_ANNOTATIONS = 50  # GitHub shows at most 10 errors per step and 50 per job


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation_lines(evidence: Evidence, limit: int = MAX_ANNOTATIONS) -> list[str]:
    """`::error` lines for unsuppressed findings of checks whose gate failed or errored."""
    failed = set(evidence.checks.loc[evidence.checks["status"].isin(["failed", "error"]), "name"].astype(str))
    findings = evidence.findings
    if not failed or findings.empty:
        return []
    chosen = findings.loc[findings["check"].isin(failed) & ~findings["suppressed"].fillna(False).astype(bool)]
    lines: list[str] = []
    for row in chosen.head(limit).to_dict("records"):
        title = f"{row['tool']} {row['rule']}"
        props = [f"title={_escape_property(title)}"]
        if row["file"] is not None and not pd.isna(row["file"]):
            props.insert(0, f"file={_escape_property(str(row['file']))}")
            if row["line"] is not None and not pd.isna(row["line"]):
                props.insert(1, f"line={int(row['line'])}")
        lines.append(f"::error {','.join(props)}::{_escape_data(str(row['message']))}")
    if len(chosen) > limit:
        lines.append(
            f"::notice::{len(chosen) - limit} more finding(s) not annotated; see the maturity report"
        )
    return lines
