"""History records for the store's tests: built from a run id and a number, so a child process
(the killed writer, the concurrent writers) and the test build the very same record."""

from __future__ import annotations

import datetime as dt

from cimaturity.history.record import CheckRecord, FindingRecord, HistoryRecord

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def at(minutes: int) -> str:
    return (EPOCH + dt.timedelta(minutes=minutes)).isoformat()


def make_record(
    run_id: str,
    n: int = 0,
    *,
    findings: int = 3,
    project: str = "shop",
    branch: str | None = "main",
    git_sha: str | None = None,
    base_sha: str | None = None,
    recorded_at: str | None = None,
    score: float | None = None,
) -> HistoryRecord:
    severities = ("critical", "high", "medium", "low", "info")
    return HistoryRecord(
        run_id=run_id,
        recorded_at=recorded_at or at(n),
        project=project,
        git_sha=git_sha if git_sha is not None else f"{n:07x}{'0' * 33}",
        branch=branch,
        base_sha=base_sha,
        score=score if score is not None else round((n % 100) / 10, 1),
        points=float(n % 50),
        max_points=50.0,
        criteria={"tests": float(n % 7), "lint": 2.5},
        coverage_percent=80.0 + n % 20,
        findings=tuple(
            FindingRecord(
                fingerprint=f"fp-{run_id}-{i}",
                check="sast",
                tool="bandit",
                rule=f"B{100 + i}",
                severity=severities[i % 5],
                file=f"app/module_{i}.py",
                line=i + 1 if i % 2 else None,
                message=f"finding {i} of {run_id}",
            )
            for i in range(findings)
        ),
        tests={f"test::case_{i}": "passed" if i % 4 else "failed" for i in range(8)},
        checks=(
            CheckRecord("lint", "passed", 1.5),
            CheckRecord("test", "failed" if n % 3 == 0 else "passed", 12.25),
            CheckRecord("sast", "error" if n % 5 == 0 else "passed", 3.0),
        ),
        p95_ms=120.0 + n,
        p99_ms=None,
        vulnerabilities=(f"requests 2.0.{n} GHSA-x",),
    )
