"""`reports/run.json`: the record of one `invoke ci` run. Versioned; written atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.atomic import write_text_atomic
from cimaturity.model import CheckResult

FORMAT_VERSION = 1


@dataclass(frozen=True)
class GitInfo:
    sha: str | None
    branch: str | None
    dirty: bool | None


@dataclass(frozen=True)
class EnvironmentInfo:
    """The project's own environment that ran its code (never an absolute path: it is shown)."""

    python_version: str
    origin: str


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    project: str
    profile: str
    jobs: int
    git: GitInfo
    started_at: str
    finished_at: str
    duration_s: float
    tool_version: str
    checks: tuple[CheckResult, ...]
    environment: EnvironmentInfo | None = None

    @property
    def ok(self) -> bool:
        return not any(result.status.blocks for result in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "run_id": self.run_id,
            "project": self.project,
            "profile": self.profile,
            "jobs": self.jobs,
            "git": {"sha": self.git.sha, "branch": self.git.branch, "dirty": self.git.dirty},
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "tool": f"cimaturity {self.tool_version}",
            # The version alone (`tool` above stays for older readers); absent in older run.json.
            "cimaturity_version": self.tool_version,
            "ok": self.ok,
            "environment": None
            if self.environment is None
            else {"python": self.environment.python_version, "origin": self.environment.origin},
            "checks": [_check_json(result) for result in self.checks],
        }


def _check_json(result: CheckResult) -> dict[str, Any]:
    return {
        "name": result.name,
        "stage": result.stage.value,
        "status": result.status.value,
        "reason": result.reason,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "exit_code": result.exit_code,
        "tool_version": result.tool_version,
        "artifacts": list(result.artifacts),
        "log": result.log,
        "metrics": dict(result.metrics),
    }


def write_run(path: Path, record: RunRecord) -> None:
    write_text_atomic(path, json.dumps(record.to_json(), indent=2) + "\n")
