"""formats.sarif: real ruff and bandit output, the spec's defaulting rules, and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cimaturity.formats.sarif import Level, Severity, read_sarif
from tests.unit.formats._support import refused, run_tool


def _write(path: Path, runs: list[dict[str, Any]], version: str = "2.1.0") -> Path:
    path.write_text(json.dumps({"version": version, "runs": runs}))
    return path


def _run(tool: str, results: list[Any] | None, **extra: Any) -> dict[str, Any]:
    run: dict[str, Any] = {"tool": {"driver": {"name": tool, **extra.pop("driver", {})}}, **extra}
    if results is not None:
        run["results"] = results
    return run


def _result(rule: str = "R1", line: int | None = 3, **extra: Any) -> dict[str, Any]:
    region = {} if line is None else {"region": {"startLine": line}}
    location = {"physicalLocation": {"artifactLocation": {"uri": "file:///p/app/x.py"}, **region}}
    return {"ruleId": rule, "message": {"text": "found it"}, "locations": [location], **extra}


def test_real_ruff_and_bandit_output(tmp_path: Path) -> None:
    source = "import os\nimport subprocess\nx = input()\nsubprocess.call(x, shell=True)\n"
    (tmp_path / "app.py").write_text(source)
    run_tool(
        [
            "ruff",
            "check",
            "--isolated",
            "--select",
            "F401",
            "--no-cache",
            "--output-format",
            "sarif",
            "-o",
            "ruff.sarif",
            "app.py",
        ],
        tmp_path,
        ok=(1,),
    )
    run_tool(["bandit", "-q", "-f", "sarif", "-o", "bandit.sarif", "app.py"], tmp_path, ok=(1,))
    ruff = read_sarif(tmp_path / "ruff.sarif", "ruff", root=tmp_path)
    assert [(r.rule_id, r.file, r.line) for r in ruff.results] == [("F401", "app.py", 1)]
    bandit = read_sarif(tmp_path / "bandit.sarif", "bandit", root=tmp_path)
    by_rule = {r.rule_id: r for r in bandit.results}
    assert by_rule["B602"].severity is Severity.HIGH  # bandit's own issue_severity
    assert by_rule["B404"].severity is Severity.LOW
    assert all(r.file == "app.py" for r in bandit.results)


def test_levels_follow_the_spec_defaults(tmp_path: Path) -> None:
    rules = [{"id": "R1", "defaultConfiguration": {"level": "error"}}, {"id": "R2"}]
    results = [_result("R1"), _result("R2"), _result("R2", kind="pass"), _result("R2", level="note")]
    log = read_sarif(_write(tmp_path / "x.sarif", [_run("t", results, driver={"rules": rules})]))
    assert [r.level for r in log.results] == [Level.ERROR, Level.WARNING, Level.NONE, Level.NOTE]
    assert [r.severity for r in log.results] == [Severity.HIGH, Severity.MEDIUM, Severity.INFO, Severity.LOW]


def test_security_severity_wins_over_the_level(tmp_path: Path) -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.1"}}]
    results = [_result("R1"), _result("R2", properties={"security-severity": 4.0})]
    log = read_sarif(_write(tmp_path / "x.sarif", [_run("t", results, driver={"rules": rules})]))
    assert [r.severity for r in log.results] == [Severity.CRITICAL, Severity.MEDIUM]


def test_run_facts_for_the_gates(tmp_path: Path) -> None:
    invocation = {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "syntax error"}, "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": "bad.py"}}}]},
            {"level": "warning", "message": {"text": "only a warning"}},
        ],
    }  # fmt: skip
    run = _run("bandit", [_result(suppressions=[{"kind": "inSource"}])], invocations=[invocation])
    run["properties"] = {"baseline_entries": 4}
    (only,) = read_sarif(_write(tmp_path / "x.sarif", [run]), "bandit").runs
    assert [(n.file, n.message) for n in only.notifications] == [("bad.py", "syntax error")]
    assert only.execution_failed and only.baseline_entries == 4
    assert only.results[0].suppressed


def test_a_rejected_suppression_does_not_hide_a_result(tmp_path: Path) -> None:
    result = _result(suppressions=[{"kind": "inSource", "status": "rejected"}])
    log = read_sarif(_write(tmp_path / "x.sarif", [_run("t", [result])]))
    assert not log.results[0].suppressed


@pytest.mark.parametrize(
    ("runs", "expected_tool", "message"),
    [
        ([_run("Bandit", [])], "ruff", r"SARIF written by 'Bandit', expected 'ruff'$"),
        ([], "ruff", r"SARIF has no runs$"),
        ([_run("ruff", None)], None, r"runs\[0\] is malformed .*results is not a list"),
        ([_run("ruff", [_result(line=10**30)])], None, r"results\[0\]\.locations\[0\]\..*startLine is 1000"),
        ([_run("ruff", [_result(line=0)])], None, r"startLine is 0, expected a line number from 1"),
        ([_run("ruff", [_result(level="fatal")])], None, r"runs\[0\]\.results\[0\]\.level is 'fatal'"),
        ([_run("ruff", [_result(properties={"security-severity": 11})])], None, r"security-severity is 11"),
        ([_run("ruff", [_result(message="text")])], None, r"message is not an object"),
        ([_run("ruff", ["not an object"])], None, r"results\[0\] is not an object"),
        ([_run("", [])], None, r"tool\.driver\.name is not a non-empty string"),
        (["run"], None, r"runs\[0\] is not an object"),
    ],
    ids=["other-tool", "no-runs", "null-results", "huge-line", "line-zero", "bad-level", "score-11",
         "message-str", "result-str", "no-name", "run-str"],
)  # fmt: skip
def test_refusals_name_the_file_and_field(
    tmp_path: Path, runs: list[Any], expected_tool: str | None, message: str
) -> None:
    path = _write(tmp_path / "x.sarif", runs)
    refused(lambda p: read_sarif(p, expected_tool), path, message)


def test_another_version_or_no_runs_list_is_not_sarif(tmp_path: Path) -> None:
    refused(
        read_sarif,
        _write(tmp_path / "a.sarif", [], version="2.0.0"),
        r"SARIF version '2.0.0', expected '2.1.0'",
    )
    (tmp_path / "b.sarif").write_text('{"version": "2.1.0"}')
    refused(read_sarif, tmp_path / "b.sarif", r"not a SARIF log \(no 'runs' list\)")
    (tmp_path / "c.sarif").write_text('{"version": "2.1.0", "runs": [')
    refused(read_sarif, tmp_path / "c.sarif", r"SARIF file is not valid JSON")
