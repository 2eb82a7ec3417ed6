"""pip-audit's JSON (read by `cimaturity.formats.deps`) -> `vulnerabilities`, `skipped_dependencies`.

A dependency pip-audit skipped (offline, URL requirement, not on PyPI) was not audited: it is
evidence of *nothing*, so it goes to `skipped_dependencies`, never read as "no vulnerabilities".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.formats import deps as fmt
from cimaturity.formats.deps import is_pip_audit as is_pip_audit
from cimaturity.report.evidence import SKIPPED_DEPENDENCY_COLUMNS, VULNERABILITY_COLUMNS
from cimaturity.report.loaders import common as c

SOURCE = fmt.Tool.PIP_AUDIT.value


@dataclass(frozen=True)
class AuditData:
    vulnerabilities: pd.DataFrame
    skipped: pd.DataFrame
    audited: int  # dependencies actually looked up


def load_pip_audit(path: Path, *, within: Path | None = None) -> AuditData:
    return _data(fmt.read_pip_audit(path, within=within))


def audit_from_document(path: Path, document: Any) -> AuditData:
    return _data(fmt.pip_audit_from_document(path, document))


def _data(report: fmt.PipAuditReport) -> AuditData:
    found = [(dep, advisory) for dep in report.dependencies for advisory in dep.vulns]
    vulnerabilities = c.frame(
        VULNERABILITY_COLUMNS,
        {
            "source": [SOURCE] * len(found),
            "package": [dep.name for dep, _ in found],
            "version": [dep.version for dep, _ in found],
            "id": [advisory.id for _, advisory in found],
            "aliases": [", ".join(advisory.aliases) for _, advisory in found],
            "fix_versions": [", ".join(advisory.fix_versions) for _, advisory in found],
        },
    )
    skipped = c.frame(
        SKIPPED_DEPENDENCY_COLUMNS,
        {
            "source": [SOURCE] * len(report.skipped),
            "package": [skip.name for skip in report.skipped],
            "reason": [skip.reason for skip in report.skipped],
        },
    )
    return AuditData(vulnerabilities, skipped, len(report.dependencies))
