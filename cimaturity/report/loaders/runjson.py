"""`reports/run.json` (format in `cimaturity.runfile`) -> `RunInfo`, `CheckEntry`s, the `checks` and
`metrics` frames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from cimaturity.model import ArtifactError, Stage, Status
from cimaturity.report.evidence import CHECK_COLUMNS, METRIC_COLUMNS, RunInfo
from cimaturity.report.loaders import common as c
from cimaturity.runfile import FORMAT_VERSION

KIND = "run.json"
MAX_BYTES = 16 * 1024 * 1024  # one entry per check: a few kilobytes
_STATUSES = frozenset(status.value for status in Status)
_STAGES = frozenset(stage.value for stage in Stage)


@dataclass(frozen=True)
class CheckEntry:
    """One check as run.json records it."""

    name: str
    stage: str
    status: str
    reason: str
    started_at: str
    duration_s: float
    exit_code: int | None
    tool_version: str | None
    artifacts: tuple[str, ...]  # relative to the reports folder
    log: str | None
    metrics: Mapping[str, float]


@dataclass(frozen=True)
class RunFile:
    info: RunInfo
    checks: tuple[CheckEntry, ...]

    def frame(self) -> pd.DataFrame:
        return c.frame(
            CHECK_COLUMNS,
            {
                "name": [check.name for check in self.checks],
                "stage": [check.stage for check in self.checks],
                "status": [check.status for check in self.checks],
                "reason": [check.reason for check in self.checks],
                "started_at": [check.started_at for check in self.checks],
                "duration_s": [check.duration_s for check in self.checks],
                "exit_code": [check.exit_code for check in self.checks],
                "tool_version": [check.tool_version for check in self.checks],
            },
        )

    def metrics_frame(self) -> pd.DataFrame:
        """One row per (check, metric) of run.json's `metrics`, values as float64."""
        rows = [(check.name, name, value) for check in self.checks for name, value in check.metrics.items()]
        columns = dict(zip(METRIC_COLUMNS, zip(*rows, strict=True), strict=True)) if rows else {}
        return pd.DataFrame(
            {
                "check": pd.Series(columns.get("check", ()), dtype="str"),
                "metric": pd.Series(columns.get("metric", ()), dtype="str"),
                "value": pd.Series(columns.get("value", ()), dtype="float64"),
            }
        )


def load_run(path: Path, *, within: Path | None = None) -> RunFile:
    document = c.require_dict(
        c.read_json(path, KIND, within=within, max_bytes=MAX_BYTES), path, "the top level"
    )
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: not a cimaturity run.json of format {FORMAT_VERSION} (format_version={version!r})"
        )
    git = document.get("git") or {}
    git = c.require_dict(git, path, "git")
    info = RunInfo(
        run_id=c.require_str(document.get("run_id"), path, "run_id"),
        project=c.require_str(document.get("project"), path, "project"),
        profile=c.require_str(document.get("profile"), path, "profile"),
        git_sha=c.optional_str(git.get("sha"), path, "git.sha"),
        git_branch=c.optional_str(git.get("branch"), path, "git.branch"),
        started_at=c.require_str(document.get("started_at"), path, "started_at"),
        finished_at=c.require_str(document.get("finished_at"), path, "finished_at"),
        duration_s=c.json_float(document.get("duration_s"), path, "duration_s", c.SECONDS),
    )
    raw_checks = c.require_list(document.get("checks"), path, "checks")
    checks = tuple(_check(path, index, raw) for index, raw in enumerate(raw_checks))
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise ArtifactError(f"{path}: a check appears twice in checks[]")
    return RunFile(info, checks)


def _check(path: Path, index: int, raw: object) -> CheckEntry:
    where = f"checks[{index}]"
    entry = c.require_dict(raw, path, where)
    status = c.require_str(entry.get("status"), path, f"{where}.status")
    if status not in _STATUSES:
        raise ArtifactError(f"{path}: {where}.status is {status!r}, expected one of {sorted(_STATUSES)}")
    stage = c.require_str(entry.get("stage"), path, f"{where}.stage")
    if stage not in _STAGES:
        raise ArtifactError(f"{path}: {where}.stage is {stage!r}, expected one of {sorted(_STAGES)}")
    exit_code = entry.get("exit_code")
    artifacts = c.require_list(entry.get("artifacts", []), path, f"{where}.artifacts")
    metrics = c.require_dict(entry.get("metrics", {}) or {}, path, f"{where}.metrics")
    return CheckEntry(
        name=c.require_str(entry.get("name"), path, f"{where}.name"),
        stage=stage,
        status=status,
        reason=c.require_str(entry.get("reason", ""), path, f"{where}.reason"),
        started_at=c.require_str(entry.get("started_at"), path, f"{where}.started_at"),
        duration_s=c.json_float(entry.get("duration_s"), path, f"{where}.duration_s", c.SECONDS),
        exit_code=None
        if exit_code is None
        else c.json_int(exit_code, path, f"{where}.exit_code", c.EXIT_CODE),
        tool_version=c.optional_str(entry.get("tool_version"), path, f"{where}.tool_version"),
        artifacts=tuple(_artifact(path, f"{where}.artifacts[{i}]", item) for i, item in enumerate(artifacts)),
        log=c.optional_str(entry.get("log"), path, f"{where}.log"),
        metrics={
            key: c.json_float(value, path, f"{where}.metrics.{key}", c.METRIC)
            for key, value in metrics.items()
        },
    )


def _artifact(path: Path, where: str, value: Any) -> str:
    relative = c.require_str(value, path, where)
    pure = PurePosixPath(relative)
    # run.json may come from another repository: never let it point outside its reports folder
    if not relative or pure.is_absolute() or ".." in pure.parts or "\x00" in relative:
        raise ArtifactError(f"{path}: {where} {relative!r} is not a path inside the reports folder")
    return relative
