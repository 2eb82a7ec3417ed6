"""The deps check: pip-audit against a local OSV server; vulnerable pins fail, unaudited pins error."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from cimaturity.checks.deps import DEPS, SUMMARY, report_name
from cimaturity.formats.deps import read_deps_summary
from cimaturity.model import ArtifactError, CheckResult, Status
from cimaturity.runner import execute
from cimaturity.tools.deps_summary import audit_entries
from tests.support.osv_server import osv_server
from tests.unit.checks._security_fixtures import context, new_repo, without_tool

DEAD_PROXY = "http://127.0.0.1:1"  # nothing listens: any outbound request fails locally


def _repo(tmp_path: Path, requirements: str) -> Path:
    return new_repo(tmp_path / "p", {"requirements.txt": requirements})


@dataclass(frozen=True)
class VulnerableRun:
    root: Path
    result: CheckResult
    queries: list[tuple[str, str]]


@pytest.fixture(scope="module")
def vulnerable(tmp_path_factory: pytest.TempPathFactory) -> VulnerableRun:
    """One real run on a vulnerable pin, shared by the tests that read its artifacts."""
    root = _repo(tmp_path_factory.mktemp("vulnerable"), "requests==2.19.0\nidna==3.7\n")
    with osv_server() as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    return VulnerableRun(root, result, list(server.queries))


def test_vulnerable_pin_fails_with_the_advisory(vulnerable: VulnerableRun) -> None:
    result, root, queries = vulnerable.result, vulnerable.root, vulnerable.queries
    assert result.status is Status.FAILED, result.reason
    assert "requests 2.19.0 PYSEC-2018-28" in result.reason and "2.20.0" in result.reason
    assert ("requests", "2.19.0") in queries and ("idna", "3.7") in queries
    summary = read_deps_summary(root / "reports" / "artifacts" / "deps" / SUMMARY)
    (vuln,) = summary.vulnerabilities
    assert (vuln.tool, vuln.package, vuln.version) == ("pip-audit", "requests", "2.19.0")
    assert "CVE-2018-18074" in vuln.aliases and vuln.fix_versions == ("2.20.0",)
    assert summary.safety.status == "not run" and summary.safety.reason == "SAFETY_API_KEY not set"


def test_clean_pins_pass_and_say_safety_did_not_run(tmp_path: Path) -> None:
    root = _repo(tmp_path, "requests==2.32.3\nidna==3.7\n")
    with osv_server() as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["audited_dependencies"] == 2
    assert "safety: not run (SAFETY_API_KEY not set)" in result.reason
    assert result.metrics["safety_ran"] == 0


@pytest.mark.slow  # pip-audit's HTTP session retries a 500 with back-off (~5 s)
def test_service_answering_500_is_an_error(tmp_path: Path) -> None:
    root = _repo(tmp_path, "requests==2.19.0\n")
    with osv_server(status=500) as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    assert result.status is Status.ERROR
    assert "500" in result.reason and "requirements.txt" in result.reason


def test_unreachable_default_service_is_an_error_that_says_so(tmp_path: Path) -> None:
    # No osv_url: pip-audit asks the public OSV, here through a dead local proxy (no network used).
    root = _repo(tmp_path, "requests==2.19.0\n")
    env = {"HTTPS_PROXY": DEAD_PROXY, "https_proxy": DEAD_PROXY, "NO_PROXY": "", "no_proxy": ""}
    result = execute(DEPS, context(root, DEPS, env))
    assert result.status is Status.ERROR
    assert "vulnerability service unreachable" in result.reason
    assert "api.osv.dev" in result.reason and "CIMATURITY_OSV_URL" in result.reason


def test_dependency_pip_audit_skips_is_an_error(tmp_path: Path) -> None:
    # pip-audit cannot pin a URL requirement: it skips it, says "No known vulnerabilities", exits 0.
    root = _repo(tmp_path, "idna==3.7\nfoo @ https://example.invalid/foo-1.0.tar.gz\n")
    with osv_server() as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    assert result.status is Status.ERROR
    assert "1 dependenc(ies) could not be audited" in result.reason and "foo" in result.reason
    assert result.metrics["skipped_dependencies"] == 1


def test_pip_audit_missing_from_path_is_an_error(tmp_path: Path) -> None:
    root = _repo(tmp_path, "idna==3.7\n")
    ctx = without_tool(context(root, DEPS), "pip-audit", tmp_path / "bin")
    result = execute(DEPS, ctx)
    assert result.status is Status.ERROR
    assert "pip-audit" in result.reason and "not found" in result.reason


def test_no_requirements_file_is_skipped(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"README": "x\n"})
    result = execute(DEPS, context(root, DEPS))
    assert result.status is Status.SKIPPED and "requirements" in result.reason


def test_truncated_summary_raises_artifact_error(vulnerable: VulnerableRun, tmp_path: Path) -> None:
    path = tmp_path / SUMMARY
    text = (vulnerable.root / "reports" / "artifacts" / "deps" / SUMMARY).read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ArtifactError, match=r"summary\.json"):
        read_deps_summary(path)


def test_truncated_pip_audit_report_is_recorded_as_invalid(vulnerable: VulnerableRun, tmp_path: Path) -> None:
    original = vulnerable.root / "reports" / "artifacts" / "deps" / report_name("requirements.txt")
    assert json.loads(original.read_text())["dependencies"][0]["name"] == "requests"
    report = tmp_path / "truncated.json"
    report.write_text(original.read_text()[:25])
    audited, vulns, skipped = audit_entries("requirements.txt", report)
    assert audited.status == "invalid" and str(report) in str(audited.problem)
    assert vulns == () and skipped == ()


def test_unpinned_pyproject_dependencies_are_an_error_not_a_skip(tmp_path: Path) -> None:
    """Dependencies with nothing pinning them cannot be audited: that is no evidence, not N/A."""
    pyproject = '[project]\nname = "demo"\ndependencies = ["requests>=2", "click"]\n'
    root = new_repo(tmp_path / "p", {"README": "x\n"}, pyproject=pyproject)
    result = execute(DEPS, context(root, DEPS))
    assert result.status is Status.ERROR
    assert result.reason.startswith("cannot audit: 2 dependenc(ies) in pyproject.toml [project].dependencies")


def test_a_poetry_lock_is_exported_and_audited_without_touching_it(tmp_path: Path) -> None:
    """No requirements file, but a lockfile pins everything: its pins are what gets audited."""
    lock = (
        'version = "2.0"\n'
        '[[package]]\nname = "idna"\nversion = "3.7"\ngroups = ["main"]\n'
        '[[package]]\nname = "requests"\nversion = "2.32.3"\ngroups = ["main"]\n'
        '[[package]]\nname = "pytest"\nversion = "8.3.3"\ngroups = ["docs-only"]\n'
    )
    pyproject = '[project]\nname = "demo"\ndependencies = ["requests>=2"]\n'
    root = new_repo(tmp_path / "p", {"poetry.lock": lock}, pyproject=pyproject)
    with osv_server() as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["audited_dependencies"] == 2  # the docs-only group is not installed
    assert (root / "poetry.lock").read_text() == lock
    exported = (root / "reports" / "artifacts" / "deps" / "locked-requirements.txt").read_text()
    assert exported.splitlines() == ["idna==3.7", "requests==2.32.3"]


def test_a_requirements_file_with_nothing_to_audit_is_an_error(tmp_path: Path) -> None:
    """Only a comment: pip-audit says "no known vulnerabilities" about zero dependencies."""
    root = _repo(tmp_path, "# pinned later\n")
    with osv_server() as server:
        result = execute(DEPS, context(root, DEPS, {"CIMATURITY_OSV_URL": server.url}))
    assert result.status is Status.ERROR
    assert result.reason.startswith("no dependency to audit in requirements.txt: nothing was checked")
