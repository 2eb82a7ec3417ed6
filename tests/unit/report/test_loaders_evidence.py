"""`load_evidence` over a whole reports folder: dispatch by content, one broken artifact recorded
as a problem naming the file while the others still load, run.json problems stop everything."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cimaturity.model import ArtifactError, CheckResult, Stage, Status
from cimaturity.report import evidence as ev
from cimaturity.report.loaders import load_evidence
from cimaturity.runfile import GitInfo, RunRecord, write_run
from cimaturity.tools import deps_summary

DATA = Path(__file__).parent / "data"
AT = "2026-11-26T10:00:00+00:00"
JUNIT = """<?xml version="1.0"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok" time="0.5"/>
<testcase classname="tests.test_a" name="test_skip" time="0.0"><skipped message="later"/></testcase>
<testcase classname="tests.test_a" name="test_bad" time="1.5">
<failure message="boom">trace</failure></testcase>
</testsuite></testsuites>
"""
COBERTURA = '<?xml version="1.0"?><coverage line-rate="0.5" version="7.17.4"><packages/></coverage>\n'
COVERAGE = {
    "meta": {"format": 3},
    "totals": {"percent_covered": 62.5},
    "files": {
        "app/a.py": {"summary": {"num_statements": 10, "missing_lines": 5, "percent_covered": 50.0}},
        "app/b.py": {"summary": {"num_statements": 6, "missing_lines": 1, "percent_covered": 83.33}},
    },
}


def put(reports: Path, check: str, name: str, content: str | bytes | Path) -> str:
    path = reports / "artifacts" / check / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        shutil.copyfile(content, path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return f"artifacts/{check}/{name}"


def write_run_json(
    reports: Path, project: Path, artifacts: dict[str, list[str]], metrics: dict[str, dict[str, float]]
) -> None:
    results = tuple(
        CheckResult(
            name,
            Stage.FAST,
            Status.PASSED,
            "ok",
            AT,
            0.5,
            0,
            "tool 1",
            tuple(paths),
            None,
            metrics.get(name, {}),
        )
        for name, paths in artifacts.items()
    )
    record = RunRecord(
        "run1", str(project), "full", 2, GitInfo("sha", "main", False), AT, AT, 5.0, "0.1.0", results
    )
    write_run(reports / "run.json", record)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A reports folder as `invoke ci` leaves it, one artifact of each kind."""
    folder = tmp_path / "reports"
    summary = folder / "artifacts" / "deps" / "summary.json"
    summary.parent.mkdir(parents=True)
    deps_summary.main(
        [
            "--out",
            str(summary),
            "--audit",
            f"requirements.txt={DATA / 'pip-audit-osv.json'}",
            "--safety-not-run",
            "x",
        ]
    )
    artifacts = {
        "test": [
            put(folder, "test", "junit.xml", JUNIT),
            put(folder, "test", "coverage.json", json.dumps(COVERAGE)),
            put(folder, "test", "coverage.xml", COBERTURA),
        ],
        "dockerfile": [put(folder, "dockerfile", "hadolint.sarif", DATA / "hadolint.sarif")],
        "secrets": [put(folder, "secrets", "secrets.sarif", DATA / "secrets.sarif")],
        "deps": ["artifacts/deps/summary.json"],
        "licenses": [
            put(folder, "licenses", "licenses.json", DATA / "pip-licenses.json"),
            put(folder, "licenses", "bom.json", DATA / "cyclonedx-requirements.json"),
        ],
        "performance": [
            put(folder, "performance", "lc_stats.csv", DATA / "locust_stats.csv"),
            put(folder, "performance", "lc_failures.csv", "Method,Name,Error,Occurrences\n"),
            put(folder, "performance", "locust.html", "<html></html>"),
        ],
        "typecheck": [put(folder, "typecheck", "notes.json", json.dumps({"anything": 1}))],
    }
    write_run_json(folder, tmp_path, artifacts, {})
    return folder


def test_every_kind_lands_in_its_frame_with_the_schema_columns(reports: Path) -> None:
    evidence = load_evidence(reports)

    assert evidence.problems == ()
    assert evidence.run is not None and evidence.run.run_id == "run1"
    assert set(evidence.checks["name"]) == {
        "test",
        "dockerfile",
        "secrets",
        "deps",
        "licenses",
        "performance",
        "typecheck",
    }
    assert evidence.tests["status"].tolist() == ["passed", "skipped", "failed"]
    assert set(evidence.tests["check"]) == {"test"}
    assert evidence.coverage["file"].tolist() == ["app/a.py", "app/b.py"]
    assert evidence.coverage_percent == 62.5
    assert set(evidence.findings["tool"]) == {"hadolint", "detect-secrets"}
    assert evidence.findings.loc[
        evidence.findings["tool"] == "detect-secrets", "check"
    ].unique().tolist() == ["secrets"]
    assert evidence.vulnerabilities["id"].tolist() == ["CVE-2018-18074"]
    assert evidence.skipped_dependencies["package"].tolist() == ["foo"]
    assert set(evidence.licenses["package"]) == {"junitparser", "lxml", "pandas", "pytest-postgresql"}
    assert "Aggregated" in set(evidence.performance["name"])
    suppressions = dict(zip(evidence.suppressions["kind"], evidence.suppressions["count"], strict=True))
    assert suppressions == {"baseline": 1, "skipped-test": 1, "suppressed-finding": 1}
    for name, columns in {
        "checks": ev.CHECK_COLUMNS,
        "tests": ev.TEST_COLUMNS,
        "findings": ev.FINDING_COLUMNS,
        "coverage": ev.COVERAGE_COLUMNS,
        "vulnerabilities": ev.VULNERABILITY_COLUMNS,
        "skipped_dependencies": ev.SKIPPED_DEPENDENCY_COLUMNS,
        "licenses": ev.LICENSE_COLUMNS,
        "performance": ev.PERFORMANCE_COLUMNS,
        "suppressions": ev.SUPPRESSION_COLUMNS,
    }.items():
        assert tuple(getattr(evidence, name).columns) == columns, name
    assert evidence.check_status("deps") == "passed"


def test_one_broken_artifact_is_a_problem_naming_it_and_the_rest_still_load(reports: Path) -> None:
    junit = reports / "artifacts" / "test" / "junit.xml"
    junit.write_text(JUNIT[: len(JUNIT) // 2])  # truncated mid-write

    evidence = load_evidence(reports)

    assert [(p.check, p.path) for p in evidence.problems] == [("test", "artifacts/test/junit.xml")]
    assert "junit.xml" in evidence.problems[0].message and "\n" not in evidence.problems[0].message
    assert evidence.tests.empty and tuple(evidence.tests.columns) == ev.TEST_COLUMNS
    assert evidence.coverage_percent == 62.5  # same check, other artifact: still evidence
    assert not evidence.findings.empty and not evidence.vulnerabilities.empty
    assert "skipped-test" not in set(evidence.suppressions["kind"])  # no JUnit read: no count, not zero


def test_a_foreign_file_under_a_known_extension_is_a_problem(reports: Path) -> None:
    sarif = reports / "artifacts" / "dockerfile" / "hadolint.sarif"
    sarif.write_text(JUNIT)  # a JUnit file saved as .sarif

    evidence = load_evidence(reports)

    assert [p.path for p in evidence.problems] == ["artifacts/dockerfile/hadolint.sarif"]
    assert set(evidence.findings["tool"]) == {"detect-secrets"}


def test_a_listed_artifact_that_is_missing_is_a_problem(reports: Path) -> None:
    (reports / "artifacts" / "test" / "coverage.json").unlink()

    evidence = load_evidence(reports)

    assert [p.path for p in evidence.problems] == ["artifacts/test/coverage.json"]
    assert "missing" in evidence.problems[0].message
    assert evidence.coverage_percent is None and evidence.coverage.empty


def test_an_unaudited_requirements_file_in_the_deps_summary_is_a_problem(
    reports: Path, tmp_path: Path
) -> None:
    summary = reports / "artifacts" / "deps" / "summary.json"
    deps_summary.main(
        ["--out", str(summary), "--audit", f"r.txt={tmp_path / 'absent.json'}", "--safety-not-run", "x"]
    )

    evidence = load_evidence(reports)

    assert [(p.check, p.path) for p in evidence.problems] == [("deps", str(tmp_path / "absent.json"))]
    assert evidence.vulnerabilities.empty


def test_missing_run_json_is_an_artifact_error(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match=r"run\.json: run\.json file missing"):
        load_evidence(tmp_path)


def test_run_json_of_another_format_is_an_artifact_error(reports: Path) -> None:
    (reports / "run.json").write_text(json.dumps({"format_version": 99, "checks": []}))
    with pytest.raises(ArtifactError, match=r"run\.json: not a cimaturity run\.json of format 1"):
        load_evidence(reports)


def test_project_root_adds_source_suppressions_and_relative_paths(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "m.py").write_text("import os  # noqa: F401\nx = eval('1')  # nosec\n")
    reports = tmp_path / "reports"
    sarif = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "ruff"}},
                "results": [
                    {
                        "ruleId": "F401",
                        "level": "error",
                        "message": {"text": "`os` imported but unused"},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": f"file://{project}/app/m.py"},
                                    "region": {"startLine": 1},
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }
    write_run_json(reports, project, {"lint": [put(reports, "lint", "ruff.sarif", json.dumps(sarif))]}, {})

    evidence = load_evidence(reports, project)

    assert evidence.findings["file"].tolist() == ["app/m.py"]
    counts = dict(zip(evidence.suppressions["kind"], evidence.suppressions["count"], strict=True))
    assert counts == {"nosec": 1, "noqa": 1, "type-ignore": 0, "suppressed-finding": 0}


def test_baseline_count_falls_back_to_the_secrets_check_metrics(tmp_path: Path) -> None:
    write_run_json(tmp_path, tmp_path, {"secrets": []}, {"secrets": {"baseline_entries": 4.0}})

    evidence = load_evidence(tmp_path)

    assert evidence.suppressions.to_dict("records") == [{"kind": "baseline", "count": 4}]
