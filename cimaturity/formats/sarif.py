"""SARIF 2.1.0 (ruff, bandit, hadolint, trivy, zizmor, detect-secrets, ...): every result of
every run, with the run-level facts the gates need.

The file is read by `cimaturity.artifacts.read_json` (a regular file inside the boundary folder,
size-capped). sarif-tools reads what SARIF leaves to conventions (`read_result_location`: where a
tool put the file; `read_result_severity`: the level by the spec's defaulting rules, rule
defaults and invocation overrides included); the record is our own, because sarif-tools' record
copies text we must not keep. Snippets (`region.snippet`, `contextRegion`) are never read: a
secret scanner's snippet is the secret.

Where the gates' old reader and the report's disagreed, the stricter rule is kept: an absent or
null `results` is no evidence (SARIF 3.14.23), a level outside error/warning/note/none, a line
outside 1..2^31-1, a security-severity score outside 0..10, a non-string message or URI are all
an `ArtifactError` naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from sarif.sarif_file_utils import read_result_location, read_result_severity

from cimaturity.artifacts import COUNT, LINE, Range, json_float, json_int, one_line, read_json, text_float
from cimaturity.model import ArtifactError

KIND = "SARIF"
VERSION = "2.1.0"
SCORE = Range("a security-severity score", 0, 10)  # CVSS, as GitHub reads it


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    NONE = "none"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"


_BY_LEVEL = {Level.ERROR: Severity.HIGH, Level.WARNING: Severity.MEDIUM, Level.NOTE: Severity.LOW}
_BANDIT = {"high": Severity.HIGH, "medium": Severity.MEDIUM, "low": Severity.LOW, "undefined": Severity.INFO}
_LEVELS = {level.value: level for level in Level}


@dataclass(frozen=True)
class SarifResult:
    tool: str  # the driver's name, lower case: one spelling per tool across runs
    rule_id: str
    level: Level
    severity: Severity  # a security-severity score (as GitHub reads it), else bandit's own, else the level
    message: str  # whole: a gate quotes it; the report shortens and redacts it
    file: str | None  # without `file://`; relative to `root` when the reader was given one
    line: int | None
    suppressed: bool  # an accepted (or status-less) suppression
    properties: Mapping[str, Any]  # the result's property bag (tool-specific, free-form by the spec)
    fingerprints: Mapping[str, str] = field(default_factory=dict)  # the tool's stable ids (SARIF 3.27.16)
    partial_fingerprints: Mapping[str, str] = field(default_factory=dict)  # SARIF 3.27.17

    @property
    def where(self) -> str:
        """`file:line` for a gate's reason (`?` for a result without a file)."""
        file = self.file or "?"
        return f"{file}:{self.line}" if self.line is not None else file


@dataclass(frozen=True)
class Notification:
    """A tool's error-level notification: bandit's record of a file it skipped or could not parse."""

    file: str
    message: str


@dataclass(frozen=True)
class SarifRun:
    tool: str
    results: tuple[SarifResult, ...]
    properties: Mapping[str, Any]  # the run's property bag (cimaturity's secrets scan records its scope here)
    notifications: tuple[Notification, ...]
    execution_failed: bool  # an invocation says executionSuccessful: false
    baseline_entries: int | None  # `properties.baseline_entries`, as cimaturity's secrets scan writes it


@dataclass(frozen=True)
class SarifLog:
    path: Path
    runs: tuple[SarifRun, ...]

    @property
    def results(self) -> tuple[SarifResult, ...]:
        return tuple(result for run in self.runs for result in run.results)


def is_sarif(document: Any) -> bool:
    """Whether a parsed JSON document claims to be SARIF (to dispatch a `.json` by its content)."""
    return (
        isinstance(document, dict)
        and "runs" in document
        and (("$schema" in document and "sarif" in str(document["$schema"]).lower()) or "version" in document)
    )


def read_sarif(
    path: Path, expected_tool: str | None = None, *, within: Path | None = None, root: Path | None = None
) -> SarifLog:
    """Every run of `path`. `within` is the boundary folder (default: the file's own).

    With `expected_tool`, there must be at least one run and every run must be that tool's (an
    empty SARIF from the wrong tool is no evidence). With `root`, file paths under it are made
    relative to it.
    """
    return sarif_from_document(path, read_json(path, KIND, within=within), expected_tool, root=root)


def sarif_from_document(
    path: Path, document: Any, expected_tool: str | None = None, *, root: Path | None = None
) -> SarifLog:
    """The same, for a document already parsed (a SARIF log saved as `.json`)."""
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise ArtifactError(f"{path}: not a SARIF log (no 'runs' list)")
    if str(document.get("version", "")) != VERSION:
        raise ArtifactError(f"{path}: SARIF version {document.get('version')!r}, expected {VERSION!r}")
    raw_runs: list[Any] = document["runs"]
    if expected_tool is not None and not raw_runs:
        raise ArtifactError(f"{path}: SARIF has no runs")
    prefix = str(root).rstrip("/") + "/" if root is not None else None
    runs: list[SarifRun] = []
    for index, raw in enumerate(raw_runs):
        if not isinstance(raw, dict):
            raise ArtifactError(f"{path}: runs[{index}] is not an object")
        try:
            run = _run(path, index, raw, prefix)
        except ArtifactError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as exc:
            raise ArtifactError(
                f"{path}: runs[{index}] is malformed ({type(exc).__name__}: {one_line(str(exc))})"
            ) from None
        if expected_tool is not None and run.tool != expected_tool.lower():
            written_by = str(raw["tool"]["driver"]["name"]).strip()  # as the tool spells itself
            raise ArtifactError(f"{path}: SARIF written by {written_by!r}, expected {expected_tool!r}")
        runs.append(run)
    return SarifLog(path, tuple(runs))


def _run(path: Path, index: int, raw: dict[str, Any], prefix: str | None) -> SarifRun:
    tool = raw["tool"]["driver"]["name"]
    if not isinstance(tool, str) or not tool.strip():
        raise ValueError("tool.driver.name is not a non-empty string")
    tool = tool.strip().lower()  # "Bandit", "Hadolint": one spelling per tool across runs
    raw_results = raw.get("results")
    if not isinstance(raw_results, list):
        raise ValueError("results is not a list (the tool produced no results)")
    rules = _rules(raw)
    results = tuple(
        _result(path, f"runs[{index}].results[{number}]", tool, result, raw, rules, prefix)
        for number, result in enumerate(raw_results)
    )
    properties = raw.get("properties") or {}
    if not isinstance(properties, dict):
        raise TypeError("properties is not an object")
    baseline = properties.get("baseline_entries")
    invocations = raw.get("invocations") or []
    if not isinstance(invocations, list):
        raise TypeError("invocations is not a list")
    return SarifRun(
        tool=tool,
        results=results,
        properties=properties,
        notifications=tuple(note for invocation in invocations for note in _notifications(invocation)),
        execution_failed=any(
            isinstance(invocation, dict) and invocation.get("executionSuccessful") is False
            for invocation in invocations
        ),
        baseline_entries=None
        if baseline is None
        else json_int(baseline, path, f"runs[{index}].properties.baseline_entries", COUNT),
    )


def _result(
    path: Path,
    where: str,
    tool: str,
    result: Any,
    run: Mapping[str, Any],
    rules: Mapping[str, Mapping[str, Any]],
    prefix: str | None,
) -> SarifResult:
    if not isinstance(result, dict):
        raise ValueError(f"{where.split('.', 1)[1]} is not an object")
    rule_id = _rule_id(result)
    level_name = result.get("level") or read_result_severity(result, run)
    level = _LEVELS.get(level_name) if isinstance(level_name, str) else None
    if level is None:
        raise ArtifactError(
            f"{path}: {where}.level is {one_line(repr(level_name))}, expected error/warning/note/none"
        )
    file, line = read_result_location(result)
    properties = result.get("properties") or {}
    if not isinstance(properties, dict):
        raise TypeError("properties is not an object")
    rule_properties = rules.get(rule_id, {}).get("properties")
    return SarifResult(
        tool=tool,
        rule_id=rule_id,
        level=level,
        severity=_severity(
            path,
            level,
            properties,
            (
                (f"{where}.properties", properties),
                (
                    f"{where.split('.results', 1)[0]}.tool.driver.rules[{rule_id!r}].properties",
                    rule_properties,
                ),
            ),
        ),
        message=_message(result),
        file=_file(file, prefix),
        line=None
        if line is None
        else json_int(line, path, f"{where}.locations[0].physicalLocation.region.startLine", LINE),
        suppressed=_suppressed(result.get("suppressions")),
        properties=properties,
        fingerprints=_strings(result.get("fingerprints"), "fingerprints"),
        partial_fingerprints=_strings(result.get("partialFingerprints"), "partialFingerprints"),
    )


def _strings(value: object, name: str) -> dict[str, str]:
    """A SARIF string-to-string map (fingerprints); absent is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TypeError(f"{name} is not an object of strings")
    return {str(key): text for key, text in value.items()}


def _rules(run: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    rules = run.get("tool", {}).get("driver", {}).get("rules") or []
    if not isinstance(rules, list):
        raise TypeError("tool.driver.rules is not a list")
    return {str(rule["id"]): rule for rule in rules if isinstance(rule, dict) and "id" in rule}


def _rule_id(result: Mapping[str, Any]) -> str:
    rule_id = result.get("ruleId")
    if rule_id is None and isinstance(result.get("rule"), dict):
        rule_id = result["rule"].get("id")
    if rule_id is None:
        return ""
    if not isinstance(rule_id, str):
        raise TypeError("ruleId is not a string")
    return rule_id


def _severity(
    path: Path, level: Level, properties: Mapping[str, Any], bags: tuple[tuple[str, object], ...]
) -> Severity:
    """critical..info: a security-severity score (as GitHub reads it), else bandit's own, else level.

    `bags` are the (field, property bag) of the result, then of its rule."""
    for where, bag in bags:
        if isinstance(bag, dict) and "security-severity" in bag:
            score = _score(path, f"{where}.security-severity", bag["security-severity"])
            if score is not None:
                if score >= 9.0:
                    return Severity.CRITICAL
                if score >= 7.0:
                    return Severity.HIGH
                if score >= 4.0:
                    return Severity.MEDIUM
                return Severity.LOW
    bandit = properties.get("issue_severity")
    if isinstance(bandit, str) and bandit.lower() in _BANDIT:
        return _BANDIT[bandit.lower()]
    return _BY_LEVEL.get(level, Severity.INFO)


def _score(path: Path, field: str, value: object) -> float | None:
    """A security-severity score (a string or a number, as tools write it). No number at all
    ("", "high", null): None, the level decides; a number outside 0..10, NaN or infinite: refused."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return text_float(value, path, field, SCORE)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return json_float(value, path, field, SCORE)
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


def _file(file: object, prefix: str | None) -> str | None:
    """The file as the project names it: `file://` dropped, the root (with `/`) cut off."""
    if file is None:
        return None
    if not isinstance(file, str):
        raise TypeError("the location's uri is not a string")
    name = file.removeprefix("file://")
    if prefix is not None and name.startswith(prefix):
        return name[len(prefix) :]
    return name


def _suppressed(suppressions: object) -> bool:
    if suppressions is None:
        return False
    if not isinstance(suppressions, list):
        raise TypeError("suppressions is not a list")
    # SARIF 3.34.3: a suppression without a status is accepted; a rejected one does not count
    return any(isinstance(s, dict) and s.get("status", "accepted") != "rejected" for s in suppressions)


def _notifications(invocation: object) -> list[Notification]:
    """Error-level tool notifications of one invocation (configuration and execution)."""
    if not isinstance(invocation, dict):
        raise TypeError("invocations[] is not an object")
    found: list[Notification] = []
    for key in ("toolConfigurationNotifications", "toolExecutionNotifications"):
        for note in invocation.get(key) or []:
            if str(note.get("level", "error")) != "error":
                continue
            text = str((note.get("message") or {}).get("text", "unknown reason"))
            locations = note.get("locations") or [{}]
            uri = locations[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri", "?")
            found.append(Notification(str(uri), text))
    return found
