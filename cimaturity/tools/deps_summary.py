"""Merge pip-audit's JSON reports (one per requirements file) and safety's into `summary.json`.

Run by the `deps` check after pip-audit: `python -m cimaturity.tools.deps_summary --out FILE
--audit REQUIREMENTS=REPORT ... [--safety-report FILE | --safety-not-run REASON]`.
A report that is missing or unreadable is recorded as such (never dropped): the gate turns it
into `error`. The same module reads `summary.json` back into typed records for the gate.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from cimaturity.artifacts import read_json
from cimaturity.atomic import write_text_atomic
from cimaturity.model import ArtifactError

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Vulnerability:
    tool: str  # pip-audit | safety
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
    """One requirements file: `audited` (report read), `missing` or `invalid` (no evidence)."""

    requirements: str
    report: str
    status: str
    dependencies: int
    problem: str | None = None


@dataclass(frozen=True)
class SafetyResult:
    status: str  # "ran", "not run", "error"
    reason: str
    vulnerabilities: int = 0


@dataclass(frozen=True)
class DepsSummary:
    files: tuple[AuditedFile, ...]
    vulnerabilities: tuple[Vulnerability, ...]
    skipped: tuple[SkippedDependency, ...]
    safety: SafetyResult

    def to_json(self) -> str:
        document = {
            "format_version": FORMAT_VERSION,
            "files": [asdict(item) for item in self.files],
            "vulnerabilities": [asdict(item) for item in self.vulnerabilities],
            "skipped": [asdict(item) for item in self.skipped],
            "safety": asdict(self.safety),
        }
        return json.dumps(document, indent=2) + "\n"


def read_pip_audit(
    requirements: str, report: Path
) -> tuple[AuditedFile, list[Vulnerability], list[SkippedDependency]]:
    """One pip-audit JSON report; a missing or malformed one becomes a problem, not an exception."""
    if not report.is_file() or report.stat().st_size == 0:
        problem = f"{report}: pip-audit wrote no report"
        return AuditedFile(requirements, str(report), "missing", 0, problem), [], []
    try:
        document = read_json(report, "pip-audit JSON")
        dependencies = document["dependencies"]
        if not isinstance(dependencies, list):
            raise TypeError("'dependencies' is not a list")
        vulns: list[Vulnerability] = []
        skipped: list[SkippedDependency] = []
        for dep in dependencies:
            name = str(dep["name"])
            if "skip_reason" in dep:
                skipped.append(SkippedDependency(requirements, name, str(dep["skip_reason"])))
                continue
            for vuln in dep.get("vulns") or []:
                vulns.append(
                    Vulnerability(
                        tool="pip-audit",
                        package=name,
                        version=str(dep["version"]),
                        id=str(vuln["id"]),
                        aliases=tuple(str(a) for a in vuln.get("aliases") or ()),
                        fix_versions=tuple(str(v) for v in vuln.get("fix_versions") or ()),
                        requirements=(requirements,),
                    )
                )
    except ArtifactError as exc:
        return AuditedFile(requirements, str(report), "invalid", 0, str(exc)), [], []
    except (KeyError, TypeError, AttributeError) as exc:
        problem = f"{report}: not a pip-audit JSON report (missing or bad {exc})"
        return AuditedFile(requirements, str(report), "invalid", 0, problem), [], []
    return AuditedFile(requirements, str(report), "audited", len(dependencies)), vulns, skipped


def read_safety(report: Path) -> SafetyResult:
    """safety 3.x `scan --save-as json`: count its known vulnerabilities (format not verified offline)."""
    try:
        document = read_json(report, "safety JSON")
    except ArtifactError as exc:
        return SafetyResult("error", f"unreadable safety report: {exc}")
    if not isinstance(document, dict) or "scan_results" not in document:
        return SafetyResult("error", f"{report}: safety report format not recognised (no 'scan_results')")
    count = sum(len(found) for found in _known_vulnerabilities(document))
    return SafetyResult("ran", f"safety scan found {count} known vulnerabilit(ies)", count)


def _known_vulnerabilities(node: Any) -> Iterator[list[Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "known_vulnerabilities" and isinstance(value, list):
                yield value
            else:
                yield from _known_vulnerabilities(value)
    elif isinstance(node, list):
        for item in node:
            yield from _known_vulnerabilities(item)


def _merge(vulns: list[Vulnerability]) -> tuple[Vulnerability, ...]:
    """One row per (tool, package, version, id); a pin shared by several files lists them all."""
    merged: dict[tuple[str, str, str, str], Vulnerability] = {}
    for vuln in vulns:
        key = (vuln.tool, vuln.package.lower(), vuln.version, vuln.id)
        seen = merged.get(key)
        if seen is None:
            merged[key] = vuln
        elif vuln.requirements[0] not in seen.requirements:
            merged[key] = replace(seen, requirements=(*seen.requirements, *vuln.requirements))
    return tuple(merged.values())


def summarise(audits: Sequence[tuple[str, Path]], safety: SafetyResult) -> DepsSummary:
    files: list[AuditedFile] = []
    vulns: list[Vulnerability] = []
    skipped: list[SkippedDependency] = []
    for requirements, report in audits:
        audited, found, skips = read_pip_audit(requirements, report)
        files.append(audited)
        vulns.extend(found)
        skipped.extend(skips)
    return DepsSummary(tuple(files), _merge(vulns), tuple(skipped), safety)


def load_summary(path: Path) -> DepsSummary:
    """Read `summary.json` back; ArtifactError naming the file when it is not a complete summary."""
    document = read_json(path, "deps summary")
    if not isinstance(document, dict) or document.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(f"{path}: not a deps summary (format_version {FORMAT_VERSION} expected)")
    try:
        return DepsSummary(
            files=tuple(AuditedFile(**item) for item in document["files"]),
            vulnerabilities=tuple(
                Vulnerability(
                    **{
                        **item,
                        "aliases": tuple(item["aliases"]),
                        "fix_versions": tuple(item["fix_versions"]),
                        "requirements": tuple(item["requirements"]),
                    }
                )
                for item in document["vulnerabilities"]
            ),
            skipped=tuple(SkippedDependency(**item) for item in document["skipped"]),
            safety=SafetyResult(**document["safety"]),
        )
    except (KeyError, TypeError) as exc:
        raise ArtifactError(f"{path}: malformed deps summary ({exc})") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.deps_summary", description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--audit", action="append", default=[], metavar="REQUIREMENTS=REPORT")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--safety-report", type=Path)
    group.add_argument("--safety-not-run", metavar="REASON")
    args = parser.parse_args(argv)
    audits: list[tuple[str, Path]] = []
    for item in args.audit:
        requirements, sep, report = str(item).partition("=")
        if not sep:
            parser.error(f"--audit expects REQUIREMENTS=REPORT, got {item!r}")
        audits.append((requirements, Path(report)))
    if args.safety_report is not None:
        safety = read_safety(args.safety_report)
    else:
        safety = SafetyResult("not run", str(args.safety_not_run))
    summary = summarise(audits, safety)
    write_text_atomic(args.out, summary.to_json())
    print(
        f"deps summary: {len(summary.vulnerabilities)} vulnerabilit(ies), {len(summary.skipped)} skipped, "
        f"{sum(f.status != 'audited' for f in summary.files)} report(s) missing or invalid; "
        f"safety {summary.safety.status}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
