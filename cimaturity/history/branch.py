"""The history in GitHub Actions: a `cimaturity-history` branch holding `history.jsonl` (one record
per line) and the badges, shared by every workflow run.

- `pull` fetches the branch and adds its records to the local store (a missing branch: none yet).
- `push` merges the branch's latest records in again, writes the store's records and the
  badges as one commit on top of the branch's tip and pushes it. Another run that pushed first
  makes the push a non-fast-forward: the branch is fetched again, merged (records are keyed by
  run, so nothing is lost or doubled) and pushed again, a few times.

The commit is made with git's plumbing (`hash-object`, `mktree`, `commit-tree`) from the files'
contents: the work tree, the index and HEAD of the checked-out repository are never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cimaturity import proc
from cimaturity.history.badges import badges_for
from cimaturity.history.store import HistoryError, open_store

BRANCH = "cimaturity-history"
HISTORY_FILE = "history.jsonl"
ATTEMPTS = 5
_IDENTITY = {
    "GIT_AUTHOR_NAME": "cimaturity",
    "GIT_AUTHOR_EMAIL": "cimaturity@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "cimaturity",
    "GIT_COMMITTER_EMAIL": "cimaturity@users.noreply.github.com",
}


@dataclass(frozen=True)
class PushResult:
    commit: str
    records: int
    attempts: int


def pull(project_root: Path, reports_dir: Path, *, remote: str = "origin", env: Mapping[str, str]) -> int:
    """How many records the branch added to the local store (0 when the branch does not exist)."""
    git = _Git(project_root, env)
    tip = git.fetch(remote)
    return 0 if tip is None else _import(git, tip, reports_dir)


def push(
    project_root: Path, reports_dir: Path, *, remote: str = "origin", env: Mapping[str, str]
) -> PushResult:
    git = _Git(project_root, env)
    for attempt in range(1, ATTEMPTS + 1):
        tip = git.fetch(remote)
        if tip is not None:
            _import(git, tip, reports_dir)
        with open_store(reports_dir) as store:
            records = store.records()
        lines = "".join(record_line(record.to_json()) for record in records)
        files = {
            HISTORY_FILE: lines.encode(),
            **{f"badges/{n}": svg.encode() for n, svg in badges_for(records).items()},
        }
        commit = git.commit(files, parent=tip, message=f"history: {len(records)} record(s)")
        if git.push(remote, commit):
            return PushResult(commit, len(records), attempt)
    raise HistoryError(
        f"{remote}/{BRANCH}: still moving after {ATTEMPTS} tries; the records stay in the local store"
    )


def record_line(document: Mapping[str, object]) -> str:
    return json.dumps(document, separators=(",", ":")) + "\n"


def _import(git: _Git, tip: str, reports_dir: Path) -> int:
    text = git.show(tip, HISTORY_FILE)
    if text is None:
        return 0
    with tempfile.TemporaryDirectory(prefix="cimaturity-history-") as folder:
        path = Path(folder) / HISTORY_FILE
        path.write_bytes(text)
        with open_store(reports_dir) as store:
            return store.import_jsonl(path)


class _Git:
    """The few git commands the sync needs, each failing as one `HistoryError` line."""

    def __init__(self, root: Path, env: Mapping[str, str]) -> None:
        self.root = root
        self.env = {**os.environ, **env, **_IDENTITY, "GIT_TERMINAL_PROMPT": "0"}

    def run(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> tuple[int, bytes]:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.root,
                env=self.env,
                input=stdin,
                capture_output=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise HistoryError(f"git {args[0]}: {exc}") from None
        if done.returncode not in ok:
            said = proc.first_error_line(
                done.stderr.decode("utf-8", "replace") or done.stdout.decode("utf-8", "replace")
            )
            raise HistoryError(f"git {args[0]} failed (exit {done.returncode}): {said}")
        return done.returncode, done.stdout

    def fetch(self, remote: str) -> str | None:
        """The branch's tip on `remote`, fetched; None when the branch does not exist yet."""
        code, _ = self.run("fetch", "--quiet", "--no-tags", remote, f"refs/heads/{BRANCH}", ok=(0, 128))
        if code != 0:
            _, listed = self.run("ls-remote", "--heads", remote, BRANCH)
            if listed.strip():  # the branch exists, yet it could not be fetched: a real failure
                self.run("fetch", "--quiet", "--no-tags", remote, f"refs/heads/{BRANCH}")
            return None
        _, sha = self.run("rev-parse", "FETCH_HEAD^{commit}")
        return sha.decode().strip()

    def show(self, commit: str, name: str) -> bytes | None:
        code, data = self.run("cat-file", "blob", f"{commit}:{name}", ok=(0, 128))
        return data if code == 0 else None

    def blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", stdin=data)[1].decode().strip()

    def tree(self, entries: Mapping[str, bytes]) -> str:
        """A tree of `entries` ("badges/score.svg" -> content), sub-folders included."""
        here: dict[str, bytes] = {}
        below: dict[str, dict[str, bytes]] = {}
        for name, data in entries.items():
            head, _, rest = name.partition("/")
            if rest:
                below.setdefault(head, {})[rest] = data
            else:
                here[name] = data
        lines = [f"100644 blob {self.blob(data)}\t{name}" for name, data in sorted(here.items())]
        lines += [f"040000 tree {self.tree(sub)}\t{name}" for name, sub in sorted(below.items())]
        return self.run("mktree", stdin=("\n".join(lines) + "\n").encode())[1].decode().strip()

    def commit(self, files: Mapping[str, bytes], *, parent: str | None, message: str) -> str:
        args = ["commit-tree", self.tree(files), "-m", message]
        if parent is not None:
            args += ["-p", parent]
        return self.run(*args)[1].decode().strip()

    def push(self, remote: str, commit: str) -> bool:
        """True once pushed; False when the branch moved meanwhile (non-fast-forward): fetch again."""
        code, _ = self.run("push", "--quiet", remote, f"{commit}:refs/heads/{BRANCH}", ok=(0, 1))
        return code == 0
