"""Loaders: a reports folder -> `Evidence` (tidy pandas frames), one module per artifact kind.

`load_evidence` reads `run.json`, then each check's listed artifacts, dispatched by *content*
(never by check name): SARIF -> findings, JUnit XML -> tests, coverage JSON -> coverage,
pip-audit JSON or the deps summary -> vulnerabilities and skipped dependencies, pip-licenses
or CycloneDX JSON -> licenses, Locust stats CSV -> performance. A Cobertura XML is skipped
(coverage JSON carries the same numbers). An artifact of no known kind is ignored; one that
claims a known kind (by extension or content) and cannot be read becomes an `ArtifactProblem`
naming the file, and the other artifacts still load.

Every file is read through `cimaturity.artifacts` with the reports folder as the boundary: only
regular files inside it (a symlink leading outside, a FIFO or a device is a problem, never read),
size-capped per format, numbers range-checked where they are used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.artifacts import CSV_MAX_BYTES
from cimaturity.model import ArtifactError
from cimaturity.report import evidence as ev
from cimaturity.report.evidence import Evidence
from cimaturity.report.loaders import common as c
from cimaturity.report.loaders.coverage import coverage_from_document, is_coverage_json
from cimaturity.report.loaders.deps import deps_from_document, is_deps_summary
from cimaturity.report.loaders.junit import ROOTS as JUNIT_ROOTS
from cimaturity.report.loaders.junit import TestColumns, junit_columns, parse_xml, tests_frame
from cimaturity.report.loaders.licenses import (
    cyclonedx_from_document,
    is_cyclonedx,
    is_pip_licenses,
    pip_licenses_from_document,
)
from cimaturity.report.loaders.locust import is_locust_stats, locust_from_bytes
from cimaturity.report.loaders.pip_audit import audit_from_document, is_pip_audit
from cimaturity.report.loaders.runjson import CheckEntry, RunFile, load_run
from cimaturity.report.loaders.sarif import (
    Finding,
    SarifData,
    findings_frame,
    is_sarif,
    sarif_from_document,
)
from cimaturity.report.loaders.suppressions import source_comments

__all__ = ["RUN_FILE", "load_evidence"]

RUN_FILE = "run.json"
BASELINE_METRICS = ("baseline_entries", "baselined", "baseline")  # run.json metric names, first wins


@dataclass
class _Collected:
    """Frames gathered artifact by artifact; concatenated once at the end (no per-row appends)."""

    tests: list[tuple[str, TestColumns]] = field(default_factory=list)
    findings: list[tuple[str, list[Finding]]] = field(default_factory=list)
    coverage: list[pd.DataFrame] = field(default_factory=list)
    coverage_percent: float | None = None
    vulnerabilities: list[pd.DataFrame] = field(default_factory=list)
    skipped: list[pd.DataFrame] = field(default_factory=list)
    licenses: list[pd.DataFrame] = field(default_factory=list)
    performance: list[pd.DataFrame] = field(default_factory=list)
    baseline_entries: int | None = None
    junit_files: int = 0
    sarif_files: int = 0
    problems: list[ev.ArtifactProblem] = field(default_factory=list)


def load_evidence(reports_dir: Path, project_root: Path | None = None) -> Evidence:
    """Everything a run left in `reports_dir` as an `Evidence`.

    Raises ArtifactError when `run.json` itself is missing or invalid: nothing to go on.
    """
    run = load_run(reports_dir / RUN_FILE, within=reports_dir)
    project_root = project_root.resolve() if project_root is not None else None
    # file paths in findings are made relative to where the tools ran
    tools_root = project_root or Path(run.info.project)
    got = _Collected()
    for check in run.checks:
        for relative in check.artifacts:
            path = reports_dir / relative
            try:
                _load_artifact(path, reports_dir, check, got, tools_root)
            except ArtifactError as exc:
                got.problems.append(ev.ArtifactProblem(check.name, relative, str(exc)))
    return _evidence(run, got, project_root)


def _load_artifact(path: Path, within: Path, check: CheckEntry, got: _Collected, project_root: Path) -> None:
    suffix = path.suffix.lower()
    if suffix == ".sarif":
        document = c.read_json(path, "SARIF", within=within)
        _add_sarif(got, sarif_from_document(path, document, check.name, project_root))
    elif suffix == ".xml":
        _load_xml(path, within, check, got)
    elif suffix == ".json":
        _load_json(path, within, check, got, project_root)
    elif suffix == ".csv":
        _load_csv(path, within, got)
    # any other kind (HTML reports, logs, ...) is not evidence we read: ignored


def _load_xml(path: Path, within: Path, check: CheckEntry, got: _Collected) -> None:
    root = parse_xml(path, "XML", within=within)  # parsed once, then read as whatever its root says
    tag = root.tag.rsplit("}", 1)[-1] if isinstance(root.tag, str) else ""
    if tag in JUNIT_ROOTS:
        got.tests.append((check.name, junit_columns(path, root)))
        got.junit_files += 1
    # "coverage" (Cobertura): coverage.json carries the same numbers; anything else: not ours


def _load_json(path: Path, within: Path, check: CheckEntry, got: _Collected, project_root: Path) -> None:
    document = c.read_json(path, "JSON", within=within)
    handlers: tuple[tuple[Callable[[Any], bool], Callable[[], None]], ...] = (
        (is_sarif, lambda: _add_sarif(got, sarif_from_document(path, document, check.name, project_root))),
        (is_coverage_json, lambda: _add_coverage(got, path, document)),
        (is_deps_summary, lambda: _add_deps(got, path, document, check)),
        # before pip-audit: a CycloneDX BOM has a "dependencies" list too
        (is_cyclonedx, lambda: got.licenses.append(cyclonedx_from_document(path, document).licenses)),
        (is_pip_audit, lambda: _add_audit(got, path, document)),
        (is_pip_licenses, lambda: got.licenses.append(pip_licenses_from_document(path, document))),
    )
    for matches, handle in handlers:
        if matches(document):
            handle()
            return
    # a JSON of no known kind (e.g. a tool's own metadata): not evidence we read


def _load_csv(path: Path, within: Path, got: _Collected) -> None:
    data = c.read_bytes(path, "CSV", within=within, max_bytes=CSV_MAX_BYTES)  # read once
    header = data.split(b"\n", 1)[0].decode("utf-8-sig", "replace")
    if is_locust_stats([cell.strip().strip('"') for cell in header.split(",")]):
        got.performance.append(locust_from_bytes(path, data))
    # other Locust CSVs (_failures, _exceptions, _stats_history) are not read


def _add_sarif(got: _Collected, data: SarifData) -> None:
    got.findings.append((data.check, data.records))
    got.sarif_files += 1
    if data.baseline_entries is not None:
        got.baseline_entries = (got.baseline_entries or 0) + data.baseline_entries


def _add_coverage(got: _Collected, path: Path, document: Any) -> None:
    data = coverage_from_document(path, document)
    got.coverage.append(data.files)
    # two coverage reports in one run: keep the lower total (a score is never above the evidence)
    previous = got.coverage_percent
    got.coverage_percent = data.percent if previous is None else min(previous, data.percent)


def _add_deps(got: _Collected, path: Path, document: Any, check: CheckEntry) -> None:
    data = deps_from_document(path, document)
    got.vulnerabilities.append(data.vulnerabilities)
    got.skipped.append(data.skipped)
    for unaudited in data.unaudited:
        got.problems.append(ev.ArtifactProblem(check.name, unaudited.report, unaudited.problem))


def _add_audit(got: _Collected, path: Path, document: Any) -> None:
    data = audit_from_document(path, document)
    got.vulnerabilities.append(data.vulnerabilities)
    got.skipped.append(data.skipped)


def _evidence(run: RunFile, got: _Collected, project_root: Path | None) -> Evidence:
    tests = tests_frame(got.tests)
    findings = findings_frame(got.findings)
    counts: dict[str, int] = {}
    if project_root is not None:
        counts.update(source_comments(project_root))
    baseline = got.baseline_entries if got.baseline_entries is not None else _baseline_metric(run)
    if baseline is not None:
        counts["baseline"] = baseline
    if got.junit_files:
        counts["skipped-test"] = int((tests["status"] == "skipped").sum())
    if got.sarif_files:
        counts["suppressed-finding"] = int(findings["suppressed"].sum())
    return Evidence(
        run=run.info,
        checks=run.frame(),
        tests=tests,
        findings=findings,
        coverage=c.concat(ev.COVERAGE_COLUMNS, got.coverage),
        coverage_percent=got.coverage_percent,
        vulnerabilities=c.concat(ev.VULNERABILITY_COLUMNS, got.vulnerabilities),
        skipped_dependencies=c.concat(ev.SKIPPED_DEPENDENCY_COLUMNS, got.skipped),
        licenses=c.concat(ev.LICENSE_COLUMNS, got.licenses),
        performance=c.concat(ev.PERFORMANCE_COLUMNS, got.performance),
        suppressions=c.frame(
            ev.SUPPRESSION_COLUMNS, {"kind": list(counts), "count": [counts[k] for k in counts]}
        ),
        problems=tuple(got.problems),
        metrics=run.metrics_frame(),
    )


def _baseline_metric(run: RunFile) -> int | None:
    for check in run.checks:
        for name in BASELINE_METRICS:
            value = check.metrics.get(name)
            if value is not None and math.isfinite(value) and value >= 0:
                return int(value)
    return None
