"""Every artifact format the report reads, registered in one place, in the order they are asked.

The first loader that accepts an artifact reads it; an artifact no loader accepts (an HTML
report, a log, a Cobertura XML whose numbers coverage JSON also carries) is not evidence and is
ignored. Adding a format is one loader class and one line in `LOADERS`.
"""

from __future__ import annotations

from cimaturity.formats.junit import ROOTS, read_junit
from cimaturity.formats.sarif import is_sarif, read_sarif, sarif_from_document
from cimaturity.report import evidence as ev
from cimaturity.report.loaders.base import Artifact, Collected, Loader
from cimaturity.report.loaders.coverage import coverage_from_document, is_coverage_json
from cimaturity.report.loaders.deps import deps_from_document, is_deps_summary
from cimaturity.report.loaders.licenses import (
    cyclonedx_from_document,
    is_cyclonedx,
    is_pip_licenses,
    pip_licenses_from_document,
)
from cimaturity.report.loaders.locust import is_locust_stats, locust_from_bytes
from cimaturity.report.loaders.pip_audit import audit_from_document, is_pip_audit


class SarifLoader:
    name = "SARIF"

    def accepts(self, artifact: Artifact) -> bool:
        # a `.sarif` must be SARIF (an unusable one is a problem); a `.json` may be one
        return artifact.suffix == ".sarif" or (artifact.suffix == ".json" and is_sarif(artifact.json()))

    def load(self, artifact: Artifact, into: Collected) -> None:
        if artifact.suffix == ".sarif":
            log = read_sarif(artifact.path, within=artifact.within, root=artifact.tools_root)
        else:
            log = sarif_from_document(artifact.path, artifact.json(), root=artifact.tools_root)
        into.findings.append((artifact.check, log))
        entries = [run.baseline_entries for run in log.runs if run.baseline_entries is not None]
        if entries:
            into.baseline_entries = (into.baseline_entries or 0) + sum(entries)


class JUnitLoader:
    name = "JUnit XML"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".xml" and artifact.root_tag() in ROOTS

    def load(self, artifact: Artifact, into: Collected) -> None:
        into.tests.append((artifact.check, read_junit(artifact.path, within=artifact.within)))


class CoverageLoader:
    name = "coverage JSON"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".json" and is_coverage_json(artifact.json())

    def load(self, artifact: Artifact, into: Collected) -> None:
        data = coverage_from_document(artifact.path, artifact.json())
        into.coverage.append(data.files)
        # two coverage reports in one run: keep the lower total (a score is never above the evidence)
        previous = into.coverage_percent
        into.coverage_percent = data.percent if previous is None else min(previous, data.percent)


class DepsSummaryLoader:
    name = "dependency audit summary"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".json" and is_deps_summary(artifact.json())

    def load(self, artifact: Artifact, into: Collected) -> None:
        data = deps_from_document(artifact.path, artifact.json())
        into.vulnerabilities.append(data.vulnerabilities)
        into.skipped.append(data.skipped)
        for unaudited in data.unaudited:
            into.problems.append(ev.ArtifactProblem(artifact.check, unaudited.report, unaudited.problem))


class CycloneDxLoader:
    name = "CycloneDX SBOM"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".json" and is_cyclonedx(artifact.json())

    def load(self, artifact: Artifact, into: Collected) -> None:
        into.licenses.append(cyclonedx_from_document(artifact.path, artifact.json()).licenses)


class PipAuditLoader:
    name = "pip-audit JSON"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".json" and is_pip_audit(artifact.json())

    def load(self, artifact: Artifact, into: Collected) -> None:
        data = audit_from_document(artifact.path, artifact.json())
        into.vulnerabilities.append(data.vulnerabilities)
        into.skipped.append(data.skipped)


class PipLicensesLoader:
    name = "pip-licenses JSON"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.suffix == ".json" and is_pip_licenses(artifact.json())

    def load(self, artifact: Artifact, into: Collected) -> None:
        into.licenses.append(pip_licenses_from_document(artifact.path, artifact.json()))


class LocustStatsLoader:
    name = "Locust stats CSV"

    def accepts(self, artifact: Artifact) -> bool:
        # Locust's other CSVs (_failures, _exceptions, _stats_history) are not read
        return artifact.suffix == ".csv" and is_locust_stats(artifact.csv_header())

    def load(self, artifact: Artifact, into: Collected) -> None:
        into.performance.append(locust_from_bytes(artifact.path, artifact.csv_bytes()))


LOADERS: tuple[Loader, ...] = (
    SarifLoader(),
    JUnitLoader(),
    CoverageLoader(),
    DepsSummaryLoader(),
    CycloneDxLoader(),  # before pip-audit: a CycloneDX BOM has a "dependencies" list too
    PipAuditLoader(),
    PipLicensesLoader(),
    LocustStatsLoader(),
)
