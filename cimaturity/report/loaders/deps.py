"""The deps check's `summary.json` (read by `cimaturity.formats.deps`) -> vulnerabilities, skipped.

The deps check lists only this summary in run.json (the per-file pip-audit reports are merged
into it). A requirements file it could not audit is returned as an `unaudited` problem, so the
report shows "no evidence" for it rather than "no vulnerabilities".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.formats import deps as fmt
from cimaturity.formats.deps import is_deps_summary as is_deps_summary
from cimaturity.report.evidence import SKIPPED_DEPENDENCY_COLUMNS, VULNERABILITY_COLUMNS
from cimaturity.report.loaders import common as c


@dataclass(frozen=True)
class Unaudited:
    report: str
    problem: str


@dataclass(frozen=True)
class DepsData:
    vulnerabilities: pd.DataFrame
    skipped: pd.DataFrame
    unaudited: tuple[Unaudited, ...]


def load_deps_summary(path: Path, *, within: Path | None = None) -> DepsData:
    return _data(fmt.read_deps_summary(path, within=within))


def deps_from_document(path: Path, document: Any) -> DepsData:
    return _data(fmt.deps_summary_from_document(path, document))


def _data(summary: fmt.DepsSummary) -> DepsData:
    vulns = summary.vulnerabilities
    vulnerabilities = c.frame(
        VULNERABILITY_COLUMNS,
        {
            "source": [v.tool.value for v in vulns],
            "package": [v.package for v in vulns],
            "version": [v.version for v in vulns],
            "id": [v.id for v in vulns],
            "aliases": [", ".join(v.aliases) for v in vulns],
            "fix_versions": [", ".join(v.fix_versions) for v in vulns],
        },
    )
    skipped = c.frame(
        SKIPPED_DEPENDENCY_COLUMNS,
        {
            # the summary's skipped entries come from pip-audit (safety's are only counted)
            "source": [fmt.Tool.PIP_AUDIT.value] * len(summary.skipped),
            "package": [s.package for s in summary.skipped],
            "reason": [s.reason for s in summary.skipped],
        },
    )
    unaudited = tuple(
        Unaudited(f.report, f.problem or f"{f.report}: {f.status.value}")
        for f in summary.files
        if f.status is not fmt.FileStatus.AUDITED
    )
    return DepsData(vulnerabilities, skipped, unaudited)
