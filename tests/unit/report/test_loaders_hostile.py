"""The report over hostile artifacts (issue 8, "Loaders"): a number that overflows, a FIFO, a
symlink to /dev/zero or out of the reports folder. Each one used to crash the whole report with a
traceback, hang it, or get read and scored; now each is one problem naming the file and the
field, listed in the report, and the other artifacts still load."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from cimaturity.report.loaders import load_evidence
from cimaturity.report.loaders.suppressions import source_comments
from cimaturity.report.pipeline import ReportError, run_report
from tests.support.limits import GIB, deadline

from .test_loaders_evidence import JUNIT, put, write_run_json

REPO = Path(__file__).resolve().parents[3]
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
TEN_TO_30 = str(10**30)
TEN_TO_400 = "10000000000000000000… (401 digits)"  # a value too long to show is cut, its size named
LINE_RANGE = "expected a line number from 1 to 2147483647"
COUNT_RANGE = "expected a count from 0 to 9007199254740991"
GOOD_ROW = ",Aggregated,10,0,5,5,1,9,10,2.5,0,5,5,5,5,5,5,5,9,9,9,9\n"


def sarif(start_line: object = 3, **extra: object) -> str:
    result = {
        "ruleId": "F401",
        "level": "error",
        "message": {"text": "unused"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": start_line}}}
        ],
        **extra,
    }
    return json.dumps(
        {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": [result]}]}
    )


def coverage(statements: int) -> str:
    summary = {"num_statements": statements, "missing_lines": 2, "percent_covered": 50.0}
    return json.dumps(
        {"meta": {"format": 3}, "totals": {"percent_covered": 50.0}, "files": {"a.py": {"summary": summary}}}
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "reports").mkdir(parents=True)
    return root


def report_with(project: Path, artifacts: dict[str, list[str]]) -> list[dict[str, str]]:
    """`run_report` (what `invoke report` does) over `artifacts`; the problems summary.json lists."""
    write_run_json(project / "reports", project, artifacts, {})
    with deadline(20):
        _score, paths, _ = run_report(project, project / "reports")
    problems: list[dict[str, str]] = json.loads(paths[2].read_text())["problems"]
    assert all("\n" not in problem["message"] for problem in problems)
    return problems


# --- numbers that used to be an OverflowError traceback -----------------------------------------


def test_a_sarif_start_line_of_ten_to_the_thirty_is_a_problem_not_a_traceback(project: Path) -> None:
    reports = project / "reports"
    artifacts = {
        "lint": [put(reports, "lint", "ruff.sarif", sarif(10**30))],
        "test": [put(reports, "test", "junit.xml", JUNIT)],
    }
    problems = report_with(project, artifacts)
    assert problems == [
        {
            "check": "lint",
            "path": "artifacts/lint/ruff.sarif",
            "message": "reports/artifacts/lint/ruff.sarif: runs[0].results[0].locations[0].physicalLocation"
            f".region.startLine is {TEN_TO_30}, {LINE_RANGE}",
        }
    ]
    evidence = load_evidence(reports)
    assert evidence.findings.empty  # nothing of the refused file is scored
    assert evidence.tests["status"].tolist() == ["passed", "skipped", "failed"]  # the others still load


def test_a_coverage_count_of_ten_to_the_thirty_is_a_problem(project: Path) -> None:
    reports = project / "reports"
    problems = report_with(project, {"test": [put(reports, "test", "coverage.json", coverage(10**30))]})
    assert [problem["message"] for problem in problems] == [
        "reports/artifacts/test/coverage.json: files['a.py'].summary.num_statements is "
        "1000000000000000000000000000000, expected a count from 0 to 9007199254740991"
    ]
    assert load_evidence(reports).coverage_percent is None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            ",Aggregated,100000000000000000000000000000,0,5,5,1,9,10,2.5,0,5,5,5,5,5,5,5,9,9,9,9\n",
            f"line 2 Request Count is '100000000000000000000000000000', {COUNT_RANGE}",
        ),
        (
            ",Aggregated,10,0,5,5,1,9,10,1e999,0,5,5,5,5,5,5,5,9,9,9,9\n",
            "line 2 Requests/s is '1e999', expected a rate per second from 0 to 9007199254740991",
        ),
        (
            ",Aggregated,10,0,5,5,1,9,10,2.5,0,5,5,5,5,5,nan,5,9,9,9,9\n",
            "line 2 95% is 'nan', expected a time in ms from 0 to 10000000000",
        ),
    ],
    ids=["huge-count", "infinite-rate", "nan-p95"],
)
def test_a_locust_number_that_is_huge_infinite_or_nan_is_a_problem(
    project: Path, row: str, message: str
) -> None:
    reports = project / "reports"
    problems = report_with(
        project, {"performance": [put(reports, "performance", "locust_stats.csv", HEADER + row)]}
    )
    assert [problem["message"] for problem in problems] == [
        f"reports/artifacts/performance/locust_stats.csv: {message}"
    ]
    assert load_evidence(reports).performance.empty


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_s", 10**400, f"duration_s is {TEN_TO_400}, expected a duration in seconds"),
        ("duration_s", 1e300, "duration_s is 1e+300, expected a duration in seconds"),
        ("checks.0.duration_s", 10**30, f"checks[0].duration_s is {TEN_TO_30}, expected a duration"),
        ("checks.0.exit_code", 10**30, f"checks[0].exit_code is {TEN_TO_30}, expected an exit code"),
        ("checks.0.metrics.tests", 10**400, f"checks[0].metrics.tests is {TEN_TO_400}, expected a metric"),
    ],
    ids=["run-duration-overflows-float", "run-duration-huge", "check-duration", "exit-code", "metric"],
)  # fmt: skip
def test_run_json_with_huge_numbers_stops_the_report_in_one_line(
    project: Path, field: str, value: object, message: str
) -> None:
    reports = project / "reports"
    write_run_json(reports, project, {"lint": []}, {})
    document = json.loads((reports / "run.json").read_text())
    *parents, last = [int(part) if part.isdigit() else part for part in field.split(".")]
    node = document
    for part in parents:
        node = node[part]
    node[last] = value
    (reports / "run.json").write_text(json.dumps(document))
    with deadline(20), pytest.raises(ReportError) as caught:
        run_report(project, reports)
    assert str(caught.value).startswith(f"{reports / 'run.json'}: {message}")
    assert "\n" not in str(caught.value)


def test_a_junit_time_that_is_infinite_is_a_problem(project: Path) -> None:
    reports = project / "reports"
    junit = JUNIT.replace('time="0.5"', 'time="1e999"')
    problems = report_with(project, {"test": [put(reports, "test", "junit.xml", junit)]})
    assert [problem["message"] for problem in problems] == [
        "reports/artifacts/test/junit.xml: testcase 'tests.test_a::test_ok' time is '1e999', "
        "expected a duration in seconds from 0 to 10000000"
    ]


def test_a_sarif_baseline_size_or_severity_score_out_of_range_is_a_problem(project: Path) -> None:
    reports = project / "reports"
    baseline = json.loads(sarif())
    baseline["runs"][0]["properties"] = {"baseline_entries": 10**30}
    severity = sarif(properties={"security-severity": 10**400})
    rule_score = json.loads(sarif())
    rule_score["runs"][0]["tool"]["driver"]["rules"] = [
        {"id": "F401", "properties": {"security-severity": "NaN"}}
    ]
    problems = report_with(
        project,
        {
            "secrets": [put(reports, "secrets", "secrets.sarif", json.dumps(baseline))],
            "sast": [put(reports, "sast", "bandit.sarif", severity)],
            "container": [put(reports, "container", "trivy.sarif", json.dumps(rule_score))],
        },
    )
    assert [problem["message"] for problem in problems] == [
        "reports/artifacts/secrets/secrets.sarif: runs[0].properties.baseline_entries is "
        "1000000000000000000000000000000, expected a count from 0 to 9007199254740991",
        "reports/artifacts/sast/bandit.sarif: runs[0].results[0].properties.security-severity is "
        f"{TEN_TO_400}, expected a security-severity score from 0 to 10",
        "reports/artifacts/container/trivy.sarif: runs[0].tool.driver.rules['F401'].properties"
        ".security-severity is 'NaN', expected a security-severity score from 0 to 10",
    ]


# --- files that used to hang the report, exhaust memory, or be read from outside ----------------


@pytest.mark.parametrize("name", ["ruff.sarif", "coverage.json", "junit.xml", "locust_stats.csv"])
def test_a_fifo_named_like_an_artifact_is_a_problem_not_a_hang(project: Path, name: str) -> None:
    reports = project / "reports"
    fifo = reports / "artifacts" / "x" / name
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    kind = {".sarif": "SARIF", ".json": "JSON", ".xml": "XML", ".csv": "CSV"}[fifo.suffix]
    problems = report_with(project, {"x": [f"artifacts/x/{name}"]})
    assert problems == [
        {
            "check": "x",
            "path": f"artifacts/x/{name}",
            "message": f"reports/artifacts/x/{name}: {kind} file is not a regular file (a FIFO)",
        }
    ]


def test_a_symlink_to_dev_zero_is_a_problem_not_a_memory_error(project: Path) -> None:
    reports = project / "reports"
    (reports / "artifacts" / "test").mkdir(parents=True)
    (reports / "artifacts" / "test" / "coverage.json").symlink_to("/dev/zero")
    artifacts = {"test": ["artifacts/test/coverage.json", put(reports, "test", "junit.xml", JUNIT)]}
    problems = report_with(project, artifacts)
    assert [problem["message"] for problem in problems] == [
        "reports/artifacts/test/coverage.json: JSON file leads outside reports (it resolves to /dev/zero)"
    ]
    assert len(load_evidence(reports).tests) == 3


def test_a_symlink_out_of_the_reports_folder_is_neither_read_nor_scored(
    project: Path, tmp_path: Path
) -> None:
    reports = project / "reports"
    outside = tmp_path / "planted.sarif"
    outside.write_text(sarif(3))  # a valid SARIF with one finding: it must not count
    (reports / "artifacts" / "lint").mkdir(parents=True)
    (reports / "artifacts" / "lint" / "ruff.sarif").symlink_to(outside)
    problems = report_with(project, {"lint": ["artifacts/lint/ruff.sarif"]})
    assert [problem["message"] for problem in problems] == [
        f"reports/artifacts/lint/ruff.sarif: SARIF file leads outside reports (it resolves to {outside})"
    ]
    assert load_evidence(reports).findings.empty


def test_run_json_as_a_fifo_stops_the_report_in_one_line(project: Path) -> None:
    run = project / "reports" / "run.json"
    os.mkfifo(run)
    with deadline(20), pytest.raises(ReportError) as caught:
        run_report(project, project / "reports")
    assert str(caught.value) == f"{run}: run.json file is not a regular file (a FIFO)"


def test_the_suppression_scan_skips_a_fifo_and_a_link_out_of_the_project(
    project: Path, tmp_path: Path
) -> None:
    (project / "pkg").mkdir()
    (project / "pkg" / "a.py").write_text("import os  # noqa: F401\n")
    os.mkfifo(project / "pkg" / "blocked.py")
    (tmp_path / "foreign.py").write_text("x = 1  # noqa\n" * 5)
    (project / "pkg" / "linked.py").symlink_to(tmp_path / "foreign.py")
    with deadline(20):
        counts = source_comments(project)
    assert counts == {"nosec": 0, "noqa": 1, "type-ignore": 0}


# --- invoke report, end to end ------------------------------------------------------------------


def test_invoke_report_lists_every_hostile_artifact_and_finishes(project: Path, tmp_path: Path) -> None:
    """One real `invoke report` process over all of them at once: no traceback, no hang."""
    reports = project / "reports"
    lint = reports / "artifacts" / "lint"
    lint.mkdir(parents=True)
    os.mkfifo(lint / "fifo.sarif")
    (lint / "zero.json").symlink_to("/dev/zero")
    planted = tmp_path / "planted.sarif"
    planted.write_text(sarif(3))
    (lint / "outside.sarif").symlink_to(planted)
    artifacts = {
        "lint": [
            "artifacts/lint/fifo.sarif",
            "artifacts/lint/zero.json",
            "artifacts/lint/outside.sarif",
            put(reports, "lint", "ruff.sarif", sarif(10**30)),
        ],
        "test": [
            put(reports, "test", "coverage.json", coverage(10**30)),
            put(reports, "test", "junit.xml", JUNIT),
        ],
        "performance": [
            put(reports, "performance", "locust_stats.csv", HEADER + GOOD_ROW.replace("2.5", "1e999"))
        ],
    }
    write_run_json(reports, project, artifacts, {})
    invoke = Path(sys.executable).with_name("invoke")
    done = subprocess.run(
        [str(invoke), "report", "--project", str(project), "--artifacts", str(reports)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "GITHUB_ACTIONS": "", "GITHUB_STEP_SUMMARY": ""},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (6 * GIB, 6 * GIB)),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr + done.stdout
    problems = json.loads((reports / "summary.json").read_text())["problems"]
    assert {problem["path"]: problem["message"].split(": ", 1)[1] for problem in problems} == {
        "artifacts/lint/fifo.sarif": "SARIF file is not a regular file (a FIFO)",
        "artifacts/lint/zero.json": "JSON file leads outside reports (it resolves to /dev/zero)",
        "artifacts/lint/outside.sarif": f"SARIF file leads outside reports (it resolves to {planted})",
        "artifacts/lint/ruff.sarif": "runs[0].results[0].locations[0].physicalLocation.region.startLine is "
        f"{TEN_TO_30}, {LINE_RANGE}",
        "artifacts/test/coverage.json": f"files['a.py'].summary.num_statements is {TEN_TO_30}, {COUNT_RANGE}",
        "artifacts/performance/locust_stats.csv": "line 2 Requests/s is '1e999', "
        "expected a rate per second from 0 to 9007199254740991",
    }
    markdown = (reports / "maturity.md").read_text()
    assert "not a regular file (a FIFO)" in markdown  # listed in the report a reader sees
