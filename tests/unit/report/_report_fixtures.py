"""Builders shared by the rubric/scoring/render tests: Evidence frames made directly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cimaturity.report.evidence import (
    CHECK_COLUMNS,
    COVERAGE_COLUMNS,
    FINDING_COLUMNS,
    PERFORMANCE_COLUMNS,
    SUPPRESSION_COLUMNS,
    TEST_COLUMNS,
    ArtifactProblem,
    Evidence,
    RunInfo,
)
from cimaturity.report.project import gather_project
from cimaturity.report.rules import RuleContext
from cimaturity.report.workflows import load_workflows

RUN = RunInfo(
    "run-1",
    "demo",
    "full",
    "abc123def4567890",
    "main",
    "2026-11-26T09:00:00+00:00",
    "2026-11-26T09:01:00+00:00",
    60.0,
)


def checks(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """(name, status, reason) rows, started one second apart."""
    return pd.DataFrame(
        [
            {
                "name": n,
                "stage": "fast",
                "status": s,
                "reason": r,
                "started_at": f"2026-11-26T09:00:0{i}+00:00",
                "duration_s": 1.5 + i,
                "exit_code": 0,
                "tool_version": "x 1",
            }
            for i, (n, s, r) in enumerate(rows)
        ],
        columns=list(CHECK_COLUMNS),
    )


def tests_frame(check: str, passed: int, failed: int = 0, skipped: int = 0) -> pd.DataFrame:
    statuses = ["passed"] * passed + ["failed"] * failed + ["skipped"] * skipped
    return pd.DataFrame(
        [
            {
                "check": check,
                "suite": check,
                "case": f"t::case{i}",
                "status": s,
                "time_s": 0.1 * (i + 1),
                "message": "",
            }
            for i, s in enumerate(statuses)
        ],
        columns=list(TEST_COLUMNS),
    )


def findings(*rows: tuple[str, str, str, str, int]) -> pd.DataFrame:
    """(check, tool, severity, file, line)."""
    return pd.DataFrame(
        [
            {
                "check": c,
                "tool": t,
                "rule": "R1",
                "severity": sev,
                "file": f,
                "line": ln,
                "fingerprint": f"fp{i}",
                "message": f"problem {i}: a, b",
                "suppressed": False,
            }
            for i, (c, t, sev, f, ln) in enumerate(rows)
        ],
        columns=list(FINDING_COLUMNS),
    )


def coverage(*rows: tuple[str, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"file": f, "statements": s, "missed": m, "percent": 100 * (1 - m / s)} for f, s, m in rows],
        columns=list(COVERAGE_COLUMNS),
    )


def performance(p95: float, p99: float, failures: int = 0, requests: int = 1000) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "name": "Aggregated",
                "requests": requests,
                "failures": failures,
                "median_ms": 10.0,
                "p95_ms": p95,
                "p99_ms": p99,
                "rps": 50.0,
            }
        ],
        columns=list(PERFORMANCE_COLUMNS),
    )


def suppressions(**counts: int) -> pd.DataFrame:
    return pd.DataFrame(
        [{"kind": k.replace("_", "-"), "count": v} for k, v in counts.items()],
        columns=list(SUPPRESSION_COLUMNS),
    )


def evidence(**frames: object) -> Evidence:
    problems = frames.pop("problems", ())
    assert isinstance(problems, tuple)
    return Evidence(run=RUN, problems=problems, **frames)  # type: ignore[arg-type]


def problem(check: str, message: str) -> ArtifactProblem:
    return ArtifactProblem(check, f"artifacts/{check}/x", message)


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def context(root: Path, ev: Evidence) -> RuleContext:
    return RuleContext(workflows=load_workflows(root), project=gather_project(root), evidence=ev)
