"""Dependency audits: pip-audit JSON, safety JSON, and cimaturity's own deps summary.

- pip-audit (`pip-audit -f json`): one entry per dependency; one with `skip_reason` was not
  audited (offline, a URL requirement, not on PyPI) and is kept apart, never read as "no
  vulnerability".
- safety 3.x (`safety scan --save-as json`): only the count of its `known_vulnerabilities` is
  read (its format could not be verified offline; the count is what the summary keeps).
- The deps summary (`summary.json`): written by `cimaturity.tools.deps_summary` from the two
  above, read by the `deps` gate and the report. Its records are the dataclasses below; the
  writer serialises them with `dataclasses.asdict` and this reader accepts exactly their fields
  (`field_names`), so writer and reader cannot drift apart.

Where the old readers (the tool's and the gate's, the report's) differed, the stricter rule is
kept, and said here:

- pip-audit: every field has its JSON type: `name`, `version`, `skip_reason`, a vulnerability's
  `id` are strings, `vulns`, `aliases`, `fix_versions` lists of strings (the report's rule; the
  tool used `str()` on any value and let `vulns` be absent or null). `vulns` is required on an
  audited dependency: pip-audit always writes it, and "no list" is not "no vulnerability".
- A requirements file's `dependencies` in the summary counts the dependencies pip-audit looked
  up, not the skipped ones (the report's `audited`; the tool counted every entry, so a file
  whose every dependency was skipped looked audited).
- The summary: `format_version` must be exactly 1 (not `true`), every object has exactly its
  dataclass's fields (the gate's rule: its `AuditedFile(**item)` refused an unknown or missing
  key) and every value its type (the report's rule, now for every field: the gate took any
  value), `status` one of its enum's values, counts within 0..2^53-1, and a file not audited
  carries its `problem` (the report used to invent one).
- safety: a `known_vulnerabilities` that is not a list is an error (the tool used to skip it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from cimaturity.artifacts import COUNT, json_int, one_line, read_json
from cimaturity.formats.fields import (
    exact_keys,
    one_of,
    optional_str,
    require_dict,
    require_list,
    require_str,
    str_tuple,
)
from cimaturity.model import ArtifactError

PIP_AUDIT = "pip-audit JSON"
SAFETY = "safety JSON"
SUMMARY = "deps summary"
FORMAT_VERSION = 1  # of the summary
FORMAT_VERSION_KEY = "format_version"

_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)


# --- pip-audit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Advisory:
    id: str  # PYSEC-..., GHSA-..., CVE-...
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]


@dataclass(frozen=True)
class AuditedDependency:
    name: str
    version: str
    vulns: tuple[Advisory, ...]


@dataclass(frozen=True)
class SkippedAudit:
    """A dependency pip-audit did not audit: evidence of nothing."""

    name: str
    reason: str  # pip-audit's `skip_reason`


@dataclass(frozen=True)
class PipAuditReport:
    dependencies: tuple[AuditedDependency, ...]  # looked up, with or without vulnerabilities
    skipped: tuple[SkippedAudit, ...]


def is_pip_audit(document: Any) -> bool:
    """Whether a parsed JSON document claims to be pip-audit's JSON report."""
    return isinstance(document, dict) and "dependencies" in document


def read_pip_audit(path: Path, *, within: Path | None = None) -> PipAuditReport:
    """The report at `path`; `within` is the boundary folder (default: the file's own)."""
    return pip_audit_from_document(path, read_json(path, PIP_AUDIT, within=within))


def pip_audit_from_document(path: Path, document: Any) -> PipAuditReport:
    """The same, for a document already parsed."""
    if not is_pip_audit(document):
        raise ArtifactError(f"{path}: not a pip-audit JSON report (no 'dependencies')")
    audited: list[AuditedDependency] = []
    skipped: list[SkippedAudit] = []
    for index, raw in enumerate(require_list(document["dependencies"], path, "dependencies")):
        where = f"dependencies[{index}]"
        entry = require_dict(raw, path, where)
        name = require_str(entry.get("name"), path, f"{where}.name")
        if "skip_reason" in entry:
            reason = require_str(entry["skip_reason"], path, f"{where}.skip_reason")
            skipped.append(SkippedAudit(name, reason))
            continue
        version = require_str(entry.get("version"), path, f"{where}.version")
        vulns = require_list(entry.get("vulns"), path, f"{where}.vulns")
        audited.append(
            AuditedDependency(
                name, version, tuple(_advisory(path, f"{where}.vulns[{i}]", v) for i, v in enumerate(vulns))
            )
        )
    return PipAuditReport(tuple(audited), tuple(skipped))


def _advisory(path: Path, where: str, raw: object) -> Advisory:
    vuln = require_dict(raw, path, where)
    return Advisory(
        id=require_str(vuln.get("id"), path, f"{where}.id"),
        aliases=str_tuple(vuln.get("aliases", []), path, f"{where}.aliases"),
        fix_versions=str_tuple(vuln.get("fix_versions", []), path, f"{where}.fix_versions"),
    )


# --- safety -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SafetyReport:
    vulnerabilities: int  # every `known_vulnerabilities` entry, wherever the report nests it


def read_safety(path: Path, *, within: Path | None = None) -> SafetyReport:
    document = read_json(path, SAFETY, within=within)
    if not isinstance(document, dict) or "scan_results" not in document:
        raise ArtifactError(f"{path}: not a safety JSON report (no 'scan_results')")
    count = 0
    stack: list[tuple[str, Any]] = [("", document)]  # a loop, not recursion: nesting is the file's
    while stack:
        where, node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            at = f"{where}[{key}]" if isinstance(key, int) else f"{where}.{key}" if where else str(key)
            if key == "known_vulnerabilities":
                count += len(require_list(value, path, one_line(at)[:200]))
            elif isinstance(value, dict | list):
                stack.append((at, value))
    return SafetyReport(count)


# --- the deps summary ---------------------------------------------------------------------------


class FileStatus(StrEnum):
    """A requirements file in the summary: its pip-audit report read, or no evidence."""

    AUDITED = "audited"
    MISSING = "missing"  # pip-audit wrote no report
    INVALID = "invalid"  # the report could not be read


class SafetyStatus(StrEnum):
    RAN = "ran"
    NOT_RUN = "not run"
    ERROR = "error"


class Tool(StrEnum):
    PIP_AUDIT = "pip-audit"
    SAFETY = "safety"


@dataclass(frozen=True)
class Vulnerability:
    tool: Tool
    package: str
    version: str
    id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]
    requirements: tuple[str, ...]  # the requirements files that pin it


@dataclass(frozen=True)
class SkippedDependency:
    requirements: str
    package: str
    reason: str


@dataclass(frozen=True)
class AuditedFile:
    requirements: str
    report: str
    status: FileStatus
    dependencies: int  # looked up by pip-audit (skipped ones not counted)
    problem: str | None = None  # why there is no evidence; None when audited


@dataclass(frozen=True)
class SafetyResult:
    status: SafetyStatus
    reason: str
    vulnerabilities: int = 0


@dataclass(frozen=True)
class DepsSummary:
    files: tuple[AuditedFile, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    skipped: tuple[SkippedDependency, ...]
    safety: SafetyResult


def field_names(record: type[Any]) -> tuple[str, ...]:
    """The JSON keys of a summary record: its dataclass fields, for the writer and the reader."""
    return tuple(field.name for field in fields(record))


def is_deps_summary(document: Any) -> bool:
    """Whether a parsed JSON document claims to be the deps summary."""
    return isinstance(document, dict) and all(key in document for key in field_names(DepsSummary))


def read_deps_summary(path: Path, *, within: Path | None = None) -> DepsSummary:
    """The summary at `path`; `within` is the boundary folder (default: the file's own)."""
    return deps_summary_from_document(path, read_json(path, SUMMARY, within=within))


def deps_summary_from_document(path: Path, document: Any) -> DepsSummary:
    """The same, for a document already parsed."""
    if not is_deps_summary(document):
        raise ArtifactError(f"{path}: not a deps summary (needs {', '.join(field_names(DepsSummary))})")
    version = document.get(FORMAT_VERSION_KEY)
    if isinstance(version, bool) or version != FORMAT_VERSION:
        shown = one_line(repr(version))[:40]
        raise ArtifactError(
            f"{path}: deps summary {FORMAT_VERSION_KEY} is {shown}, expected {FORMAT_VERSION}"
        )
    exact_keys(document, (FORMAT_VERSION_KEY, *field_names(DepsSummary)), path, "the summary")
    return DepsSummary(
        files=_each(document["files"], path, "files", _audited_file),
        vulnerabilities=_each(document["vulnerabilities"], path, "vulnerabilities", _vulnerability),
        skipped=_each(document["skipped"], path, "skipped", _skipped),
        safety=_safety(path, "safety", document["safety"]),
    )


def _each(value: object, path: Path, what: str, read: Callable[[Path, str, Any], _T]) -> tuple[_T, ...]:
    items = require_list(value, path, what)
    return tuple(read(path, f"{what}[{index}]", item) for index, item in enumerate(items))


def _record(raw: object, record: type[Any], path: Path, where: str) -> dict[str, Any]:
    entry = require_dict(raw, path, where)
    exact_keys(entry, field_names(record), path, where)
    return entry


def _enum(value: object, enum: type[_E], path: Path, where: str) -> _E:
    return one_of({member.value: member for member in enum}, value, path, where)


def _audited_file(path: Path, where: str, raw: object) -> AuditedFile:
    entry = _record(raw, AuditedFile, path, where)
    status = _enum(entry["status"], FileStatus, path, f"{where}.status")
    problem = optional_str(entry["problem"], path, f"{where}.problem")
    if status is not FileStatus.AUDITED and not problem:
        raise ArtifactError(f"{path}: {where} is {status.value} but gives no problem")
    return AuditedFile(
        requirements=require_str(entry["requirements"], path, f"{where}.requirements"),
        report=require_str(entry["report"], path, f"{where}.report"),
        status=status,
        dependencies=json_int(entry["dependencies"], path, f"{where}.dependencies", COUNT),
        problem=problem,
    )


def _vulnerability(path: Path, where: str, raw: object) -> Vulnerability:
    entry = _record(raw, Vulnerability, path, where)
    return Vulnerability(
        tool=_enum(entry["tool"], Tool, path, f"{where}.tool"),
        package=require_str(entry["package"], path, f"{where}.package"),
        version=require_str(entry["version"], path, f"{where}.version"),
        id=require_str(entry["id"], path, f"{where}.id"),
        aliases=str_tuple(entry["aliases"], path, f"{where}.aliases"),
        fix_versions=str_tuple(entry["fix_versions"], path, f"{where}.fix_versions"),
        requirements=str_tuple(entry["requirements"], path, f"{where}.requirements"),
    )


def _skipped(path: Path, where: str, raw: object) -> SkippedDependency:
    entry = _record(raw, SkippedDependency, path, where)
    return SkippedDependency(
        requirements=require_str(entry["requirements"], path, f"{where}.requirements"),
        package=require_str(entry["package"], path, f"{where}.package"),
        reason=require_str(entry["reason"], path, f"{where}.reason"),
    )


def _safety(path: Path, where: str, raw: object) -> SafetyResult:
    entry = _record(raw, SafetyResult, path, where)
    return SafetyResult(
        status=_enum(entry["status"], SafetyStatus, path, f"{where}.status"),
        reason=require_str(entry["reason"], path, f"{where}.reason"),
        vulnerabilities=json_int(entry["vulnerabilities"], path, f"{where}.vulnerabilities", COUNT),
    )
