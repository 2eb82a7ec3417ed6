"""Loaders: a reports folder -> `Evidence` (tidy pandas frames), one module per artifact kind.

`load_evidence` reads `run.json`, then each check's listed artifacts, each handed to the first
loader of `registry.LOADERS` that accepts it by *content* (never by check name): SARIF ->
findings, JUnit XML -> tests, coverage JSON -> coverage, pip-audit JSON or the deps summary ->
vulnerabilities and skipped dependencies, pip-licenses or CycloneDX JSON -> licenses, Locust
stats CSV -> performance. An artifact no loader accepts is ignored; one that claims a known
kind (by extension or content) and cannot be read becomes an `ArtifactProblem` naming the
file, and the other artifacts still load. The formats themselves are read by
`cimaturity.formats`, the same readers the checks' gates use.

Every file is read through `cimaturity.artifacts` with the reports folder as the boundary: only
regular files inside it (a symlink leading outside, a FIFO or a device is a problem, never read),
size-capped per format, numbers range-checked where they are used.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator
from pathlib import Path

from cimaturity.formats.runjson import RunFile, read_run
from cimaturity.model import ArtifactError
from cimaturity.report import evidence as ev
from cimaturity.report.evidence import Evidence
from cimaturity.report.loaders import common as c
from cimaturity.report.loaders.base import Artifact, Collected
from cimaturity.report.loaders.junit import tests_frame
from cimaturity.report.loaders.registry import LOADERS
from cimaturity.report.loaders.runjson import checks_frame, metrics_frame
from cimaturity.report.loaders.sarif import findings_frame
from cimaturity.report.loaders.scorecard import load_scorecard
from cimaturity.report.loaders.suppressions import source_comments

__all__ = ["RUN_FILE", "load_evidence"]

RUN_FILE = "run.json"
BASELINE_METRICS = ("baseline_entries", "baselined", "baseline")  # run.json metric names, first wins


def load_evidence(reports_dir: Path, project_root: Path | None = None) -> Evidence:
    """Everything a run left in `reports_dir` (the run's folder) as an `Evidence`.

    Raises ArtifactError when `run.json` itself is missing or invalid: nothing to go on.
    """
    with _cycle_collector_paused():
        return _load(reports_dir, project_root)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Loading builds millions of small objects (parsed JSON, rows) and no reference cycle: the
    cycle collector would walk them all again and again (a third of the loading time on 50,000
    findings) to free nothing. Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(reports_dir: Path, project_root: Path | None) -> Evidence:
    run = read_run(reports_dir / RUN_FILE, within=reports_dir)
    project_root = project_root.resolve() if project_root is not None else None
    # file paths in findings are made relative to where the tools ran
    tools_root = project_root or Path(run.info.project)
    got = Collected()
    for check in run.checks:
        for relative in check.artifacts:
            artifact = Artifact(reports_dir / relative, relative, reports_dir, check.name, tools_root)
            try:
                loader = next((loader for loader in LOADERS if loader.accepts(artifact)), None)
                if loader is not None:
                    loader.load(artifact, got)
            except ArtifactError as exc:
                got.problems.append(ev.ArtifactProblem(check.name, relative, str(exc)))
    load_scorecard(reports_dir, got, tools_root)  # extra evidence from GitHub Actions, when present
    return _evidence(run, got, project_root)


def _evidence(run: RunFile, got: Collected, project_root: Path | None) -> Evidence:
    tests, junit_files = tests_frame(got.tests), len(got.tests)
    got.tests.clear()  # the frame holds the strings now: the readers' columns can go
    findings = findings_frame(got.findings)
    counts: dict[str, int] = {}
    if project_root is not None:
        counts.update(source_comments(project_root))
    baseline = got.baseline_entries if got.baseline_entries is not None else _baseline_metric(run)
    if baseline is not None:
        counts["baseline"] = baseline
    if junit_files:
        counts["skipped-test"] = int((tests["status"] == "skipped").sum())
    if got.findings:
        counts["suppressed-finding"] = int(findings["suppressed"].sum())
    return Evidence(
        run=run.info,
        checks=checks_frame(run),
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
        metrics=metrics_frame(run),
    )


def _baseline_metric(run: RunFile) -> int | None:
    for check in run.checks:
        for name in BASELINE_METRICS:
            value = check.metrics.get(name)
            if value is not None and math.isfinite(value) and value >= 0:
                return int(value)
    return None
