"""`invoke ci`: run the checks, write run.json and artifacts, exit non-zero on a failed gate.

Each run goes to its own `reports/runs/<run id>/`; `reports/latest` is switched to it once it
completed, and `reports/run.json`, `reports/artifacts` follow (`cimaturity.runs`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from cimaturity.config import LOAD_PROFILES, ConfigError, load_config, validate_check_names
from cimaturity.progress import ConsoleProgress
from cimaturity.registry import CHECKS, is_known
from cimaturity.runfile import RunRecord
from cimaturity.runlock import RunLockedError, exclusive
from cimaturity.runner import Profile, SelectionError, run_checks, select
from cimaturity.runs import RUN_FILE, run_folder


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def parse_jobs(value: str) -> int:
    """`--jobs` as text: invoke's own int conversion would end in a traceback on a typo."""
    if not value:
        return 0
    if not value.isdigit() or int(value) < 1:
        raise Exit(f"cimaturity: --jobs must be a whole number of at least 1, got {value!r}", code=2)
    return int(value)


@contextlib.contextmanager
def run_pipeline(
    *,
    project: str = ".",
    reports: str = "",
    profile: str = "full",
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
    jobs: int = 0,
    python: str = "",
) -> Iterator[RunRecord]:
    """Shared by `invoke ci` and the per-check tasks: validate, then run holding the reports folder
    until the caller is done with it (its report included). Raises Exit with a one-line message."""
    try:
        chosen_profile = Profile(profile)
    except ValueError:
        raise Exit(f"--profile must be one of: {', '.join(p.value for p in Profile)}", code=2) from None
    try:
        config = load_config(Path(project))
        if chosen_profile is Profile.PLAN:  # the plan's load; the project's own limits stay
            plan = LOAD_PROFILES["plan"]
            load = dataclasses.replace(
                config.performance, users=plan.users, spawn_rate=plan.spawn_rate, seconds=plan.seconds
            )
            config = dataclasses.replace(config, performance=load)
        validate_check_names(config, is_known)
        selection = select(CHECKS, config, profile=chosen_profile, only=only, skip=skip)
    except (ConfigError, SelectionError) as exc:
        raise Exit(f"cimaturity: {exc}", code=2) from None
    reports_dir = reports_folder(project, reports)
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    with one_run_at_a_time(reports_dir):
        with ConsoleProgress() as progress, _interruptible():
            record = run_checks(
                selection,
                config,
                reports_dir,
                jobs=workers,
                profile=chosen_profile,
                progress=progress,
                python=python or None,
            )
        yield record


def reports_folder(project: str, reports: str) -> Path:
    """`--reports`, else the project's own `reports/`."""
    return Path(reports).resolve() if reports else Path(project).resolve() / "reports"


@contextlib.contextmanager
def one_run_at_a_time(reports_dir: Path) -> Iterator[None]:
    """Hold the reports folder for the whole run and its report; a second run refuses in one line."""
    try:
        with exclusive(reports_dir):
            yield
    except RunLockedError as exc:
        raise Exit(f"cimaturity: {exc}", code=2) from None


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C ends the run with one line (the runner has already stopped every tool it started)."""
    try:
        yield
    except KeyboardInterrupt:
        raise Exit("cimaturity: interrupted; every running tool was stopped", code=130) from None


def finish(record: RunRecord, reports_dir: Path) -> None:
    blocking = [result for result in record.checks if result.status.blocks]
    print(f"run record: {shown(run_folder(reports_dir, record.run_id) / RUN_FILE)}")
    if blocking:
        names = ", ".join(f"{result.name} ({result.status.value})" for result in blocking)
        raise Exit(f"cimaturity: gates not passed: {names}", code=1)


@task(
    help={
        "only": "comma-separated checks to run (default: all in the profile)",
        "skip": "comma-separated checks to leave out",
        "profile": "quick (fast + security stages, no running service), full (every stage), or plan "
        "(every stage, the load test at the plan's 100 users for 2 minutes)",
        "project": "the repository to check (default: this one)",
        "jobs": "checks to run at once (default: number of cores)",
        "reports": "the reports folder: runs/<run id>/ with run.json and artifacts/, and latest "
        "(default: PROJECT/reports)",
        "python": "the project's interpreter for its tests and type check (default: its active "
        "virtualenv, its .venv, else one provisioned by uv from its lockfile)",
        "no-history": "do not append this run to REPORTS/history/history.sqlite3",
    }
)
def ci(
    c: Context,
    only: str = "",
    skip: str = "",
    profile: str = "full",
    project: str = ".",
    jobs: str = "",
    reports: str = "",
    python: str = "",
    no_history: bool = False,
) -> None:
    """Run every CI check (as GitHub Actions does) into reports/runs/<run id>/, then make it latest.

    Exits non-zero when any gate fails or errors. A check whose tool is missing, crashes,
    times out or writes no usable artifact is an error, never a pass.
    """
    with run_pipeline(
        project=project,
        reports=reports,
        profile=profile,
        only=_names(only),
        skip=_names(skip),
        jobs=parse_jobs(jobs),
        python=python,
    ) as record:
        _report_and_finish(record, reports_folder(project, reports), history=not no_history)


def shown(path: Path) -> Path:
    """`reports/runs/<id>/run.json` when under the current folder, else the absolute path."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _report_and_finish(record: RunRecord, reports_dir: Path, *, history: bool = True) -> None:
    # Imported here: pandas and matplotlib cost a second and a half that `invoke lint` never needs.
    from cimaturity.report.pipeline import ReportError, run_report

    # The report is the last step: it scores whatever evidence the run left, failed gates included.
    # It reads this run's own folder (never whatever `latest` names by then) and is written there,
    # then the scored run is appended to the reports folder's history.
    try:
        score, paths, annotations = run_report(
            record.project,
            run_folder(reports_dir, record.run_id),
            None,
            os.environ,
            history=reports_dir if history else None,
        )
    except ReportError as exc:
        print(f"cimaturity report: {exc}", file=sys.stderr)
        finish(record, reports_dir)  # the gates' verdict first, when it is a failure
        raise Exit("cimaturity: the checks passed but the report could not be written", code=2) from None
    for line in annotations:
        print(line)
    print(f"maturity score: {score.score:.1f}/10 -> {shown(paths[0])}")
    finish(record, reports_dir)
