"""`invoke history-sync`: the history's `cimaturity-history` branch, pulled into and pushed from
the local store (what the workflow's report job does around `invoke report`)."""

from __future__ import annotations

import os
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task


@task(
    name="history-sync",
    help={
        "pull": "add the branch's records to the local store (first: the base's records for the PR comment)",
        "push": "write the store's records and the badges to the branch and push it (retried when "
        "another run pushed first)",
        "project": "the repository (default: this one)",
        "reports": "its reports folder, whose history/ holds the store (default: PROJECT/reports)",
        "remote": "the git remote (default: origin)",
    },
)
def history_sync(
    c: Context,
    pull: bool = False,
    push: bool = False,
    project: str = ".",
    reports: str = "",
    remote: str = "origin",
) -> None:
    """Pull and/or push the run history on the `cimaturity-history` branch (history.jsonl, badges).

    The checked-out work tree, index and HEAD are never touched: the branch's commit is built
    from the records with git's plumbing.
    """
    from cimaturity.history import branch
    from cimaturity.history.store import HistoryError

    if not pull and not push:
        raise Exit("cimaturity history-sync: say --pull, --push or both", code=2)
    root = Path(project).resolve()
    reports_dir = Path(reports).resolve() if reports else root / "reports"
    try:
        if pull:
            added = branch.pull(root, reports_dir, remote=remote, env=os.environ)
            print(f"history: {added} record(s) added from {remote}/{branch.BRANCH}")
        if push:
            result = branch.push(root, reports_dir, remote=remote, env=os.environ)
            tries = "" if result.attempts == 1 else f" after {result.attempts} tries"
            print(f"history: {result.records} record(s) pushed to {remote}/{branch.BRANCH}{tries}")
    except HistoryError as exc:
        raise Exit(f"cimaturity history-sync: {exc}", code=2) from None
