"""cimaturity's deployment-validation artifact, `health.json`, written by `invoke health` and
`invoke deploy` (`cimaturity.deploy.record`).

    {"format": "cimaturity-health", "format_version": 1,
     "verdict": "passed" | "failed", "reason": "...", "target": "https://host",
     "environment": "staging" | "production" | null,
     "policy": {"attempts": 10, "required_passes": 2, "backoff_s": 1.0,
                "max_response_s": 2.0, "fixed_sleep": false},
     "rounds": [{"number": 1, "waited_s": 0.0,
                 "checks": [{"path": "/health", "status": 200 | null,
                             "elapsed_ms": 12.5 | null, "problems": ["..."]}]}],
     "deploy": null | {"platform": "render", "deploy_id": "dep-..." | null,
                       "state": "live" | "failed" | "pending" | null, "detail": "..."},
     "rollback": null | {"state": "called" | "failed" | "not_configured", "detail": "..."},
     "notification": null | {"sent": true, "detail": "..."}}

The report reads it as the deployment criterion's evidence: the polling actually done
(retries, no fixed sleep, response times measured) and its outcome. A bad file is one
`ArtifactError` line naming the file and the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cimaturity.artifacts import COUNT, MILLISECONDS, SECONDS, json_float, json_int, read_json
from cimaturity.formats.fields import one_of, optional_str, require_dict, require_list, require_str
from cimaturity.model import ArtifactError

FORMAT = "cimaturity-health"
FORMAT_VERSION = 1
KIND = "cimaturity health JSON"
MAX_BYTES = 16 * 1024 * 1024


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckRecord:
    path: str
    status: int | None
    elapsed_ms: float | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class RoundRecord:
    number: int
    waited_s: float
    checks: tuple[CheckRecord, ...]


@dataclass(frozen=True)
class HealthRecord:
    verdict: Verdict
    reason: str
    target: str
    environment: str | None
    attempts: int  # the policy's rounds allowed
    required_passes: int
    max_response_s: float
    fixed_sleep: bool
    rounds: tuple[RoundRecord, ...]
    deploy_state: str | None  # None: not a deploy (a bare `invoke health`) or no status read
    rollback_state: str | None

    @property
    def paths(self) -> frozenset[str]:
        """Every endpoint asked at least once."""
        return frozenset(check.path for round_ in self.rounds for check in round_.checks)

    @property
    def slowest_ms(self) -> float | None:
        times = [c.elapsed_ms for r in self.rounds for c in r.checks if c.elapsed_ms is not None]
        return max(times) if times else None


def is_health_report(data: object) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def read_health(path: Path, *, within: Path | None = None) -> HealthRecord:
    data = require_dict(read_json(path, KIND, within=within, max_bytes=MAX_BYTES), path, "the document")
    if data.get("format") != FORMAT:
        raise ArtifactError(f"{path}: format is not {FORMAT!r}")
    version = json_int(data.get("format_version"), path, "format_version", COUNT)
    if version != FORMAT_VERSION:
        raise ArtifactError(f"{path}: format_version {version} is not {FORMAT_VERSION}")
    policy = require_dict(data.get("policy"), path, "policy")
    fixed_sleep = policy.get("fixed_sleep")
    if not isinstance(fixed_sleep, bool):
        raise ArtifactError(f"{path}: policy.fixed_sleep is not a boolean")
    rounds = tuple(
        _round(item, path, f"rounds[{i}]")
        for i, item in enumerate(require_list(data.get("rounds"), path, "rounds"))
    )
    deploy = data.get("deploy")
    rollback = data.get("rollback")
    return HealthRecord(
        verdict=one_of({v.value: v for v in Verdict}, data.get("verdict"), path, "verdict"),
        reason=require_str(data.get("reason"), path, "reason"),
        target=require_str(data.get("target"), path, "target"),
        environment=optional_str(data.get("environment"), path, "environment"),
        attempts=json_int(policy.get("attempts"), path, "policy.attempts", COUNT),
        required_passes=json_int(policy.get("required_passes"), path, "policy.required_passes", COUNT),
        max_response_s=json_float(policy.get("max_response_s"), path, "policy.max_response_s", SECONDS),
        fixed_sleep=fixed_sleep,
        rounds=rounds,
        deploy_state=None
        if deploy is None
        else optional_str(require_dict(deploy, path, "deploy").get("state"), path, "deploy.state"),
        rollback_state=None
        if rollback is None
        else require_str(require_dict(rollback, path, "rollback").get("state"), path, "rollback.state"),
    )


def _round(value: object, path: Path, where: str) -> RoundRecord:
    data = require_dict(value, path, where)
    checks = require_list(data.get("checks"), path, f"{where}.checks")
    return RoundRecord(
        number=json_int(data.get("number"), path, f"{where}.number", COUNT),
        waited_s=json_float(data.get("waited_s"), path, f"{where}.waited_s", SECONDS),
        checks=tuple(_check(item, path, f"{where}.checks[{i}]") for i, item in enumerate(checks)),
    )


def _check(value: object, path: Path, where: str) -> CheckRecord:
    data = require_dict(value, path, where)
    status = data.get("status")
    elapsed = data.get("elapsed_ms")
    problems = require_list(data.get("problems"), path, f"{where}.problems")
    return CheckRecord(
        path=require_str(data.get("path"), path, f"{where}.path"),
        status=None if status is None else json_int(status, path, f"{where}.status", COUNT),
        elapsed_ms=None
        if elapsed is None
        else json_float(elapsed, path, f"{where}.elapsed_ms", MILLISECONDS),
        problems=tuple(require_str(p, path, f"{where}.problems[{i}]") for i, p in enumerate(problems)),
    )
