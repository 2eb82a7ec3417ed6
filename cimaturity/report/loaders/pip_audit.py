"""pip-audit's JSON (`pip-audit -f json`) -> `vulnerabilities` and `skipped_dependencies` frames.

A dependency with `skip_reason` was not audited (offline, URL requirement, not on PyPI): it is
evidence of *nothing*, so it is kept apart and never read as "no vulnerabilities".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.model import ArtifactError
from cimaturity.report.evidence import SKIPPED_DEPENDENCY_COLUMNS, VULNERABILITY_COLUMNS
from cimaturity.report.loaders import common as c

KIND = "pip-audit JSON"
SOURCE = "pip-audit"


@dataclass(frozen=True)
class AuditData:
    vulnerabilities: pd.DataFrame
    skipped: pd.DataFrame
    audited: int  # dependencies actually looked up


def is_pip_audit(document: Any) -> bool:
    return isinstance(document, dict) and "dependencies" in document


def load_pip_audit(path: Path, *, within: Path | None = None) -> AuditData:
    return audit_from_document(path, c.read_json(path, KIND, within=within))


def audit_from_document(path: Path, document: Any) -> AuditData:
    if not isinstance(document, dict) or "dependencies" not in document:
        raise ArtifactError(f"{path}: not a pip-audit JSON report (no 'dependencies')")
    dependencies = c.require_list(document["dependencies"], path, "dependencies")
    vulns: dict[str, list[str]] = {column: [] for column in VULNERABILITY_COLUMNS}
    skipped: dict[str, list[str]] = {column: [] for column in SKIPPED_DEPENDENCY_COLUMNS}
    audited = 0
    for index, raw in enumerate(dependencies):
        where = f"dependencies[{index}]"
        dep = c.require_dict(raw, path, where)
        name = c.require_str(dep.get("name"), path, f"{where}.name")
        if "skip_reason" in dep:
            skipped["source"].append(SOURCE)
            skipped["package"].append(name)
            skipped["reason"].append(c.require_str(dep["skip_reason"], path, f"{where}.skip_reason"))
            continue
        version = c.require_str(dep.get("version"), path, f"{where}.version")
        audited += 1
        for v_index, raw_vuln in enumerate(c.require_list(dep.get("vulns"), path, f"{where}.vulns")):
            v_where = f"{where}.vulns[{v_index}]"
            vuln = c.require_dict(raw_vuln, path, v_where)
            vulns["source"].append(SOURCE)
            vulns["package"].append(name)
            vulns["version"].append(version)
            vulns["id"].append(c.require_str(vuln.get("id"), path, f"{v_where}.id"))
            vulns["aliases"].append(_joined(vuln.get("aliases", []), path, f"{v_where}.aliases"))
            fixes = _joined(vuln.get("fix_versions", []), path, f"{v_where}.fix_versions")
            vulns["fix_versions"].append(fixes)
    return AuditData(
        c.frame(VULNERABILITY_COLUMNS, vulns), c.frame(SKIPPED_DEPENDENCY_COLUMNS, skipped), audited
    )


def _joined(value: object, path: Path, what: str) -> str:
    """A list of ids or versions as one comma-separated cell ("" when there is none)."""
    items = c.require_list(value, path, what)
    return ", ".join(c.require_str(item, path, f"{what}[{i}]") for i, item in enumerate(items))
