"""Run selected checks concurrently and record what happened, failing closed.

Steps, in the order `invoke ci` takes them: select -> run (each check: applicable? tools?
services? commands under one deadline, artifacts present, gate) -> record run.json.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from cimaturity import __version__, proc
from cimaturity.config import ProjectConfig
from cimaturity.model import (
    ArtifactError,
    Check,
    CheckContext,
    CheckResult,
    CommandOutcome,
    Service,
    Stage,
    Status,
    Verdict,
)
from cimaturity.runfile import GitInfo, RunRecord, write_run


class Profile(StrEnum):
    QUICK = "quick"  # no running service needed: fast and security stages
    FULL = "full"  # every stage

    @property
    def stages(self) -> frozenset[Stage]:
        if self is Profile.QUICK:
            return frozenset({Stage.FAST, Stage.SECURITY})
        return frozenset(Stage)


class SelectionError(Exception):
    """`--only` or `--skip` names a check that does not exist."""


class Progress(Protocol):
    def started(self, check: Check) -> None: ...

    def finished(self, result: CheckResult) -> None: ...


class SilentProgress:
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


def run_checks(
    selection: Selection,
    config: ProjectConfig,
    reports_dir: Path,
    *,
    jobs: int,
    profile: Profile,
    progress: Progress | None = None,
    env: Mapping[str, str] | None = None,
) -> RunRecord:
    watcher = progress or SilentProgress()
    environment = tool_environment(env)
    started = _now()
    clock = time.monotonic()
    artifacts_root = reports_dir / "artifacts"

    def one(check: Check) -> CheckResult:
        watcher.started(check)
        ctx = CheckContext(config=config, artifact_dir=artifacts_root / check.name, env=environment)
        result = execute(check, ctx)
        watcher.finished(result)
        return result

    skipped = [
        CheckResult(check.name, check.stage, Status.SKIPPED, reason, _now(), 0.0)
        for check, reason in selection.left_out
    ]
    for result in skipped:
        watcher.finished(result)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        ran = list(pool.map(one, selection.run))
    order = {
        check.name: index for index, check in enumerate([*selection.run, *(c for c, _ in selection.left_out)])
    }
    results = tuple(sorted([*ran, *skipped], key=lambda result: order[result.name]))
    record = RunRecord(
        run_id=uuid.uuid4().hex,
        project=str(config.root),
        profile=profile.value,
        jobs=jobs,
        git=git_info(config.root, environment),
        started_at=started,
        finished_at=_now(),
        duration_s=time.monotonic() - clock,
        tool_version=__version__,
        checks=results,
    )
    write_run(reports_dir / "run.json", record)
    return record


def execute(check: Check, ctx: CheckContext) -> CheckResult:
    """Run one check. Every failure to produce trustworthy evidence becomes `error`."""
    started = _now()
    clock = time.monotonic()
    timeout_s = ctx.config.timeouts.get(check.name, check.timeout_s)
    _fresh_dir(ctx.artifact_dir)
    log_path = ctx.artifact_dir / "log.txt"

    def finish(verdict: Verdict, exit_code: int | None = None, version: str | None = None) -> CheckResult:
        present = tuple(
            str((ctx.artifact_dir / name).relative_to(ctx.artifact_dir.parent.parent))
            for name in check.artifacts
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

    with log_path.open("w", encoding="utf-8") as log:
        try:
            reason = check.not_applicable(ctx)
        except Exception as exc:  # a broken applicability probe must not pass the check
            log.write(traceback.format_exc())
            return finish(Verdict.error(f"applicability probe crashed: {type(exc).__name__}: {exc}"))
        if reason is not None:
            log.write(f"skipped: {reason}\n")
            return finish(Verdict(Status.SKIPPED, reason))
        missing = [tool for tool in check.tools if proc.which(tool, ctx.env) is None]
        if missing:
            message = f"tool not found on PATH: {', '.join(missing)}"
            log.write(message + "\n")
            return finish(Verdict.error(message))
        for service in check.services:
            problem = service_problem(service, ctx.config)
            if problem is not None:
                log.write(problem + "\n")
                return finish(Verdict.error(problem))
        version = proc.capture(check.version_argv, cwd=ctx.root, env=ctx.env) if check.version_argv else None
        outcomes: list[CommandOutcome] = []
        exit_code: int | None = None
        try:
            commands = check.commands(ctx)
        except ArtifactError as exc:
            return finish(Verdict.error(str(exc)), None, version)
        except Exception as exc:  # a bug building the command line is an error, never a pass
            log.write(traceback.format_exc())
            return finish(
                Verdict.error(f"could not build the command: {type(exc).__name__}: {exc}"), None, version
            )
        for command in commands:
            remaining = timeout_s - (time.monotonic() - clock)
            try:
                result = proc.run(
                    command.argv,
                    cwd=command.cwd or ctx.root,
                    env={**ctx.env, **command.env},
                    timeout_s=remaining,
                    log=log,
                )
            except proc.ToolMissingError as exc:
                return finish(Verdict.error(str(exc)), None, version)
            except proc.CommandTimeoutError:
                return finish(Verdict.error(f"timed out after {timeout_s:.0f}s"), None, version)
            except OSError as exc:
                return finish(Verdict.error(f"{command.tool} could not start: {exc}"), None, version)
            exit_code = result.exit_code
            if result.exit_code not in command.ok_exit_codes:
                expected = " or ".join(str(code) for code in sorted(command.ok_exit_codes))
                return finish(
                    Verdict.error(
                        f"{command.tool} crashed: exit {result.exit_code} (expected {expected}): "
                        f"{_last_line(result.output)}"
                    ),
                    exit_code,
                    version,
                )
            outcomes.append(CommandOutcome(command, result.exit_code, result.duration_s, result.output))
        absent = [name for name in check.artifacts if not _nonempty(ctx.artifact_dir / name)]
        if absent:
            message = f"artifact missing or empty: {ctx.artifact_dir / absent[0]}"
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


def git_info(root: Path, env: Mapping[str, str]) -> GitInfo:
    sha = proc.capture(["git", "rev-parse", "HEAD"], cwd=root, env=env)
    branch = proc.capture(["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=root, env=env)
    if sha is None:
        return GitInfo(None, None, None)
    try:
        status = proc.run(["git", "status", "--porcelain"], cwd=root, env=env, timeout_s=20)
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


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "(no output)"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
