"""formats.deps: pip-audit (a real run against a local OSV server), safety, and the deps summary
written by the tool and read back; and every way each can be wrong."""

from __future__ import annotations

import copy
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from cimaturity.formats.deps import (
    FORMAT_VERSION_KEY,
    Advisory,
    AuditedDependency,
    AuditedFile,
    DepsSummary,
    FileStatus,
    SafetyStatus,
    SkippedAudit,
    Tool,
    deps_summary_from_document,
    field_names,
    is_deps_summary,
    is_pip_audit,
    read_deps_summary,
    read_pip_audit,
    read_safety,
)
from cimaturity.model import ArtifactError
from cimaturity.report.loaders.deps import load_deps_summary
from cimaturity.tools import deps_summary
from cimaturity.tools.deps_summary import audit_entries, safety_result, summary_json
from tests.support.osv_server import osv_server
from tests.unit.formats._support import BIN, refused, run_tool

DATA = Path(__file__).parents[1] / "report" / "data"
COUNT = "expected a count from 0 to 9007199254740991"


def write(tmp_path: Path, value: object, name: str = "doc.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


# --- pip-audit ----------------------------------------------------------------------------------


def test_real_pip_audit_report_against_a_local_osv(tmp_path: Path) -> None:
    (tmp_path / "req.txt").write_text(
        "requests==2.19.0\nidna==3.7\nfoo @ https://example.invalid/foo-1.0.tar.gz\n"
    )
    with osv_server() as server:
        argv = [str(BIN / "pip-audit"), "--no-deps", "--disable-pip", "--progress-spinner", "off"]
        argv += ["-r", "req.txt", "-s", "osv", "--osv-url", server.url, "-f", "json", "-o", "audit.json"]
        run_tool(argv, tmp_path, ok=(0, 1))

    report = read_pip_audit(tmp_path / "audit.json")

    requests, idna = sorted(report.dependencies, key=lambda d: d.name, reverse=True)
    assert (requests.name, requests.version, idna.name, idna.vulns) == ("requests", "2.19.0", "idna", ())
    (advisory,) = requests.vulns
    assert "CVE-2018-18074" in (advisory.id, *advisory.aliases) and advisory.fix_versions == ("2.20.0",)
    assert [skip.name for skip in report.skipped] == ["foo"]


def test_captured_pip_audit_reports() -> None:
    osv = read_pip_audit(DATA / "pip-audit-osv.json")
    assert osv.dependencies[0] == AuditedDependency(
        "requests", "2.19.0", (Advisory("CVE-2018-18074", ("GHSA-x84v-xcm2-53pg",), ("2.20.0",)),)
    )
    assert len(osv.dependencies) == 3 and osv.skipped == (
        SkippedAudit("foo", "URL requirements cannot be pinned to a specific package version"),
    )
    offline = read_pip_audit(DATA / "pip-audit-offline.json")
    assert offline.dependencies == () and len(offline.skipped) == 4  # all skipped: never "clean"


def dependency(**fields: object) -> dict[str, Any]:
    return {"dependencies": [{"name": "requests", "version": "2.19.0", "vulns": [], **fields}], "fixes": []}


def vuln(**fields: object) -> dict[str, Any]:
    return dependency(vulns=[{"id": "PYSEC-1", "fix_versions": ["2.20.0"], "aliases": [], **fields}])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ((DATA / "pip-audit-osv.json").read_text()[:70], "pip-audit JSON file is not valid JSON"),
        ((DATA / "pip-licenses.json").read_text(), "not a pip-audit JSON report \\(no 'dependencies'\\)"),
        ({"dependencies": {}}, "dependencies is an object, expected a list"),
        ({"dependencies": ["requests"]}, "dependencies\\[0\\] is a string, expected an object"),
        (dependency(name=None), "dependencies\\[0\\].name is null, expected a string"),
        (dependency(name=1), "dependencies\\[0\\].name is a number, expected a string"),
        (dependency(version=2.19), "dependencies\\[0\\].version is a number, expected a string"),
        (dependency(vulns=None), "dependencies\\[0\\].vulns is null, expected a list"),
        ({"dependencies": [{"name": "x", "version": "1"}]}, "dependencies\\[0\\].vulns is null"),
        ({"dependencies": [{"name": "x", "skip_reason": None}]}, "dependencies\\[0\\].skip_reason is null"),
        (vuln(id=None), "dependencies\\[0\\].vulns\\[0\\].id is null, expected a string"),
        (vuln(aliases="CVE-1"), "vulns\\[0\\].aliases is a string, expected a list"),
        (vuln(fix_versions=[2.2]), "vulns\\[0\\].fix_versions\\[0\\] is a number, expected a string"),
        (dependency(vulns=[[]]), "dependencies\\[0\\].vulns\\[0\\] is a list, expected an object"),
    ],
)
def test_a_damaged_or_foreign_pip_audit_report_is_refused(
    tmp_path: Path, value: object, message: str
) -> None:
    refused(read_pip_audit, write(tmp_path, value, "audit.json"), message)


def test_is_pip_audit_claims_by_its_key() -> None:
    assert is_pip_audit(dependency()) and not is_pip_audit([]) and not is_pip_audit({"files": []})


# --- safety -------------------------------------------------------------------------------------

SAFETY = {
    "meta": {"scan_type": "scan"},
    "scan_results": {
        "projects": [
            {
                "files": [
                    {
                        "results": {
                            "dependencies": [
                                {"name": "requests", "specifications": [{"vulnerabilities": {
                                    "known_vulnerabilities": [{"id": "1"}, {"id": "2"}]}}]},
                                {"name": "idna", "specifications": [{"vulnerabilities": {
                                    "known_vulnerabilities": []}}]},
                            ]
                        }
                    }
                ]
            }
        ]
    },
}  # fmt: skip


def test_safety_counts_every_known_vulnerability(tmp_path: Path) -> None:
    assert read_safety(write(tmp_path, SAFETY, "safety.json")).vulnerabilities == 2
    assert read_safety(write(tmp_path, {"scan_results": {}}, "empty.json")).vulnerabilities == 0


def test_safety_known_vulnerabilities_that_is_not_a_list_is_refused(tmp_path: Path) -> None:
    raw: Any = copy.deepcopy(SAFETY)
    raw["scan_results"]["projects"][0]["files"][0]["results"]["dependencies"][1]["specifications"][0][
        "vulnerabilities"
    ]["known_vulnerabilities"] = {"id": "3"}
    refused(
        read_safety,
        write(tmp_path, raw, "safety.json"),
        "scan_results.projects\\[0\\].files\\[0\\].results.dependencies\\[1\\].specifications\\[0\\]"
        ".vulnerabilities.known_vulnerabilities is an object, expected a list",
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('{"scan_results": ', "safety JSON file is not valid JSON"),
        ({"vulnerabilities": []}, "not a safety JSON report \\(no 'scan_results'\\)"),
        ([SAFETY], "not a safety JSON report"),
    ],
)
def test_a_damaged_or_foreign_safety_report_is_refused(tmp_path: Path, value: object, message: str) -> None:
    refused(read_safety, write(tmp_path, value, "safety.json"), message)


def test_deep_nesting_is_walked_without_recursion(tmp_path: Path) -> None:
    deep = '{"scan_results": ' + '{"a": ' * 900 + '{"known_vulnerabilities": [1]}' + "}" * 900 + "}"
    assert read_safety(write(tmp_path, deep, "safety.json")).vulnerabilities == 1


def test_the_tool_records_an_unusable_safety_report_as_an_error(tmp_path: Path) -> None:
    result = safety_result(write(tmp_path, {"nothing": 1}, "safety.json"))
    assert result.status is SafetyStatus.ERROR and "no 'scan_results'" in result.reason
    ran = safety_result(write(tmp_path, SAFETY, "ok.json"))
    assert (ran.status, ran.vulnerabilities) == (SafetyStatus.RAN, 2)


# --- the summary: written by the tool, read back ------------------------------------------------


@pytest.fixture
def summary_path(tmp_path: Path) -> Path:
    out = tmp_path / "summary.json"
    deps_summary.main(
        [
            "--out",
            str(out),
            "--audit",
            f"requirements.txt={DATA / 'pip-audit-osv.json'}",
            "--audit",
            f"requirements-dev.txt={DATA / 'pip-audit-osv.json'}",
            "--audit",
            f"requirements-ci.txt={tmp_path / 'never-written.json'}",
            "--safety-not-run",
            "SAFETY_API_KEY not set",
        ]
    )
    return out


def test_what_the_tool_writes_reads_back_equal(summary_path: Path) -> None:
    summary = read_deps_summary(summary_path)

    assert [(f.requirements, f.status, f.dependencies) for f in summary.files] == [
        ("requirements.txt", FileStatus.AUDITED, 3),  # looked up; the skipped `foo` is not counted
        ("requirements-dev.txt", FileStatus.AUDITED, 3),
        ("requirements-ci.txt", FileStatus.MISSING, 0),
    ]
    assert "pip-audit wrote no report" in str(summary.files[2].problem)
    (vuln,) = summary.vulnerabilities  # one pin shared by two files: one row naming both
    assert (vuln.tool, vuln.package, vuln.id) == (Tool.PIP_AUDIT, "requests", "CVE-2018-18074")
    assert vuln.requirements == ("requirements.txt", "requirements-dev.txt")
    assert [s.package for s in summary.skipped] == ["foo", "foo"]
    assert (summary.safety.status, summary.safety.reason) == (SafetyStatus.NOT_RUN, "SAFETY_API_KEY not set")
    assert summary_json(summary) == summary_path.read_text()  # a lossless round trip


def test_writer_and_reader_share_the_field_names(summary_path: Path) -> None:
    raw = json.loads(summary_path.read_text())
    assert list(raw) == [FORMAT_VERSION_KEY, *field_names(DepsSummary)]
    assert list(raw["files"][0]) == list(field_names(AuditedFile))
    assert is_deps_summary(raw) and not is_pip_audit(raw)


def test_the_report_frames_come_from_the_same_records(summary_path: Path) -> None:
    data = load_deps_summary(summary_path)
    assert data.vulnerabilities[["source", "package", "aliases"]].values.tolist() == [
        ["pip-audit", "requests", "GHSA-x84v-xcm2-53pg"]
    ]
    assert [u.report for u in data.unaudited] == [str(summary_path.parent / "never-written.json")]


def test_the_tool_records_missing_empty_and_broken_reports(tmp_path: Path) -> None:
    missing, vulns, skipped = audit_entries("r.txt", tmp_path / "absent.json")
    assert missing.status is FileStatus.MISSING and vulns == () and skipped == ()
    empty, _, _ = audit_entries("r.txt", write(tmp_path, "", "empty.json"))
    assert empty.status is FileStatus.MISSING
    broken, _, _ = audit_entries("r.txt", write(tmp_path, dependency(vulns=None), "broken.json"))
    assert broken.status is FileStatus.INVALID and "vulns is null" in str(broken.problem)


def good_summary(summary_path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(summary_path.read_text())
    return document


def mutate(document: dict[str, Any], where: str, value: object) -> dict[str, Any]:
    """`document` with the value at dotted `where` (list indexes as numbers) set, or deleted for ..."""
    node: Any = document
    *parents, last = where.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is ...:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return document


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        (FORMAT_VERSION_KEY, 2, "deps summary format_version is 2, expected 1"),
        (FORMAT_VERSION_KEY, True, "deps summary format_version is True, expected 1"),
        (FORMAT_VERSION_KEY, "1", "deps summary format_version is '1', expected 1"),
        (FORMAT_VERSION_KEY, ..., "deps summary format_version is None, expected 1"),
        ("safety", ..., "not a deps summary \\(needs files, vulnerabilities, skipped, safety\\)"),
        ("extra", 1, "the summary has an unknown field 'extra'"),
        ("files", {}, "files is an object, expected a list"),
        (
            "files.0.status",
            "skipped",
            "files\\[0\\].status is 'skipped', expected one of \\['audited', 'invalid', 'missing'\\]",
        ),
        ("files.0.status", None, "files\\[0\\].status is null, expected a string"),
        ("files.0.dependencies", -1, f"files\\[0\\].dependencies is -1, {COUNT}"),
        ("files.0.dependencies", 3.0, f"files\\[0\\].dependencies is 3.0, {COUNT}"),
        ("files.0.dependencies", 10**30, f"files\\[0\\].dependencies is 1{'0' * 30}, {COUNT}"),
        ("files.0.dependencies", float("inf"), f"files\\[0\\].dependencies is inf, {COUNT}"),
        ("files.0.dependencies", ..., "files\\[0\\] has no 'dependencies'"),
        ("files.0.note", "x", "files\\[0\\] has an unknown field 'note'"),
        ("files.2.problem", None, "files\\[2\\] is missing but gives no problem"),
        ("files.0.report", 7, "files\\[0\\].report is a number, expected a string"),
        (
            "vulnerabilities.0.tool",
            "trivy",
            "vulnerabilities\\[0\\].tool is 'trivy', expected one of \\['pip-audit', 'safety'\\]",
        ),
        ("vulnerabilities.0.aliases", "GHSA", "vulnerabilities\\[0\\].aliases is a string, expected a list"),
        ("vulnerabilities.0.requirements", [None], "vulnerabilities\\[0\\].requirements\\[0\\] is null"),
        ("vulnerabilities.0.id", ..., "vulnerabilities\\[0\\] has no 'id'"),
        ("skipped.0", "foo", "skipped\\[0\\] is a string, expected an object"),
        ("skipped.0.reason", False, "skipped\\[0\\].reason is a boolean, expected a string"),
        ("safety", [], "safety is a list, expected an object"),
        (
            "safety.status",
            "maybe",
            "safety.status is 'maybe', expected one of \\['error', 'not run', 'ran'\\]",
        ),
        ("safety.vulnerabilities", -2, f"safety.vulnerabilities is -2, {COUNT}"),
        ("safety.vulnerabilities", 1e999, f"safety.vulnerabilities is inf, {COUNT}"),
    ],
)
def test_a_wrong_summary_field_is_refused_naming_it(
    summary_path: Path, where: str, value: object, message: str
) -> None:
    document = mutate(good_summary(summary_path), where, value)
    summary_path.write_text(json.dumps(document))
    refused(read_deps_summary, summary_path, message)


def test_a_nan_count_in_the_summary_is_refused(summary_path: Path) -> None:
    summary_path.write_text(
        summary_path.read_text().replace('"vulnerabilities": 0', '"vulnerabilities": NaN')
    )
    refused(read_deps_summary, summary_path, f"safety.vulnerabilities is nan, {COUNT}")


def test_a_truncated_summary_is_refused(summary_path: Path) -> None:
    text = summary_path.read_text()
    summary_path.write_text(text[: len(text) // 2])
    refused(read_deps_summary, summary_path, "deps summary file is not valid JSON")


def test_deps_summary_from_document_refuses_pip_audit_json(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a deps summary"):
        deps_summary_from_document(tmp_path / "x.json", json.loads((DATA / "pip-audit-osv.json").read_text()))


def test_enums_are_written_as_their_values(summary_path: Path) -> None:
    summary = read_deps_summary(summary_path)
    assert asdict(summary)["files"][0]["status"] == "audited"
    assert json.loads(summary_json(summary))["safety"]["status"] == "not run"
