"""Recording: `invoke report` and `invoke ci` append the scored run after the report is written;
a failure to record is one stderr line, never a failed run or a lost report; the pull request's
base commit comes from git when GitHub says there is a base branch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from invoke.program import Program

from cimaturity.config import ProjectConfig, load_config
from cimaturity.history.recording import pull_request_base, reports_folder_of
from cimaturity.history.store import HistoryStore, open_store, store_path
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.report import pipeline
from cimaturity.runfile import RunRecord
from cimaturity.runner import Profile, run_checks, select
from cimaturity.tasks import ns


def passing_gate(_ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    return Verdict.passed(f"{len(outcomes)} command(s) ran")


def noop(name: str) -> Check:
    def commands(_ctx: CheckContext) -> list[Command]:
        return [Command((sys.executable, "-c", "pass"))]

    return Check(name, Stage.FAST, "does nothing", commands, artifacts=(), gate=passing_gate)


@pytest.fixture
def config(tmp_path: Path) -> ProjectConfig:
    (tmp_path / "shop").mkdir()
    return load_config(tmp_path / "shop", environ={})


def a_run(config: ProjectConfig, reports: Path) -> RunRecord:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(config.root.parent)}  # no git work
    return run_checks(select((noop("one"),), config), config, reports, jobs=1, profile=Profile.FULL, env=env)


def invoke(*argv: str) -> int:
    try:
        Program(namespace=ns, version="test").run(["invoke", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# --- the report records its run ------------------------------------------------------------------


def test_the_report_appends_its_run_once_however_often_it_is_scored(
    config: ProjectConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = config.root / "reports"
    run = a_run(config, reports)
    score, paths, _ = pipeline.run_report(config.root, reports, env={}, history=reports)
    assert all(path.is_file() for path in paths)
    with open_store(reports) as store:
        (record,) = store.records()
    assert (record.run_id, record.project, record.score) == (run.run_id, "shop", round(score.score, 2))
    assert [(check.name, check.status) for check in record.checks] == [("one", "passed")]
    assert record.base_sha is None
    pipeline.run_report(config.root, reports, env={}, history=reports)  # the same run, scored again
    with open_store(reports) as store:
        assert [r.run_id for r in store.records()] == [run.run_id]
    assert capsys.readouterr().err == ""


def test_without_history_nothing_is_recorded(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    a_run(config, reports)
    pipeline.run_report(config.root, reports, env={})
    assert not store_path(reports).exists()
    assert invoke("report", "--project", str(config.root), "--no-history") == 0
    assert not store_path(reports).exists()


def test_invoke_report_records_into_the_reports_folder_given_one_run_folder(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    first = a_run(config, reports)
    second = a_run(config, reports)
    assert invoke("report", "--project", str(config.root)) == 0
    one_run = str(reports / "runs" / first.run_id)
    assert invoke("report", "--project", str(config.root), "--artifacts", one_run) == 0
    with open_store(reports) as store:
        assert sorted(r.run_id for r in store.records()) == sorted([first.run_id, second.run_id])
    assert not (reports / "runs" / first.run_id / "history").exists()


def test_a_store_that_cannot_be_written_costs_one_stderr_line_and_never_the_report(
    config: ProjectConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = config.root / "reports"
    a_run(config, reports)
    store_path(reports).parent.mkdir(parents=True)
    store_path(reports).write_bytes(b"garbage, not SQLite\n" * 100)
    assert invoke("report", "--project", str(config.root)) == 0
    assert json.loads((reports / "summary.json").read_text())["score"] is not None  # the report is there
    err = capsys.readouterr().err
    reason = "not a readable history store (file is not a database)"
    assert err == f"cimaturity history: {store_path(reports)}: {reason}\n"


def test_invoke_ci_records_its_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cimaturity.tasks import ci

    project = tmp_path / "shop"
    project.mkdir()
    monkeypatch.setattr(ci, "CHECKS", (noop("one"),))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    assert invoke("ci", "--project", str(project), "--jobs", "1") == 0
    (folder,) = (project / "reports" / "runs").iterdir()
    with open_store(project / "reports") as store:
        assert [r.run_id for r in store.records()] == [folder.name]
    assert invoke("ci", "--project", str(project), "--jobs", "1", "--no-history") == 0
    with open_store(project / "reports") as store:
        assert len(store) == 1


# --- where the store is --------------------------------------------------------------------------


def test_the_reports_folder_of_the_report_s_artifacts(tmp_path: Path) -> None:
    reports = tmp_path / "shop" / "reports"
    (reports / "runs" / "20260101T000000.000Z-abc").mkdir(parents=True)
    (reports / "latest").symlink_to(Path("runs") / "20260101T000000.000Z-abc")
    assert reports_folder_of(tmp_path / "shop", None) == tmp_path / "shop" / "reports"
    assert reports_folder_of(tmp_path / "shop", reports) == reports
    assert reports_folder_of(tmp_path / "shop", reports / "runs" / "20260101T000000.000Z-abc") == reports
    assert reports_folder_of(tmp_path / "shop", reports / "latest") == reports
    assert reports_folder_of(tmp_path / "shop", tmp_path / "downloaded") == tmp_path / "downloaded"


# --- the pull request's base ---------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def test_the_base_commit_is_the_merge_base_with_the_fetched_base_branch(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "one")
    fork_point = git(root, "rev-parse", "HEAD")
    git(root, "update-ref", "refs/remotes/origin/main", fork_point)
    git(root, "checkout", "-q", "-b", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "two")
    git(root, "checkout", "-q", "main")
    git(root, "commit", "-q", "--allow-empty", "-m", "main moves on")
    git(root, "update-ref", "refs/remotes/origin/main", git(root, "rev-parse", "HEAD"))
    git(root, "checkout", "-q", "feature")

    assert pull_request_base(root, {"GITHUB_BASE_REF": "main"}) == fork_point
    assert pull_request_base(root, {}) is None  # not a pull request
    assert pull_request_base(root, {"GITHUB_BASE_REF": ""}) is None
    assert pull_request_base(root, {"GITHUB_BASE_REF": "release"}) is None  # never fetched
    outside = {"GITHUB_BASE_REF": "main", "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    assert pull_request_base(tmp_path, outside) is None  # not a git repository


def test_a_pull_request_run_records_its_base(config: ProjectConfig, tmp_path: Path) -> None:
    root = config.root
    git(root, "init", "-q", "-b", "feature")
    git(root, "commit", "-q", "--allow-empty", "-m", "one")
    base = git(root, "rev-parse", "HEAD")
    git(root, "update-ref", "refs/remotes/origin/main", base)
    git(root, "commit", "-q", "--allow-empty", "-m", "two")
    head = git(root, "rev-parse", "HEAD")
    reports = tmp_path / "elsewhere"
    a_run(config, reports)
    pipeline.run_report(root, reports, env={"GITHUB_BASE_REF": "main"}, history=reports)
    with HistoryStore(store_path(reports)) as store:
        (record,) = store.records()
        assert (record.git_sha, record.branch, record.base_sha) == (head, "feature", base)
        assert store.base_for(base_sha=base) is None  # the base itself was never recorded here
