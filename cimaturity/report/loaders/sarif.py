"""SARIF 2.1.0 (ruff, bandit, hadolint, zizmor, detect-secrets, ...) -> `findings` frame.

The file is read by `cimaturity.artifacts.read_json` (a regular file inside the reports folder,
size-capped); the SARIF object model comes from sarif-tools (`SarifFile`, `SarifRun`,
`read_result_severity`, `read_result_location`); the record is our own, because
sarif-tools' record copies text we must not keep and has no severity beyond the SARIF level.
Snippets (`region.snippet`, `contextRegion`) are never read: a secret scanner's snippet is the
secret.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sarif.sarif_file import SarifFile, SarifRun
from sarif.sarif_file_utils import read_result_location, read_result_severity

from cimaturity.artifacts import Range, one_line
from cimaturity.model import ArtifactError
from cimaturity.report.evidence import FINDING_COLUMNS
from cimaturity.report.loaders import common as c

KIND = "SARIF"
SARIF_VERSION = "2.1.0"
SEVERITIES = ("critical", "high", "medium", "low", "info")
SCORE = Range("a security-severity score", 0, 10)  # CVSS, as GitHub reads it
_LEVELS = {"error": "high", "warning": "medium", "note": "low", "none": "info"}
_BANDIT = {"high": "high", "medium": "medium", "low": "low", "undefined": "info"}


@dataclass(frozen=True)
class Finding:
    tool: str
    rule: str
    severity: str
    file: str
    line: int | None
    message: str
    suppressed: bool


@dataclass(frozen=True)
class SarifData:
    check: str
    records: list[Finding]
    baseline_entries: int | None  # detect-secrets baseline size, when the run records it

    @property
    def findings(self) -> pd.DataFrame:
        return findings_frame([(self.check, self.records)])


_NO_MTIME = dt.datetime(1970, 1, 1)  # sarif-tools would stat the file again for it: never used


def load_sarif(
    path: Path, check: str, project_root: Path | None = None, *, within: Path | None = None
) -> SarifData:
    """Every result of every run in `path` as findings. Raises ArtifactError naming the file."""
    return sarif_from_document(path, c.read_json(path, KIND, within=within), check, project_root)


def sarif_from_document(path: Path, document: Any, check: str, project_root: Path | None) -> SarifData:
    """The same, for a document already parsed (a SARIF log saved as `.json`)."""
    _validate_top(path, document)
    try:
        sarif_file = SarifFile(str(path), document, mtime=_NO_MTIME)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # its `conversion` block, read eagerly
        raise ArtifactError(f"{path}: not a SARIF log ({type(exc).__name__}: {one_line(str(exc))})") from None
    return _data(path, sarif_file, check, project_root)


def _data(path: Path, sarif_file: SarifFile, check: str, project_root: Path | None) -> SarifData:
    records = read_findings(path, sarif_file, project_root)
    entries = [_baseline_entries(path, run.run_index, run.run_data) for run in sarif_file.runs]
    known = [entry for entry in entries if entry is not None]
    return SarifData(check, records, sum(known) if known else None)


def _baseline_entries(path: Path, index: int, run_data: Mapping[str, Any]) -> int | None:
    """`runs[].properties.baseline_entries`, as cimaturity's secrets scan writes it."""
    properties = run_data.get("properties")
    if not isinstance(properties, dict) or properties.get("baseline_entries") is None:
        return None
    field = f"runs[{index}].properties.baseline_entries"
    return c.json_int(properties["baseline_entries"], path, field, c.COUNT)


def is_sarif(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "runs" in document
        and (("$schema" in document and "sarif" in str(document["$schema"]).lower()) or "version" in document)
    )


def read_findings(path: Path, sarif_file: SarifFile, project_root: Path | None) -> list[Finding]:
    _validate_top(path, sarif_file.data)
    findings: list[Finding] = []
    for run in sarif_file.runs:
        try:
            findings.extend(_run_findings(path, run, project_root))
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise ArtifactError(
                f"{path}: runs[{run.run_index}] is malformed ({type(exc).__name__}: {one_line(str(exc))})"
            ) from None
    return findings


def findings_frame(groups: list[tuple[str, list[Finding]]]) -> pd.DataFrame:
    """One frame for many SARIF files: built once, column by column (no per-file frames)."""
    checks = [check for check, records in groups for _ in records]
    findings = [finding for _, records in groups for finding in records]
    return c.frame(
        FINDING_COLUMNS,
        {
            "check": checks,
            "tool": [f.tool for f in findings],
            "rule": [f.rule for f in findings],
            "severity": [f.severity for f in findings],
            "file": [f.file for f in findings],
            "line": [f.line for f in findings],
            "fingerprint": [
                c.fingerprint(f"{f.tool}\x1f{f.rule}\x1f{f.file}\x1f{f.line}\x1f{f.message}")
                for f in findings
            ],
            "message": [f.message for f in findings],
            "suppressed": [f.suppressed for f in findings],
        },
    )


def _validate_top(path: Path, document: Any) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise ArtifactError(f"{path}: not a SARIF log (no 'runs' list)")
    if str(document.get("version", "")) != SARIF_VERSION:
        raise ArtifactError(f"{path}: SARIF version {document.get('version')!r}, expected {SARIF_VERSION!r}")
    for index, run in enumerate(document["runs"]):
        if not isinstance(run, dict):
            raise ArtifactError(f"{path}: runs[{index}] is not an object")


def _run_findings(path: Path, run: SarifRun, project_root: Path | None) -> list[Finding]:
    tool = run.get_tool_name()
    if not isinstance(tool, str) or not tool.strip():
        raise ValueError("tool.driver.name is not a non-empty string")
    tool = tool.strip().lower()  # "Bandit", "Hadolint": one spelling per tool across runs
    results = run.get_results()
    if not isinstance(results, list):
        # SARIF 3.14.23: absent or null results mean the tool did not produce any: no evidence
        raise ValueError("results is not a list (the tool produced no results)")
    rules = _rules(run.run_data)
    root = str(project_root).rstrip("/") + "/" if project_root is not None else None
    out: list[Finding] = []
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise ValueError(f"results[{index}] is not an object")
        rule_id = _rule_id(result, rules)
        rule = rules.get(rule_id, {})
        level = result.get("level") or read_result_severity(result, run.run_data)
        if level not in _LEVELS:
            raise ValueError(f"results[{index}].level is {level!r}")
        file, line = read_result_location(result)
        out.append(
            Finding(
                tool=tool,
                rule=rule_id,
                severity=_severity(
                    path,
                    tool,
                    level,
                    (
                        (f"runs[{run.run_index}].results[{index}].properties", result.get("properties")),
                        (
                            f"runs[{run.run_index}].tool.driver.rules[{rule_id!r}].properties",
                            rule.get("properties"),
                        ),
                    ),
                ),
                file=_relative(file, root),
                line=_line(path, run.run_index, index, line),
                message=c.redact(c.short(_message(result))),
                suppressed=_suppressed(result.get("suppressions")),
            )
        )
    return out


def _rules(run_data: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    rules = run_data.get("tool", {}).get("driver", {}).get("rules") or []
    if not isinstance(rules, list):
        raise TypeError("tool.driver.rules is not a list")
    return {str(rule["id"]): rule for rule in rules if isinstance(rule, dict) and "id" in rule}


def _rule_id(result: Mapping[str, Any], rules: Mapping[str, Mapping[str, Any]]) -> str:
    rule_id = result.get("ruleId")
    if rule_id is None and isinstance(result.get("rule"), dict):
        rule_id = result["rule"].get("id")
    if rule_id is None:
        return ""
    if not isinstance(rule_id, str):
        raise TypeError("ruleId is not a string")
    return rule_id


def _severity(path: Path, tool: str, level: str, bags: tuple[tuple[str, object], ...]) -> str:
    """critical..info: a security-severity score (as GitHub reads it), else bandit's own, else level.

    `bags` are the (field, property bag) of the result, then of its rule."""
    for where, bag in bags:
        if isinstance(bag, dict) and "security-severity" in bag:
            score = _score(path, f"{where}.security-severity", bag["security-severity"])
            if score is not None:
                if score >= 9.0:
                    return "critical"
                if score >= 7.0:
                    return "high"
                if score >= 4.0:
                    return "medium"
                return "low"
    result_properties = bags[0][1]
    if isinstance(result_properties, dict):
        bandit = result_properties.get("issue_severity")
        if isinstance(bandit, str) and bandit.lower() in _BANDIT:
            return _BANDIT[bandit.lower()]
    return _LEVELS[level]


def _score(path: Path, field: str, value: object) -> float | None:
    """A security-severity score (a string or a number, as tools write it). No number at all
    ("", "high", null): None, the level decides; a number outside 0..10, NaN or infinite: refused."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return c.text_float(value, path, field, SCORE)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return c.json_float(value, path, field, SCORE)
    return None


def _message(result: Mapping[str, Any]) -> str:
    message = result.get("message")
    if message is None:
        return ""
    if not isinstance(message, dict):
        raise TypeError("message is not an object")
    text = message.get("text", message.get("id", ""))
    if not isinstance(text, str):
        raise TypeError("message.text is not a string")
    return text


def _line(path: Path, run: int, index: int, value: object) -> int | None:
    if value is None:
        return None
    field = f"runs[{run}].results[{index}].locations[0].physicalLocation.region.startLine"
    return c.json_int(value, path, field, c.LINE)


def _relative(file: object, root: str | None) -> str:
    """The file as the project names it: `file://` dropped, the project root (with `/`) cut off."""
    if file is None:
        return ""
    if not isinstance(file, str):
        raise TypeError("the location's uri is not a string")
    name = file.removeprefix("file://")
    if root is not None and name.startswith(root):
        return name[len(root) :]
    return name


def _suppressed(suppressions: object) -> bool:
    if suppressions is None:
        return False
    if not isinstance(suppressions, list):
        raise TypeError("suppressions is not a list")
    # SARIF 3.34.3: a suppression without a status is accepted; a rejected one does not count
    return any(isinstance(s, dict) and s.get("status", "accepted") != "rejected" for s in suppressions)
