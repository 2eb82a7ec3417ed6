"""Merge pip-audit's JSON reports (one per requirements file) and safety's into `summary.json`.

Run by the `deps` check after pip-audit: `python -m cimaturity.tools.deps_summary --out FILE
--audit REQUIREMENTS=REPORT ... [--safety-report FILE | --safety-not-run REASON]`.
A report that is missing or unreadable is recorded as such (never dropped): the gate turns it
into `error`. The reports are read, and `summary.json` is read back, by `cimaturity.formats.deps`,
which owns the summary's records: this module only writes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.formats.deps import (
    FORMAT_VERSION,
    FORMAT_VERSION_KEY,
    AuditedFile,
    DepsSummary,
    FileStatus,
    SafetyResult,
    SafetyStatus,
    SkippedDependency,
    Tool,
    Vulnerability,
    read_pip_audit,
    read_safety,
)
from cimaturity.model import ArtifactError


def summary_json(summary: DepsSummary) -> str:
    """`summary.json`'s text: the records' own fields (`read_deps_summary` accepts exactly these)."""
    return json.dumps({FORMAT_VERSION_KEY: FORMAT_VERSION, **asdict(summary)}, indent=2) + "\n"


def audit_entries(
    requirements: str, report: Path
) -> tuple[AuditedFile, tuple[Vulnerability, ...], tuple[SkippedDependency, ...]]:
    """One pip-audit JSON report as summary entries; a missing or unreadable one is recorded as
    such (`missing`, `invalid` with the problem), never raised and never dropped."""
    if not report.exists() or (report.is_file() and report.stat().st_size == 0):
        problem = f"{report}: pip-audit wrote no report"
        return AuditedFile(requirements, str(report), FileStatus.MISSING, 0, problem), (), ()
    try:
        audit = read_pip_audit(report)
    except ArtifactError as exc:
        return AuditedFile(requirements, str(report), FileStatus.INVALID, 0, str(exc)), (), ()
    vulns = tuple(
        Vulnerability(
            tool=Tool.PIP_AUDIT,
            package=dependency.name,
            version=dependency.version,
            id=advisory.id,
            aliases=advisory.aliases,
            fix_versions=advisory.fix_versions,
            requirements=(requirements,),
        )
        for dependency in audit.dependencies
        for advisory in dependency.vulns
    )
    skipped = tuple(SkippedDependency(requirements, skip.name, skip.reason) for skip in audit.skipped)
    audited = AuditedFile(requirements, str(report), FileStatus.AUDITED, len(audit.dependencies))
    return audited, vulns, skipped


def safety_result(report: Path) -> SafetyResult:
    """safety's JSON report as the summary's safety entry; an unreadable one is `error`."""
    try:
        count = read_safety(report).vulnerabilities
    except ArtifactError as exc:
        return SafetyResult(SafetyStatus.ERROR, f"unusable safety report: {exc}")
    return SafetyResult(SafetyStatus.RAN, f"safety scan found {count} known vulnerabilit(ies)", count)


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
        audited, found, skips = audit_entries(requirements, report)
        files.append(audited)
        vulns.extend(found)
        skipped.extend(skips)
    return DepsSummary(tuple(files), _merge(vulns), tuple(skipped), safety)


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
        safety = safety_result(args.safety_report)
    else:
        safety = SafetyResult(SafetyStatus.NOT_RUN, str(args.safety_not_run))
    summary = summarise(audits, safety)
    write_text_atomic(args.out, summary_json(summary))
    print(
        f"deps summary: {len(summary.vulnerabilities)} vulnerabilit(ies), {len(summary.skipped)} skipped, "
        f"{sum(f.status is not FileStatus.AUDITED for f in summary.files)} report(s) missing or invalid; "
        f"safety {summary.safety.status}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
