"""Recording a scored run: what `invoke ci` and `invoke report` do once the report is written.

Recording is a side effect the run must survive: any failure is one line on stderr
(`cimaturity history: <reason>`), never an exit code, never a lost report.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from cimaturity import proc
from cimaturity.history.record import HistoryRecord, record_from
from cimaturity.history.store import HistoryError, open_store
from cimaturity.report.evidence import Evidence
from cimaturity.report.scoring import Score
from cimaturity.runs import RUNS


def reports_folder_of(project_root: Path, artifacts: str | Path | None) -> Path:
    """The reports folder whose `history/` keeps the store, for the report's `--artifacts`.

    PROJECT/reports by default; for one run's folder (`reports/runs/<id>`, or `reports/latest`)
    its reports folder; any other folder (a reports folder, a downloaded run) is its own."""
    if not artifacts:
        return project_root / "reports"
    folder = Path(artifacts).resolve()
    return folder.parent.parent if folder.parent.name == RUNS else folder


def pull_request_base(project_root: Path, env: Mapping[str, str]) -> str | None:
    """The commit a pull request is compared with: in GitHub Actions (`GITHUB_BASE_REF` set),
    `git merge-base HEAD origin/<base>` when that ref was fetched; else None."""
    base_ref = env.get("GITHUB_BASE_REF", "").strip()
    if not base_ref:
        return None
    ref = f"origin/{base_ref}"
    git_env = {**os.environ, **env}
    verify = ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]
    if proc.capture(verify, cwd=project_root, env=git_env) is None:
        return None
    return proc.capture(["git", "merge-base", "HEAD", ref], cwd=project_root, env=git_env)


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def record_run(
    reports_dir: Path,
    score: Score,
    evidence: Evidence,
    *,
    project_root: Path,
    env: Mapping[str, str],
    recorded_at: str | None = None,
) -> HistoryRecord | None:
    """Append the run's record to the store of `reports_dir`; the record, or None when it could
    not be recorded (the reason printed on stderr, in one line)."""
    try:
        record = record_from(
            score,
            evidence,
            project=project_root.name,
            recorded_at=recorded_at or now_utc(),
            base_sha=pull_request_base(project_root, env),
        )
        with open_store(reports_dir) as store:
            store.append(record)
    # Deliberately broad: the history is a by-product of the report, and whatever goes wrong in
    # it (a HistoryError, a full disk, an evidence frame of an unexpected shape) must neither
    # fail the run nor hide the report that was already written. The reason is still shown.
    except Exception as exc:
        reason = " ".join(str(exc).split())
        if not isinstance(exc, HistoryError):
            reason = f"{type(exc).__name__}: {reason}" if reason else type(exc).__name__
        print(f"cimaturity history: {reason}", file=sys.stderr)
        return None
    return record
