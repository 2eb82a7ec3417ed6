"""`invoke pr-comment` end to end: the history, the run folder, and GitHub's API served on
127.0.0.1 by tests/support/github_server.py."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from invoke.program import Program

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import open_store
from cimaturity.prcomment.render import MARKER
from cimaturity.tasks import ns
from tests.support.github_server import GitHubServer
from tests.support.latest_run import make_latest_run
from tests.unit.prcomment.histories import BASE, IMPROVING, REGRESSING


def invoke(*argv: str) -> int:
    try:
        Program(namespace=ns, version="test").run(["invoke", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def project_with(tmp_path: Path, current: HistoryRecord) -> Path:
    """A project whose latest run is `current`, recorded after the base's record."""
    project = tmp_path / "svc"
    make_latest_run(project, current)
    reports = project / "reports"
    with open_store(reports) as store:
        store.append(BASE)
        store.append(current)
    return project


@pytest.fixture
def github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[GitHubServer]:
    with GitHubServer(issues=(7,)) as server:
        event = tmp_path / "event.json"
        event.write_text(json.dumps({"pull_request": {"number": 7}}))
        for name, value in server.env(GITHUB_EVENT_PATH=str(event), GITHUB_BASE_REF="main").items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        yield server


def test_the_comment_is_created_once_then_edited(tmp_path: Path, github: GitHubServer) -> None:
    project = project_with(tmp_path, IMPROVING)
    github.add_comment(7, "a reviewer's remark")
    assert invoke("pr-comment", "--project", str(project)) == 0
    assert invoke("pr-comment", "--project", str(project), "--gate") == 0  # held: the gate passes
    ours = [c for c in github.comments_of(7) if MARKER in c["body"]]
    assert len(ours) == 1 and len(github.comments_of(7)) == 2
    assert "## CI/CD maturity: 7.9/10 (▲ +0.5 vs main @ `aaaaaaa` (7.4))" in ours[0]["body"]


def test_the_gate_fails_a_regressing_change_after_posting(tmp_path: Path, github: GitHubServer) -> None:
    project = project_with(tmp_path, REGRESSING)
    assert invoke("pr-comment", "--project", str(project), "--gate") == 1
    (ours,) = github.comments_of(7)
    assert "**Hold the line: ❌ not held:**" in ours["body"]


def test_dry_run_prints_and_posts_nothing(
    tmp_path: Path, github: GitHubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_with(tmp_path, dataclasses.replace(IMPROVING, run_id="dry"))
    assert invoke("pr-comment", "--project", str(project), "--dry-run") == 0
    assert capsys.readouterr().out.startswith(MARKER)
    assert github.comments_of(7) == [] and not [r for r in github.requests if r.method != "GET"]


def test_a_forks_prepared_comment_goes_only_to_the_pull_request_at_that_commit(
    tmp_path: Path, github: GitHubServer
) -> None:
    body, target = tmp_path / "pr-comment.md", tmp_path / "pr-comment.target"
    body.write_text(f"{MARKER}\n## CI/CD maturity: 6.0/10\n")
    github.heads[7] = "f" * 40
    target.write_text(f"7\n{'f' * 40}\n")
    common = ("pr-comment", "--body-file", str(body), "--target-file", str(target))
    assert invoke(*common, "--expect-head-sha", "e" * 40) == 2  # the artifact claims another commit
    target.write_text(f"7\n{'e' * 40}\n")
    assert invoke(*common, "--expect-head-sha", "e" * 40) == 2  # the pull request has moved on
    assert github.comments_of(7) == []
    target.write_text(f"7\n{'f' * 40}\n")
    assert invoke(*common, "--expect-head-sha", "f" * 40) == 0
    assert [c["body"] for c in github.comments_of(7)] == [body.read_text()]


def test_no_run_or_no_record_is_one_line(
    tmp_path: Path, github: GitHubServer, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert invoke("pr-comment", "--project", str(empty), "--dry-run") == 2
    assert "no completed run; run `invoke ci` (or `invoke report`) first" in capsys.readouterr().err
