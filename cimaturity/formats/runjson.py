"""`run.json` (written by `cimaturity.runfile`): the run's header and one typed entry per check.

A run.json may come from another repository's CI, so nothing in it is trusted: every field is
type- and range-checked, a status or stage is one of our enums, and an artifact path must stay
inside the run's folder (no absolute path, no `..`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from cimaturity.artifacts import EXIT_CODE, METRIC, SECONDS, json_float, json_int, read_json
from cimaturity.formats.fields import one_of, optional_str, require_dict, require_list, require_str
from cimaturity.model import ArtifactError, Stage, Status
from cimaturity.runfile import FORMAT_VERSION

KIND = "run.json"
MAX_BYTES = 16 * 1024 * 1024  # one entry per check: a few kilobytes
_STATUSES = {status.value: status for status in Status}
_STAGES = {stage.value: stage for stage in Stage}


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    project: str
    profile: str
    git_sha: str | None
    git_branch: str | None
    started_at: str
    finished_at: str
    duration_s: float
    # The cimaturity that wrote the run; None for a run.json from before it was recorded.
    cimaturity_version: str | None = None


@dataclass(frozen=True)
class CheckEntry:
    """One check as run.json records it."""

    name: str
    stage: Stage
    status: Status
    reason: str
    started_at: str
    duration_s: float
    exit_code: int | None
    tool_version: str | None
    artifacts: tuple[str, ...]  # relative to the run's folder
    log: str | None
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class RunFile:
    info: RunInfo
    checks: tuple[CheckEntry, ...]

    def status_of(self, name: str) -> Status | None:
        """The recorded status of check `name`; None when the run did not include it."""
        return next((check.status for check in self.checks if check.name == name), None)


def read_run(path: Path, *, within: Path | None = None) -> RunFile:
    document = require_dict(read_json(path, KIND, within=within, max_bytes=MAX_BYTES), path, "the top level")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: not a cimaturity run.json of format {FORMAT_VERSION} (format_version={version!r})"
        )
    git = require_dict(document.get("git") or {}, path, "git")
    info = RunInfo(
        run_id=require_str(document.get("run_id"), path, "run_id"),
        project=require_str(document.get("project"), path, "project"),
        profile=require_str(document.get("profile"), path, "profile"),
        git_sha=optional_str(git.get("sha"), path, "git.sha"),
        git_branch=optional_str(git.get("branch"), path, "git.branch"),
        started_at=require_str(document.get("started_at"), path, "started_at"),
        finished_at=require_str(document.get("finished_at"), path, "finished_at"),
        duration_s=json_float(document.get("duration_s"), path, "duration_s", SECONDS),
        cimaturity_version=optional_str(document.get("cimaturity_version"), path, "cimaturity_version"),
    )
    raw_checks = require_list(document.get("checks"), path, "checks")
    checks = tuple(_check(path, index, raw) for index, raw in enumerate(raw_checks))
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ArtifactError(f"{path}: a check appears twice in checks[]")
    return RunFile(info, checks)


def _check(path: Path, index: int, raw: object) -> CheckEntry:
    where = f"checks[{index}]"
    entry = require_dict(raw, path, where)
    status = one_of(_STATUSES, entry.get("status"), path, f"{where}.status")
    stage = one_of(_STAGES, entry.get("stage"), path, f"{where}.stage")
    exit_code = entry.get("exit_code")
    artifacts = require_list(entry.get("artifacts", []), path, f"{where}.artifacts")
    metrics = require_dict(entry.get("metrics", {}) or {}, path, f"{where}.metrics")
    return CheckEntry(
        name=require_str(entry.get("name"), path, f"{where}.name"),
        stage=stage,
        status=status,
        reason=require_str(entry.get("reason", ""), path, f"{where}.reason"),
        started_at=require_str(entry.get("started_at"), path, f"{where}.started_at"),
        duration_s=json_float(entry.get("duration_s"), path, f"{where}.duration_s", SECONDS),
        exit_code=None if exit_code is None else json_int(exit_code, path, f"{where}.exit_code", EXIT_CODE),
        tool_version=optional_str(entry.get("tool_version"), path, f"{where}.tool_version"),
        artifacts=tuple(_artifact(path, f"{where}.artifacts[{i}]", item) for i, item in enumerate(artifacts)),
        log=optional_str(entry.get("log"), path, f"{where}.log"),
        metrics={
            key: json_float(value, path, f"{where}.metrics.{key}", METRIC) for key, value in metrics.items()
        },
    )


def _artifact(path: Path, field: str, value: Any) -> str:
    relative = require_str(value, path, field)
    pure = PurePosixPath(relative)
    # run.json may come from another repository: never let it point outside its run's folder
    if not relative or pure.is_absolute() or ".." in pure.parts or "\x00" in relative:
        raise ArtifactError(f"{path}: {field} {relative!r} is not a path inside the reports folder")
    return relative
