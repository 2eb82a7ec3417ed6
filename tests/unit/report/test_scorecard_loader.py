"""OpenSSF Scorecard's SARIF joins the report's findings when present; absent, nothing changes;
broken, one problem naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cimaturity.model import CheckResult, Stage, Status
from cimaturity.report.loaders import load_evidence
from cimaturity.report.loaders.scorecard import LABEL
from cimaturity.runfile import GitInfo, RunRecord, write_run

SCORECARD_SARIF: dict[str, Any] = {
    "version": "2.1.0",
    "runs": [
        {
            "tool": {"driver": {"name": "Scorecard", "rules": [{"id": "TokenPermissionsID"}]}},
            "results": [
                {
                    "ruleId": "TokenPermissionsID",
                    "level": "error",
                    "message": {
                        "text": "score is 8: detected GitHub workflow tokens with excessive permissions"
                    },
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": ".github/workflows/ci.yml"},
                                "region": {"startLine": 12},
                            }
                        }
                    ],
                }
            ],
        }
    ],
}


def _run(reports: Path) -> Path:
    run_dir = reports / "runs" / "20261130T000000.000Z-abc123"
    result = CheckResult("lint", Stage.FAST, Status.PASSED, "clean", "2026-11-30T00:00:00+00:00", 0.1)
    record = RunRecord(
        run_id="20261130T000000.000Z-abc123",
        project=str(reports.parent),
        profile="quick",
        jobs=1,
        git=GitInfo(None, None, None),
        started_at="2026-11-30T00:00:00+00:00",
        finished_at="2026-11-30T00:00:01+00:00",
        duration_s=1.0,
        tool_version="test",
        checks=(result,),
    )
    run_dir.mkdir(parents=True)
    write_run(run_dir / "run.json", record)
    return run_dir


def test_no_scorecard_file_leaves_the_evidence_as_it_was(tmp_path: Path) -> None:
    evidence = load_evidence(_run(tmp_path / "reports"), tmp_path)
    assert evidence.findings.empty
    assert evidence.problems == ()


def test_the_reports_folder_scorecard_joins_the_findings_labelled(tmp_path: Path) -> None:
    run_dir = _run(tmp_path / "reports")
    (tmp_path / "reports" / "scorecard").mkdir()
    (tmp_path / "reports" / "scorecard" / "scorecard.sarif").write_text(json.dumps(SCORECARD_SARIF))
    evidence = load_evidence(run_dir, tmp_path)
    rows = evidence.findings.to_dict("records")
    assert [(row["check"], row["tool"], row["rule"], row["file"], row["line"]) for row in rows] == [
        (LABEL, "scorecard", "TokenPermissionsID", ".github/workflows/ci.yml", 12)
    ]
    assert evidence.problems == ()


def test_the_run_folder_scorecard_comes_first(tmp_path: Path) -> None:
    run_dir = _run(tmp_path / "reports")
    (run_dir / "scorecard").mkdir()
    (run_dir / "scorecard" / "scorecard.sarif").write_text(json.dumps(SCORECARD_SARIF))
    (tmp_path / "reports" / "scorecard").mkdir()
    (tmp_path / "reports" / "scorecard" / "scorecard.sarif").write_text("{broken")
    evidence = load_evidence(run_dir, tmp_path)
    assert len(evidence.findings) == 1 and evidence.problems == ()


def test_a_broken_scorecard_file_is_one_problem_naming_it(tmp_path: Path) -> None:
    run_dir = _run(tmp_path / "reports")
    (tmp_path / "reports" / "scorecard").mkdir()
    (tmp_path / "reports" / "scorecard" / "scorecard.sarif").write_text('{"version": "2.1.0", "runs": [')
    evidence = load_evidence(run_dir, tmp_path)
    assert evidence.findings.empty
    [problem] = evidence.problems
    assert problem.check == LABEL and problem.path == "scorecard/scorecard.sarif"
    assert "scorecard.sarif" in problem.message and "\n" not in problem.message


def test_another_tools_sarif_is_not_taken_for_scorecard(tmp_path: Path) -> None:
    run_dir = _run(tmp_path / "reports")
    foreign = json.loads(json.dumps(SCORECARD_SARIF))
    foreign["runs"][0]["tool"]["driver"]["name"] = "Trivy"
    (tmp_path / "reports" / "scorecard").mkdir()
    (tmp_path / "reports" / "scorecard" / "scorecard.sarif").write_text(json.dumps(foreign))
    evidence = load_evidence(run_dir, tmp_path)
    assert evidence.findings.empty
    [problem] = evidence.problems
    assert "trivy" in problem.message.lower() and "scorecard" in problem.message.lower()
