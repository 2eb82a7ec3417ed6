"""`invoke report --merge`: the runs of several CI jobs become one run, scored once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoke.program import Program

from cimaturity import runs
from cimaturity.formats.runjson import read_run
from cimaturity.merge import MergeError, find_runs, merge_runs
from cimaturity.model import CheckResult, Stage, Status
from cimaturity.runfile import GitInfo, RunRecord, write_run
from cimaturity.tasks import ns

SARIF = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": []}]}


def job_run(
    downloads: Path, job: str, check: str, sha: str = "abc123", status: Status = Status.PASSED
) -> Path:
    """What one job's `reports-<job>` artifact holds once downloaded: `<run id>/run.json` and files."""
    run_id = runs.new_run_id()
    folder = downloads / f"reports-{job}" / run_id
    (folder / "artifacts" / check).mkdir(parents=True)
    (folder / "artifacts" / check / "out.sarif").write_text(json.dumps(SARIF))
    (folder / "artifacts" / check / "log.txt").write_text(f"{check} ran\n")
    result = CheckResult(
        check, Stage.FAST, status, f"{check} said so", "2026-11-30T10:00:00+00:00", 2.0,
        artifacts=(f"artifacts/{check}/out.sarif",), log=f"artifacts/{check}/log.txt",
    )  # fmt: skip
    record = RunRecord(
        run_id, "/p", "full", 1, GitInfo(sha, "main", False), "2026-11-30T10:00:00+00:00",
        "2026-11-30T10:01:00+00:00", 60.0, "0.1.0", (result,),
    )  # fmt: skip
    write_run(folder / "run.json", record)
    return folder


def test_jobs_runs_become_one_run_that_is_latest(tmp_path: Path) -> None:
    downloads, reports = tmp_path / "downloads", tmp_path / "reports"
    job_run(downloads, "lint", "lint")
    job_run(downloads, "security", "sast", status=Status.FAILED)
    assert len(find_runs(downloads)) == 2
    folder = merge_runs([downloads], reports)
    assert runs.latest_run(reports) == folder
    merged = read_run(folder / "run.json", within=folder)
    assert [(c.name, c.status) for c in merged.checks] == [("lint", Status.PASSED), ("sast", Status.FAILED)]
    assert (folder / "artifacts" / "sast" / "out.sarif").read_text() == json.dumps(SARIF)
    assert (folder / "artifacts" / "lint" / "log.txt").read_text() == "lint ran\n"
    document = json.loads((folder / "run.json").read_text())
    assert document["profile"] == "merged" and document["ok"] is False and len(document["merged_from"]) == 2


def test_two_results_for_one_check_are_refused_and_nothing_is_left_behind(tmp_path: Path) -> None:
    downloads, reports = tmp_path / "downloads", tmp_path / "reports"
    first = job_run(downloads, "lint", "lint")
    second = job_run(downloads, "lint-again", "lint")
    with pytest.raises(MergeError, match=r"two results for check 'lint': .* and "):
        merge_runs([downloads], reports)
    assert not reports.exists()  # refused before anything was written
    assert first.is_dir() and second.is_dir()  # the sources are never changed


def test_runs_of_different_commits_or_no_run_at_all_are_refused(tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    job_run(downloads, "lint", "lint", sha="aaa")
    job_run(downloads, "security", "sast", sha="bbb")
    with pytest.raises(MergeError, match=r"different commits \(aaa, bbb\)"):
        merge_runs([downloads], tmp_path / "reports")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MergeError, match=r"empty: no run\.json in it or in the folders below it$"):
        merge_runs([tmp_path / "empty"], tmp_path / "reports")


def test_invoke_report_merge_scores_the_merged_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    lint = job_run(tmp_path / "downloads", "lint", "lint")
    sast = job_run(tmp_path / "downloads", "security", "sast")
    argv = ["invoke", "report", "--project", str(project), "--merge", f"{lint},{sast}", "--no-history"]
    try:
        Program(namespace=ns, version="test").run(argv)
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr()
    summary = json.loads((project / "reports" / "summary.json").read_text())  # the link through latest
    assert {check["name"] for check in summary["checks"]} == {"lint", "sast"}
    assert "merged 2 source(s) into" in capsys.readouterr().out
