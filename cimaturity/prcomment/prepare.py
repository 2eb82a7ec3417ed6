"""Everything the PR comment needs, gathered from the reports folder, its history and git:
this run's record, the base's, the base branch's recent records (p95 noise), coverage of the
changed lines; then compared, judged and rendered (`prepare_comment`).

This run's record is the one `invoke ci` / `invoke report` appended for the latest run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cimaturity import proc, runs
from cimaturity.formats.runjson import read_run
from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import HistoryError, open_store
from cimaturity.model import ArtifactError
from cimaturity.prcomment.compare import Comparison, compare
from cimaturity.prcomment.diffcov import DiffCoverage, diff_coverage
from cimaturity.prcomment.gate import GateResult, hold_the_line
from cimaturity.prcomment.render import Links, render_comment

COVERAGE_XML = Path("artifacts") / "test" / "coverage.xml"
NOISE_RUNS = 10  # the base branch's latest runs whose p95 spread is the noise allowance


class CommentError(Exception):
    """Nothing to comment on (no run, no record); one line saying what to run first."""


@dataclass(frozen=True)
class PreparedComment:
    body: str
    comparison: Comparison
    gate: GateResult
    diff: DiffCoverage


def prepare_comment(
    project_root: Path, reports_dir: Path, base_branch: str, env: Mapping[str, str]
) -> PreparedComment:
    run_folder = runs.latest_run(reports_dir)
    if run_folder is None:
        raise CommentError(f"{reports_dir}: no completed run; run `invoke ci` (or `invoke report`) first")
    try:
        run_id = read_run(run_folder / runs.RUN_FILE, within=run_folder).info.run_id
        with open_store(reports_dir) as store:
            current = store.get(run_id)
            if current is None:
                raise CommentError(
                    f"{reports_dir}: the latest run ({run_id}) has no history record; "
                    "run `invoke report` to record it"
                )
            of_commit = store.latest(sha=current.base_sha) if current.base_sha else None
            recent = store.records(branch=base_branch, limit=NOISE_RUNS + 1)
    except (ArtifactError, HistoryError) as exc:
        raise CommentError(str(exc)) from None
    earlier = [record for record in recent if record.run_id != current.run_id]
    base = of_commit if of_commit is not None and of_commit.run_id != current.run_id else None
    base = base or (earlier[-1] if earlier else None)
    # the base branch's recent runs up to the base: their spread of p95 is the noise allowance
    history = [record for record in earlier if base is not None and record.recorded_at <= base.recorded_at]
    comparison = compare(current, base, history)
    gate = hold_the_line(comparison)
    diff = diff_coverage(
        project_root, run_folder / COVERAGE_XML, _compare_ref(project_root, base_branch, base, env), env
    )
    links = Links(report=_run_url(env), base_label=_base_label(base, base_branch))
    body = render_comment(comparison, gate, links=links, diff_coverage=diff.percent)
    return PreparedComment(body, comparison, gate, diff)


def _compare_ref(
    project_root: Path, base_branch: str, base: HistoryRecord | None, env: Mapping[str, str]
) -> str:
    """`origin/<base>` when fetched (as in CI), else the local branch, else the base record's commit."""
    for ref in (f"origin/{base_branch}", base_branch):
        if proc.capture(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=project_root, env=dict(env)
        ):
            return ref
    return base.git_sha if base is not None and base.git_sha else base_branch


def _run_url(env: Mapping[str, str]) -> str | None:
    """The workflow run, whose page lists the uploaded `maturity-report` artifact."""
    server, repository, run_id = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if server and repository and run_id:
        return f"{server}/{repository}/actions/runs/{run_id}"
    return None


def _base_label(base: HistoryRecord | None, base_branch: str) -> str | None:
    if base is None:
        return None
    sha = f" @ `{base.git_sha[:7]}`" if base.git_sha else ""
    return f"{base.branch or base_branch}{sha}"
