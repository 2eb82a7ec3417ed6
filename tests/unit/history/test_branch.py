"""The history branch through real git: a bare repository stands in for GitHub's remote."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from cimaturity.history import branch
from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import HistoryError, open_store
from tests.unit.prcomment.histories import BASE

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@t",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@t",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(origin)], check=True)
    seed = tmp_path / "seed"
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    (seed / "app.py").write_text("print('hi')\n")
    git(seed, "add", ".")
    git(seed, "commit", "-qm", "app")
    git(seed, "push", "-q", str(origin), "main")
    return origin


def clone(remote: Path, where: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(remote), str(where)], check=True, env={**os.environ, **GIT_ENV})
    return where


def record(run: str, score: float = 7.0, branch_name: str = "main") -> HistoryRecord:
    return dataclasses.replace(BASE, run_id=run, recorded_at=f"2026-11-{10 + len(run):02d}T10:00:00+00:00",
                               score=score, branch=branch_name)  # fmt: skip


def add(reports: Path, *records: HistoryRecord) -> None:
    with open_store(reports) as store:
        for item in records:
            store.append(item)


def run_ids(reports: Path) -> list[str]:
    with open_store(reports) as store:
        return sorted(r.run_id for r in store.records())


def test_a_first_pull_finds_no_branch_and_a_push_creates_it(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "a")
    reports = work / "reports"
    assert branch.pull(work, reports, env={}) == 0
    add(reports, record("r1", 6.0), record("r22", 8.6))
    head_before = git(work, "rev-parse", "HEAD")
    result = branch.push(work, reports, env={})
    assert (result.records, result.attempts) == (2, 1)
    listed = git(work, "ls-tree", "-r", "--name-only", result.commit)
    assert listed.splitlines() == ["badges/coverage.svg", "badges/score.svg", "history.jsonl"]
    score_badge = git(work, "cat-file", "blob", f"{result.commit}:badges/score.svg")
    assert "8.6/10" in score_badge and "<svg" in score_badge
    # the checked-out repository is untouched: same HEAD, clean tree apart from our reports
    assert git(work, "rev-parse", "HEAD") == head_before
    assert git(work, "status", "--porcelain", "--", ".", ":(exclude)reports") == ""
    other = clone(remote, tmp_path / "b")
    assert branch.pull(other, other / "reports", env={}) == 2
    assert run_ids(other / "reports") == ["r1", "r22"]


def test_a_push_that_lost_the_race_merges_and_loses_nothing(
    remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b")
    add(first / "reports", record("a1"))
    branch.push(first, first / "reports", env={})
    add(first / "reports", record("a22"))
    add(second / "reports", record("b333"))
    real_push = branch._Git.push
    raced: list[bool] = []

    def push_after_the_other_run(self: branch._Git, remote_name: str, commit: str) -> bool:
        if self.root == second and not raced:  # the other run pushes between our fetch and our push
            raced.append(True)
            branch.push(first, first / "reports", env={})
        return real_push(self, remote_name, commit)

    monkeypatch.setattr(branch._Git, "push", push_after_the_other_run)
    result = branch.push(second, second / "reports", env={})
    assert result.attempts == 2 and raced == [True]
    third = clone(remote, tmp_path / "c")
    branch.pull(third, third / "reports", env={})
    assert run_ids(third / "reports") == ["a1", "a22", "b333"]


def test_a_remote_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    work = tmp_path / "w"
    work.mkdir()
    git(work, "init", "-q")
    with pytest.raises(HistoryError, match=r"^git (fetch|ls-remote) failed \(exit \d+\): "):
        branch.pull(work, work / "reports", remote=str(tmp_path / "nowhere.git"), env={})
