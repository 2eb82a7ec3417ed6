"""The check model: what a check declares, what running it produces.

A check is a frozen, declarative value registered in `cimaturity.registry`. It says which
commands to run, which artifacts those commands write, and how to judge those artifacts (the
gate). The runner owns everything else: tool look-up, timeouts, logs, and turning every way a
tool can misbehave into `Status.ERROR` (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cimaturity.config import ProjectConfig
    from cimaturity.targetenv import TargetEnvironment


class Stage(StrEnum):
    """Where a check sits in the pipeline; profiles select stages."""

    FAST = "fast"
    SECURITY = "security"
    SERVICE = "service"
    DEPLOY = "deploy"


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def blocks(self) -> bool:
        """A failed or errored gate makes the whole run fail."""
        return self in (Status.FAILED, Status.ERROR)


class Service(StrEnum):
    """A network service a check needs reachable before it starts."""

    POSTGRES = "postgres"
    REDIS = "redis"


class ArtifactError(Exception):
    """An artifact is missing, empty, truncated or not what its check expects.

    The message names the file; the runner turns it into `Status.ERROR`.
    """


@dataclass(frozen=True)
class Command:
    """One tool invocation, as an argument list (never a shell string).

    `ok_exit_codes` are the exit codes meaning "the tool ran to completion"; what it found is
    then judged by the gate from the artifacts. Any other exit code is a crash: `error`.
    """

    argv: tuple[str, ...]
    ok_exit_codes: frozenset[int] = frozenset({0})
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None

    @property
    def tool(self) -> str:
        return self.argv[0]


@dataclass(frozen=True)
class CommandOutcome:
    command: Command
    exit_code: int
    duration_s: float
    output: str


@dataclass(frozen=True)
class Verdict:
    """The gate's judgement. `metrics` are small numbers worth keeping in run.json."""

    status: Status
    reason: str
    metrics: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def passed(cls, reason: str, **metrics: float) -> Verdict:
        return cls(Status.PASSED, reason, metrics)

    @classmethod
    def failed(cls, reason: str, **metrics: float) -> Verdict:
        return cls(Status.FAILED, reason, metrics)

    @classmethod
    def error(cls, reason: str, **metrics: float) -> Verdict:
        return cls(Status.ERROR, reason, metrics)


@dataclass(frozen=True)
class CheckContext:
    """What a check may look at: the project's config and its own artifact folder."""

    config: ProjectConfig
    artifact_dir: Path
    env: Mapping[str, str]
    # The project's own environment, for checks that run its code (`runs_project_code`).
    target: TargetEnvironment | None = None

    @property
    def root(self) -> Path:
        return self.config.root

    @property
    def project(self) -> TargetEnvironment:
        """The project's environment; the runner sets it for every check that runs project code."""
        if self.target is None:
            raise ArtifactError("no project environment was resolved for this check")
        return self.target

    @property
    def python(self) -> str:
        """The project's interpreter (never cimaturity's own)."""
        return str(self.project.python)

    def artifact(self, name: str) -> Path:
        return self.artifact_dir / name


def always_applicable(_ctx: CheckContext) -> str | None:
    return None


@dataclass(frozen=True)
class Probe:
    """A command that must succeed before the check can run: what `which` cannot tell (a Docker
    CLI is installed but no engine answers). `needs` names it in the reason: "a Docker engine"."""

    argv: tuple[str, ...]
    needs: str


@dataclass(frozen=True)
class Check:
    """A declarative check.

    - `commands(ctx)`: the tool invocations, run in order in the project root.
    - `artifacts`: file names the commands write inside `ctx.artifact_dir`.
    - `gate(ctx, outcomes)`: reads the artifacts (not only exit codes) and returns a Verdict;
      raises `ArtifactError` when an artifact cannot be trusted.
    - `not_applicable(ctx)`: a reason string when the check does not apply (e.g. no
      Dockerfile); the check is then `skipped` with that reason.
    - `tools`: executables that must be on PATH, else `error`.
    - `version_argv`: how to ask the main tool its version, recorded in run.json.
    - `runs_project_code`: the commands import the project's code, so they run in the project's
      own environment (`ctx.python`, its scripts first on PATH), never in cimaturity's.
    - `artifacts_for(ctx)`: when the artifacts depend on the project (the linters it configures),
      the file names for this run; else `artifacts`.
    - `probes`: commands that must succeed before the commands run (an engine answering).
    - `runs_elsewhere`: where the check runs when this machine lacks its tools or fails a probe
      (the container scan: in GitHub Actions). The runner then records `skipped` with that
      reason instead of `error`, except inside GitHub Actions itself, where it must run.
    - `extra`: the optional dependency group of the cimaturity package that installs `tools`
      (`load` for locust): a missing tool's reason then says `pip install "cimaturity[load]"`.
    - `in_working_copy`: the commands run in a throwaway copy of the project
      (`cimaturity.workcopy`), not in the project root: they run the project's tests, which may
      write where they run, and the checked project is never written to.
    """

    name: str
    stage: Stage
    summary: str
    commands: Callable[[CheckContext], Sequence[Command]]
    artifacts: tuple[str, ...]
    gate: Callable[[CheckContext, Sequence[CommandOutcome]], Verdict]
    tools: tuple[str, ...] = ()
    services: tuple[Service, ...] = ()
    not_applicable: Callable[[CheckContext], str | None] = always_applicable
    version_argv: tuple[str, ...] | None = None
    timeout_s: float = 300.0
    runs_project_code: bool = False
    artifacts_for: Callable[[CheckContext], tuple[str, ...]] | None = None
    probes: tuple[Probe, ...] = ()
    runs_elsewhere: str | None = None
    extra: str | None = None
    in_working_copy: bool = False

    def expected_artifacts(self, ctx: CheckContext) -> tuple[str, ...]:
        return self.artifacts if self.artifacts_for is None else self.artifacts_for(ctx)


@dataclass(frozen=True)
class CheckResult:
    """What the runner records for one check; serialised into run.json."""

    name: str
    stage: Stage
    status: Status
    reason: str
    started_at: str
    duration_s: float
    exit_code: int | None = None
    tool_version: str | None = None
    artifacts: tuple[str, ...] = ()
    log: str | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
