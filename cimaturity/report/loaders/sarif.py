"""SARIF (read by `cimaturity.formats.sarif`) -> the `findings` frame, one row per result.

Messages are shortened to one line and any quoted credential redacted: the frame is shown.

A finding's `fingerprint` says whether it is the same finding in another run (the PR comment's
"new findings"): the tool's own SARIF `fingerprints` when it writes them, else its
`partialFingerprints`, else tool, rule, file and message. Never the line: code that moved is
not a new finding. Identical findings in one file are told apart by their order.
"""

from __future__ import annotations

import pandas as pd

from cimaturity.formats.sarif import SarifLog, SarifResult
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
            "fingerprint": _fingerprints([result for _, result in rows], messages),
            "message": messages,
            "suppressed": [result.suppressed for _, result in rows],
        },
    )


def _fingerprints(results: list[SarifResult], messages: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for result, message in zip(results, messages, strict=True):
        if result.fingerprints:
            key = "f\x1f" + "\x1f".join(f"{k}={v}" for k, v in sorted(result.fingerprints.items()))
        elif result.partial_fingerprints:
            parts = sorted(result.partial_fingerprints.items())
            key = f"p\x1f{result.tool}\x1f{result.rule_id}\x1f" + "\x1f".join(f"{k}={v}" for k, v in parts)
        else:
            key = f"k\x1f{result.tool}\x1f{result.rule_id}\x1f{result.file or ''}\x1f{message}"
        seen[key] = seen.get(key, 0) + 1
        out.append(c.fingerprint(f"{key}\x1f#{seen[key]}"))
    return out
