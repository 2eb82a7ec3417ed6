"""One history record: what a scored run says, in the few numbers and keys later runs compare.

Built from the report's `Score` and `Evidence` (`record_from`), serialised as JSON with a schema
version (`to_json` / `from_json`), so an older record is still read after an upgrade.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and the report cost a second to import: only `record_from` needs them
    import pandas as pd

    from cimaturity.report.evidence import Evidence
    from cimaturity.report.scoring import Score

SCHEMA_VERSION = 1
SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class FindingRecord:
    fingerprint: str  # the same finding across runs (see report/loaders/sarif.py)
    check: str
    tool: str
    rule: str
    severity: str
    file: str
    line: int | None
    message: str


@dataclass(frozen=True)
class CheckRecord:
    name: str
    status: str  # passed, failed, error, skipped
    duration_s: float


@dataclass(frozen=True)
class HistoryRecord:
    run_id: str
    recorded_at: str  # ISO 8601, UTC
    project: str  # the project folder's name
    git_sha: str | None
    branch: str | None
    base_sha: str | None  # the commit a pull request is compared with, when known
    score: float
    points: float
    max_points: float
    criteria: Mapping[str, float] = field(default_factory=dict)  # points per criterion id
    criteria_status: Mapping[str, str] = field(default_factory=dict)  # met, partial, unmet, ... per id
    coverage_percent: float | None = None
    findings: tuple[FindingRecord, ...] = ()  # unsuppressed findings only
    tests: Mapping[str, str] = field(default_factory=dict)  # "check::case" -> outcome
    checks: tuple[CheckRecord, ...] = ()
    p95_ms: float | None = None  # the aggregated row of the load test
    p99_ms: float | None = None
    vulnerabilities: tuple[str, ...] = ()  # "package version id"

    def findings_by_severity(self) -> dict[str, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    @property
    def build_seconds(self) -> float:
        return sum(check.duration_s for check in self.checks)

    @property
    def succeeded(self) -> bool:
        return not any(check.status in ("failed", "error") for check in self.checks)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "run_id": self.run_id,
            "recorded_at": self.recorded_at,
            "project": self.project,
            "git_sha": self.git_sha,
            "branch": self.branch,
            "base_sha": self.base_sha,
            "score": self.score,
            "points": self.points,
            "max_points": self.max_points,
            "criteria": dict(self.criteria),
            "criteria_status": dict(self.criteria_status),
            "coverage_percent": self.coverage_percent,
            "findings": [vars(finding) for finding in self.findings],
            "tests": dict(self.tests),
            "checks": [vars(check) for check in self.checks],
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "vulnerabilities": list(self.vulnerabilities),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HistoryRecord:
        """A record of this schema or an older one (an upgrade never loses history).

        Raises ValueError (or KeyError/TypeError) on a record that is not one; the store turns
        that into one line naming the record."""
        schema = data.get("schema")
        if not isinstance(schema, int) or not 1 <= schema <= SCHEMA_VERSION:
            raise ValueError(f"history record schema {schema!r}, this cimaturity reads 1..{SCHEMA_VERSION}")
        return cls(
            run_id=str(data["run_id"]),
            recorded_at=str(data["recorded_at"]),
            project=str(data["project"]),
            git_sha=_optional_str(data.get("git_sha")),
            branch=_optional_str(data.get("branch")),
            base_sha=_optional_str(data.get("base_sha")),
            score=float(data["score"]),
            points=float(data["points"]),
            max_points=float(data["max_points"]),
            criteria={str(k): float(v) for k, v in dict(data.get("criteria") or {}).items()},
            criteria_status={str(k): str(v) for k, v in dict(data.get("criteria_status") or {}).items()},
            coverage_percent=_optional_float(data.get("coverage_percent")),
            findings=tuple(FindingRecord(**finding) for finding in data.get("findings") or ()),
            tests={str(k): str(v) for k, v in dict(data.get("tests") or {}).items()},
            checks=tuple(CheckRecord(**check) for check in data.get("checks") or ()),
            p95_ms=_optional_float(data.get("p95_ms")),
            p99_ms=_optional_float(data.get("p99_ms")),
            vulnerabilities=tuple(str(v) for v in data.get("vulnerabilities") or ()),
        )


def record_from(
    score: Score,
    evidence: Evidence,
    *,
    project: str,
    recorded_at: str,
    base_sha: str | None = None,
) -> HistoryRecord:
    """The record of a scored run (a report without a run still records its score)."""
    import pandas as pd

    run = evidence.run
    findings = evidence.findings
    kept = findings.loc[~findings["suppressed"].fillna(False).astype(bool)]
    tests = evidence.tests
    performance = evidence.performance
    aggregated = performance.loc[performance["name"] == "Aggregated"]
    return HistoryRecord(
        run_id=run.run_id if run is not None else f"report-{recorded_at}",
        recorded_at=recorded_at,
        project=project,
        git_sha=run.git_sha if run is not None else None,
        branch=run.git_branch if run is not None else None,
        base_sha=base_sha,
        score=round(score.score, 2),
        points=round(score.points, 3),
        max_points=round(score.max_points, 3),
        criteria={r.criterion.id: round(r.points, 3) for r in score.results if r.applicable},
        criteria_status={r.criterion.id: r.status.value for r in score.results},
        coverage_percent=evidence.coverage_percent,
        findings=tuple(
            FindingRecord(
                fingerprint=str(row["fingerprint"]),
                check=str(row["check"]),
                tool=str(row["tool"]),
                rule=str(row["rule"]),
                severity=str(row["severity"]),
                file=str(row["file"]),
                line=None if pd.isna(row["line"]) else int(row["line"]),
                message=str(row["message"]),
            )
            for row in kept.to_dict("records")
        ),
        tests=dict(zip(tests["check"] + "::" + tests["case"], tests["status"], strict=True)),
        checks=tuple(
            CheckRecord(str(row["name"]), str(row["status"]), float(row["duration_s"]))
            for row in evidence.checks.to_dict("records")
        ),
        p95_ms=_first_number(aggregated, "p95_ms"),
        p99_ms=_first_number(aggregated, "p99_ms"),
        vulnerabilities=tuple(
            f"{row['package']} {row['version']} {row['id']}"
            for row in evidence.vulnerabilities.to_dict("records")
        ),
    )


def _first_number(frame: pd.DataFrame, column: str) -> float | None:
    import pandas as pd

    if frame.empty:
        return None
    value = frame[column].iloc[0]
    return None if pd.isna(value) or not math.isfinite(float(value)) else float(value)


def _optional_str(value: object) -> str | None:
    return None if value is None else str(value)


def _optional_float(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float | str):
        raise TypeError(f"{value!r} is not a number")  # the store names the record
    number = float(value)
    return number if math.isfinite(number) else None
