"""`invoke report`: score the run's evidence against the rubric; write maturity.md/.html, summary.json."""

from __future__ import annotations

import os
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task


@task(
    help={
        "project": "the repository whose workflows and files are judged (default: this one)",
        "artifacts": "a reports folder (its latest run is read) or one run folder holding run.json "
        "(default: PROJECT/reports)",
        "rubric": "a rubric TOML file (default: [tool.cimaturity] rubric, else the builtin rubric)",
        "no-history": "do not append the scored run to the reports folder's history",
        "merge": "merge these runs first (repeatable, or comma-separated): run folders, or folders "
        "holding them (the workflow's downloaded reports-* artifacts); the merged run is scored",
    },
    iterable=["merge"],
)
def report(
    c: Context,
    project: str = ".",
    artifacts: str = "",
    rubric: str = "",
    no_history: bool = False,
    merge: list[str] | None = None,
) -> None:
    """Write the CI/CD maturity report (Markdown, HTML, summary.json) from a run's artifacts.

    The report goes into the run's folder; reports/maturity.md (and the others) show the latest.
    The scored run is appended to REPORTS/history/history.sqlite3 (`invoke history` lists it).

    In GitHub Actions it also appends the Markdown to $GITHUB_STEP_SUMMARY and prints ::error
    annotations for findings of failed gates.
    """
    from cimaturity.history.recording import reports_folder_of
    from cimaturity.report.pipeline import ReportError, run_report  # heavy: only when reporting

    history = None if no_history else reports_folder_of(Path(project).resolve(), artifacts or None)
    sources = [Path(part) for value in merge or () for part in value.split(",") if part.strip()]
    if sources:
        _merge(sources, Path(artifacts).resolve() if artifacts else Path(project).resolve() / "reports")
    try:
        score, paths, annotations = run_report(
            project, artifacts or None, rubric or None, os.environ, history=history
        )
    except ReportError as exc:
        raise Exit(f"cimaturity report: {exc}", code=2) from None
    for line in annotations:
        print(line)
    print(f"maturity score: {score.score:.1f}/10 ({score.points:.1f} of {score.max_points:.1f} points)")
    for path in paths:
        print(f"wrote {path}")


def _merge(sources: list[Path], reports_dir: Path) -> None:
    from cimaturity.merge import MergeError, merge_runs
    from cimaturity.tasks.ci import one_run_at_a_time

    with one_run_at_a_time(reports_dir):
        try:
            folder = merge_runs(sources, reports_dir)
        except MergeError as exc:
            raise Exit(f"cimaturity report: {exc}", code=2) from None
    print(f"merged {len(sources)} source(s) into {folder}")
