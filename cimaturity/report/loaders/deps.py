"""The deps check's `summary.json` (`cimaturity.tools.deps_summary`) -> vulnerabilities, skipped.

The deps check lists only this summary in run.json (the per-file pip-audit reports are merged
into it). A requirements file it could not audit is returned as an `unaudited` problem, so the
report shows "no evidence" for it rather than "no vulnerabilities".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.model import ArtifactError
from cimaturity.report.evidence import SKIPPED_DEPENDENCY_COLUMNS, VULNERABILITY_COLUMNS
from cimaturity.report.loaders import common as c
from cimaturity.tools.deps_summary import FORMAT_VERSION

KIND = "deps summary"
_KEYS = ("files", "vulnerabilities", "skipped", "safety")


@dataclass(frozen=True)
class Unaudited:
    report: str
    problem: str


@dataclass(frozen=True)
class DepsData:
    vulnerabilities: pd.DataFrame
    skipped: pd.DataFrame
    unaudited: tuple[Unaudited, ...]


def is_deps_summary(document: Any) -> bool:
    return isinstance(document, dict) and all(key in document for key in _KEYS)


def load_deps_summary(path: Path, *, within: Path | None = None) -> DepsData:
    return deps_from_document(path, c.read_json(path, KIND, within=within))


def deps_from_document(path: Path, document: Any) -> DepsData:
    if not is_deps_summary(document):
        raise ArtifactError(f"{path}: not a deps summary (needs {', '.join(_KEYS)})")
    if document.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: deps summary format_version {document.get('format_version')!r}, "
            f"expected {FORMAT_VERSION}"
        )
    unaudited: list[Unaudited] = []
    for index, raw in enumerate(c.require_list(document["files"], path, "files")):
        entry = c.require_dict(raw, path, f"files[{index}]")
        status = c.require_str(entry.get("status"), path, f"files[{index}].status")
        report = c.require_str(entry.get("report"), path, f"files[{index}].report")
        c.json_int(entry.get("dependencies"), path, f"files[{index}].dependencies", c.COUNT)
        if status != "audited":
            problem = c.optional_str(entry.get("problem"), path, f"files[{index}].problem")
            unaudited.append(Unaudited(report, problem or f"{report}: {status}"))
    vulns: dict[str, list[str]] = {column: [] for column in VULNERABILITY_COLUMNS}
    for index, raw in enumerate(c.require_list(document["vulnerabilities"], path, "vulnerabilities")):
        where = f"vulnerabilities[{index}]"
        entry = c.require_dict(raw, path, where)
        vulns["source"].append(c.require_str(entry.get("tool"), path, f"{where}.tool"))
        vulns["package"].append(c.require_str(entry.get("package"), path, f"{where}.package"))
        vulns["version"].append(c.require_str(entry.get("version"), path, f"{where}.version"))
        vulns["id"].append(c.require_str(entry.get("id"), path, f"{where}.id"))
        vulns["aliases"].append(_joined(entry.get("aliases"), path, f"{where}.aliases"))
        vulns["fix_versions"].append(_joined(entry.get("fix_versions"), path, f"{where}.fix_versions"))
    skipped: dict[str, list[str]] = {column: [] for column in SKIPPED_DEPENDENCY_COLUMNS}
    for index, raw in enumerate(c.require_list(document["skipped"], path, "skipped")):
        where = f"skipped[{index}]"
        entry = c.require_dict(raw, path, where)
        c.require_str(entry.get("requirements"), path, f"{where}.requirements")
        skipped["source"].append("pip-audit")  # the summary's skipped entries come from pip-audit
        skipped["package"].append(c.require_str(entry.get("package"), path, f"{where}.package"))
        skipped["reason"].append(c.require_str(entry.get("reason"), path, f"{where}.reason"))
    c.require_dict(document["safety"], path, "safety")
    return DepsData(
        c.frame(VULNERABILITY_COLUMNS, vulns), c.frame(SKIPPED_DEPENDENCY_COLUMNS, skipped), tuple(unaudited)
    )


def _joined(value: object, path: Path, what: str) -> str:
    items = c.require_list(value, path, what)
    return ", ".join(c.require_str(item, path, f"{what}[{i}]") for i, item in enumerate(items))
