"""Run selected checks concurrently and record what happened, failing closed.

Steps, in the order `invoke ci` takes them: select -> run (each check: applicable? tools?
services? commands under one deadline, artifacts present, gate) -> record run.json -> switch
`latest`. Each run writes only into its own folder, `reports/runs/<run id>/` (`cimaturity.runs`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import socket
import sys
import time
import traceback
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Protocol
from urllib.parse import urlsplit

from cimaturity import __version__, proc, runs, workcopy
from cimaturity.config import ProjectConfig
from cimaturity.model import (
    ArtifactError,
    Check,
    CheckContext,
    CheckResult,
    Command,
    CommandOutcome,
    Service,
    Stage,
    Status,
    Verdict,
)
from cimaturity.runfile import EnvironmentInfo, GitInfo, RunRecord, write_run
from cimaturity.targetenv import TargetEnvError, TargetEnvironment
from cimaturity.targetenv import resolve as resolve_environment


class Profile(StrEnum):
    QUICK = "quick"  # no running service needed: fast and security stages
    FULL = "full"  # every stage
    PLAN = "plan"  # every stage, the load test at the plan's load (100 users, 2 minutes)

    @property
    def stages(self) -> frozenset[Stage]:
        if self is Profile.QUICK:
            return frozenset({Stage.FAST, Stage.SECURITY})
        return frozenset(Stage)


class SelectionError(Exception):
    """`--only` or `--skip` names a check that does not exist."""


class Progress(Protocol):
    def note(self, message: str) -> None: ...

    def started(self, check: Check) -> None: ...

    def finished(self, result: CheckResult) -> None: ...


class SilentProgress:
    def note(self, message: str) -> None:
        return None

    def started(self, check: Check) -> None:
        return None

    def finished(self, result: CheckResult) -> None:
        return None


@dataclass(frozen=True)
class Selection:
    """Checks to run, and checks left out with the reason (recorded as skipped)."""

    run: tuple[Check, ...]
    left_out: tuple[tuple[Check, str], ...]


def select(
    checks: Sequence[Check],
    config: ProjectConfig,
    *,
    profile: Profile = Profile.FULL,
    only: Sequence[str] = (),
    skip: Sequence[str] = (),
) -> Selection:
    known = {check.name for check in checks}
    for name in (*only, *skip):
        if name not in known:
            raise SelectionError(f"unknown check {name!r}; known checks: {', '.join(sorted(known))}")
    chosen: list[Check] = []
    left_out: list[tuple[Check, str]] = []
    for check in checks:
        if only and check.name not in only:
            continue  # not asked for: not part of this run at all
        if check.name in skip:
            left_out.append((check, "skipped on request (--skip)"))
        elif check.name in config.skip_checks:
            left_out.append((check, "turned off in [tool.cimaturity] skip_checks"))
        elif not only and check.stage not in profile.stages:
            left_out.append((check, f"not in the {profile.value} profile (stage {check.stage.value})"))
        else:
            chosen.append(check)
    return Selection(tuple(chosen), tuple(left_out))


def tool_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment checks run in: this interpreter's bin folder first on PATH.

    Tools installed beside cimaturity (ruff, bandit, ...) are then found even when the
    virtualenv is not activated.
    """
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", os.defpath)])
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return env


def project_environment(
    selection: Selection,
    config: ProjectConfig,
    environ: Mapping[str, str],
    explicit_python: str | None,
    say: Progress,
) -> TargetEnvironment | TargetEnvError | None:
    """The project's own environment when a selected check runs its code (None when none does).

    Resolved once, before any check starts: provisioning may take minutes the first time, and
    every check that runs project code must see the same interpreter.
    """
    if not any(check.runs_project_code for check in selection.run):
        return None
    try:
        target = resolve_environment(
            config.root, explicit=explicit_python, configured=config.python, environ=environ, say=say.note
        )
    except TargetEnvError as exc:
        say.note(f"project environment: {exc}")
        return exc
    say.note(f"project environment: Python {target.version}, {target.origin}")
    return target


def run_checks(
    selection: Selection,
    config: ProjectConfig,
    reports_dir: Path,
    *,
    jobs: int,
    profile: Profile,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
) -> RunRecord:
    """Run the selection into a folder of its own, `reports_dir/runs/<run id>/`; switch `latest`
    to it once its run.json is written, then prune old runs.

    The caller holds the reports folder's run lock (`cimaturity.runlock`): the start-up sweep
    removes the folders of killed runs, which only a lock holder may. An interrupted run (Ctrl-C,
    an exception, kill -9) leaves its folder without run.json, and `latest` where it was.
    """
    watcher = progress or SilentProgress()
    environment = tool_environment(env)
    started = _now()
    clock = time.monotonic()
    # Read before anything is written: our own reports folder must not make the repository dirty.
    git = git_info(config.root, environment, reports_dir)
    run_id = runs.new_run_id()
    run_dir = runs.start_run(reports_dir, run_id)
    artifacts_root = run_dir / runs.ARTIFACTS
    target = project_environment(selection, config, environment, python, watcher)

    def one(check: Check) -> CheckResult:
        watcher.started(check)
        ctx = CheckContext(config=config, artifact_dir=artifacts_root / check.name, env=environment)
        result = execute(check, ctx, target if check.runs_project_code else None)
        watcher.finished(result)
        return result

    skipped = [
        CheckResult(check.name, check.stage, Status.SKIPPED, reason, _now(), 0.0)
        for check, reason in selection.left_out
    ]
    for result in skipped:
        watcher.finished(result)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        try:
            ran = list(pool.map(one, selection.run))
        except KeyboardInterrupt:
            # The tools run in sessions of their own: end them (servers too) before the pool waits.
            proc.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    order = {
        check.name: index for index, check in enumerate([*selection.run, *(c for c, _ in selection.left_out)])
    }
    results = tuple(sorted([*ran, *skipped], key=lambda result: order[result.name]))
    record = RunRecord(
        run_id=run_id,
        project=str(config.root),
        profile=profile.value,
        jobs=jobs,
        git=git,
        environment=None
        if not isinstance(target, TargetEnvironment)
        else EnvironmentInfo(python_version=target.version, origin=target.origin),
        started_at=started,
        finished_at=_now(),
        duration_s=time.monotonic() - clock,
        tool_version=__version__,
        checks=results,
    )
    write_run(run_dir / runs.RUN_FILE, record)  # last: from here on the run is complete
    runs.publish(reports_dir, run_dir)
    return record


def execute(
    check: Check, ctx: CheckContext, target: TargetEnvironment | TargetEnvError | None = None
) -> CheckResult:
    """Run one check. Every failure to produce trustworthy evidence becomes `error`.

    A check that runs project code gets `target`, the project's environment (or why there is
    none): its commands then see the project's interpreter and scripts first on PATH.
    """
    target = ctx.target if target is None else target
    if isinstance(target, TargetEnvironment):
        ctx = dataclasses.replace(ctx, env=_project_env(target, ctx), target=target)
    started = _now()
    clock = time.monotonic()
    timeout_s = ctx.config.timeouts.get(check.name, check.timeout_s)
    _fresh_dir(ctx.artifact_dir)
    log_path = ctx.artifact_dir / "log.txt"

    def finish(verdict: Verdict, exit_code: int | None = None, version: str | None = None) -> CheckResult:
        present = tuple(
            str((ctx.artifact_dir / name).relative_to(ctx.artifact_dir.parent.parent))
            for name in expected
            if (ctx.artifact_dir / name).is_file()
        )
        return CheckResult(
            name=check.name,
            stage=check.stage,
            status=verdict.status,
            reason=verdict.reason,
            started_at=started,
            duration_s=time.monotonic() - clock,
            exit_code=exit_code,
            tool_version=version,
            artifacts=present,
            log=str(log_path.relative_to(ctx.artifact_dir.parent.parent)),
            metrics=verdict.metrics,
        )

    expected: tuple[str, ...] = check.artifacts
    with log_path.open("w", encoding="utf-8") as log:
        try:
            reason = check.not_applicable(ctx)
        except Exception as exc:  # a broken applicability probe must not pass the check
            log.write(traceback.format_exc())
            return finish(Verdict.error(f"applicability probe crashed: {type(exc).__name__}: {exc}"))
        if reason is not None:
            log.write(f"skipped: {reason}\n")
            return finish(Verdict(Status.SKIPPED, reason))
        if check.runs_project_code:
            if isinstance(target, TargetEnvError) or target is None:
                message = f"no project environment: {target or 'none was resolved'}"
                log.write(message + "\n")
                return finish(Verdict.error(message))
            log.write(f"project environment: Python {target.version}, {target.origin}\n")
        try:
            expected = check.expected_artifacts(ctx)
        except ArtifactError as exc:
            return finish(Verdict.error(str(exc)))
        unavailable = _unavailable(check, ctx, _quick_limit(timeout_s, clock))
        if unavailable is not None:
            log.write(unavailable.reason + "\n")
            return finish(unavailable)
        for service in check.services:
            problem = service_problem(service, ctx.config)
            if problem is not None:
                log.write(problem + "\n")
                return finish(Verdict.error(problem))
        version = (
            proc.capture(
                _argv(check.version_argv, ctx),
                cwd=ctx.root,
                env=ctx.env,
                timeout_s=_quick_limit(timeout_s, clock),
            )
            if check.version_argv
            else None
        )
        try:
            commands = check.commands(ctx)
        except ArtifactError as exc:
            return finish(Verdict.error(str(exc)), None, version)
        except Exception as exc:  # a bug building the command line is an error, never a pass
            log.write(traceback.format_exc())
            return finish(
                Verdict.error(f"could not build the command: {type(exc).__name__}: {exc}"), None, version
            )
        try:
            with _workdir(check, ctx, expected, log) as (workdir, workdir_env):
                outcomes, exit_code, failure = _run_commands(
                    commands, ctx, workdir, workdir_env, clock + timeout_s, timeout_s, log
                )
        except workcopy.WorkingCopyError as exc:
            log.write(f"{exc}\n")
            return finish(Verdict.error(str(exc)), None, version)
        if failure is not None:
            return finish(failure, exit_code, version)
        absent = [name for name in expected if not _nonempty(ctx.artifact_dir / name)]
        if absent:
            # The tool's own complaint says why; "file missing" alone hides the cause.
            said = proc.first_error_line(outcomes[-1].output) if outcomes else "no command ran"
            message = f"{absent[0]} missing or empty; the tool said: {said}"
            log.write(message + "\n")
            return finish(Verdict.error(message), exit_code, version)
        try:
            verdict = check.gate(ctx, outcomes)
        except ArtifactError as exc:
            log.write(f"gate: {exc}\n")
            return finish(Verdict.error(str(exc)), exit_code, version)
        except Exception as exc:  # a gate bug is an error, never a pass
            log.write(traceback.format_exc())
            return finish(Verdict.error(f"gate crashed: {type(exc).__name__}: {exc}"), exit_code, version)
        log.write(f"gate: {verdict.status.value}: {verdict.reason}\n")
        return finish(verdict, exit_code, version)


def _run_commands(
    commands: Sequence[Command],
    ctx: CheckContext,
    workdir: Path,
    workdir_env: Mapping[str, str],
    deadline: float,
    timeout_s: float,
    log: IO[str],
) -> tuple[list[CommandOutcome], int | None, Verdict | None]:
    """Run the commands in order in `workdir` until `deadline` (monotonic; the check's
    `timeout_s` in all): their outcomes, the last exit code, and the error that stopped them (a
    missing tool, a timeout, an exit code outside the command's own)."""
    outcomes: list[CommandOutcome] = []
    exit_code: int | None = None
    for command in commands:
        try:
            result = proc.run(
                _argv(command.argv, ctx),
                cwd=command.cwd or workdir,
                env={**ctx.env, **workdir_env, **command.env},
                timeout_s=deadline - time.monotonic(),
                log=log,
            )
        except proc.ToolMissingError as exc:
            return outcomes, None, Verdict.error(str(exc))
        except proc.CommandTimeoutError:
            return outcomes, None, Verdict.error(f"{_tool_name(command)} timed out after {timeout_s:.0f}s")
        except OSError as exc:
            return outcomes, None, Verdict.error(f"{command.tool} could not start: {exc}")
        exit_code = result.exit_code
        if result.exit_code not in command.ok_exit_codes:
            expected_codes = " or ".join(str(code) for code in sorted(command.ok_exit_codes))
            return (
                outcomes,
                exit_code,
                Verdict.error(
                    f"{_tool_name(command)} failed: exit {result.exit_code} (expected {expected_codes}): "
                    f"{proc.first_error_line(result.output)}"
                ),
            )
        outcomes.append(CommandOutcome(command, result.exit_code, result.duration_s, result.output))
    return outcomes, exit_code, None


@contextlib.contextmanager
def _workdir(
    check: Check, ctx: CheckContext, artifacts: Sequence[str], log: IO[str]
) -> Iterator[tuple[Path, dict[str, str]]]:
    """Where the commands run, and what that adds to their environment: the project root, or a
    throwaway copy of it for a check that runs the project's tests (`Check.in_working_copy`),
    whose artifacts then name the project instead of the copy."""
    if not check.in_working_copy:
        yield ctx.root, {}
        return
    with workcopy.working_copy(ctx.root, ctx.env) as copy:
        log.write(f"running in a copy of the project, {copy} (the project is never written to)\n")
        yield copy, workcopy.python_path(copy, ctx.env)
        workcopy.write_back_paths((ctx.artifact_dir / name for name in artifacts), copy, ctx.root)


def _quick_limit(timeout_s: float, clock: float) -> float:
    """A quick query's limit (version, probe): 20 s, never past the check's own deadline."""
    return max(0.1, min(20.0, timeout_s - (time.monotonic() - clock)))


def _unavailable(check: Check, ctx: CheckContext, limit_s: float) -> Verdict | None:
    """A missing tool or a failed probe: `error`, or `skipped` for a check that runs elsewhere
    (never inside GitHub Actions, where "elsewhere" is here)."""
    missing = [tool for tool in check.tools if proc.which(tool, ctx.env) is None]
    if missing:
        problem = f"tool not found on PATH: {', '.join(missing)}"
        if check.extra is not None:
            problem += f'; install the "{check.extra}" extra: pip install "cimaturity[{check.extra}]"'
    else:
        failed = next(
            (
                probe
                for probe in check.probes
                if proc.capture(list(probe.argv), cwd=ctx.root, env=ctx.env) is None
            ),
            None,
        )
        if failed is None:
            return None
        problem = f"no {failed.needs} on this machine ({' '.join(failed.argv)} failed)"
    if check.runs_elsewhere is not None and ctx.env.get("GITHUB_ACTIONS") != "true":
        return Verdict(Status.SKIPPED, f"{problem}; {check.runs_elsewhere}")
    return Verdict.error(problem)


def service_problem(service: Service, config: ProjectConfig, timeout_s: float = 2.0) -> str | None:
    """None when the service accepts a TCP connection, else a one-line reason."""
    url = config.database_url if service is Service.POSTGRES else config.redis_url
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or (5432 if service is Service.POSTGRES else 6379)
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return None
    except OSError as exc:
        return f"needs {service.value} at {host}:{port}, which is unreachable: {exc.strerror or exc}"


def git_info(root: Path, env: Mapping[str, str], reports_dir: Path | None = None) -> GitInfo:
    """The repository's state; `reports_dir` (our own output) never counts as a change."""
    sha = proc.capture(["git", "rev-parse", "HEAD"], cwd=root, env=env)
    branch = proc.capture(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=root, env=env)
    if sha is None:
        return GitInfo(None, None, None)
    excluded: list[str] = []
    if reports_dir is not None and reports_dir.resolve().is_relative_to(root.resolve()):
        excluded = [f":(exclude){reports_dir.resolve().relative_to(root.resolve()).as_posix()}"]
    try:
        argv = ["git", "status", "--porcelain", "--", ".", *excluded]
        status = proc.run(argv, cwd=root, env=env, timeout_s=20)
        dirty: bool | None = bool(status.output.strip()) if status.exit_code == 0 else None
    except (proc.ToolMissingError, proc.CommandTimeoutError, OSError):
        dirty = None
    return GitInfo(sha, branch, dirty)


def _fresh_dir(path: Path) -> None:
    """Stale artifacts from an earlier run must never count as this run's evidence."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def _nonempty(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _project_env(target: TargetEnvironment, ctx: CheckContext) -> dict[str, str]:
    env = target.environ(ctx.env)
    # The project's tests run as the project runs them: with its plugins, its own bytecode
    # left alone, and caches (hypothesis) kept out of its tree.
    env.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(ctx.artifact_dir / ".hypothesis")
    return env


def _argv(argv: Sequence[str], ctx: CheckContext) -> list[str]:
    """`python` in a declared command means the project's interpreter when it has one."""
    if argv and argv[0] == "python" and ctx.target is not None:
        return [str(ctx.target.python), *argv[1:]]
    return list(argv)


def _tool_name(command: Command) -> str:
    """`pytest` for `/x/bin/python -m pytest`, `mypy` for `/x/bin/mypy`: what a person would call it."""
    argv = command.argv
    if len(argv) > 2 and argv[1] == "-m":
        if argv[2] == "cimaturity.tools.capture" and "--" in argv[:-1]:
            return Path(argv[argv.index("--") + 1]).name  # the tool whose report it keeps
        return str(argv[2]).removeprefix("cimaturity.tools.")
    return Path(argv[0]).name


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
