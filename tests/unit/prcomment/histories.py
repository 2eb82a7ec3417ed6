"""Recorded histories for the comment and the gate: a base and a pull request's run, as
`HistoryRecord`s like the ones `invoke ci` appends."""

from __future__ import annotations

import dataclasses

from cimaturity.history.record import CheckRecord, FindingRecord, HistoryRecord


def finding(
    rule: str, file: str = "app/x.py", line: int = 3, severity: str = "medium", fp: str = ""
) -> FindingRecord:
    return FindingRecord(
        fp or f"fp-{rule}-{file}", "lint", "ruff", rule, severity, file, line, f"{rule} message"
    )


CHECKS = (
    CheckRecord("lint", "passed", 1.2),
    CheckRecord("test", "passed", 40.0),
    CheckRecord("sast", "passed", 3.0),
)

BASE = HistoryRecord(
    run_id="base-1",
    recorded_at="2026-11-20T10:00:00+00:00",
    project="svc",
    git_sha="aaaaaaa1111",
    branch="main",
    base_sha=None,
    score=7.4,
    points=74.0,
    max_points=100.0,
    criteria={"lint": 12.0, "unit_tests": 16.0},
    coverage_percent=81.0,
    findings=(finding("E501"), finding("B101", severity="low")),
    tests={"test::t_ok": "passed", "test::t_flaky": "passed", "test::t_broken": "failed"},
    checks=CHECKS,
    p95_ms=120.0,
    p99_ms=240.0,
    vulnerabilities=("jinja2 3.1.2 GHSA-old",),
)

IMPROVING = dataclasses.replace(
    BASE,
    run_id="pr-1",
    recorded_at="2026-11-21T10:00:00+00:00",
    git_sha="bbbbbbb2222",
    branch="feature",
    base_sha="aaaaaaa1111",
    score=7.9,
    coverage_percent=83.5,
    findings=(finding("E501", line=40),),  # the same finding, moved; B101 fixed
    p95_ms=118.0,
)

REGRESSING = dataclasses.replace(
    BASE,
    run_id="pr-2",
    recorded_at="2026-11-22T10:00:00+00:00",
    git_sha="ccccccc3333",
    branch="feature",
    base_sha="aaaaaaa1111",
    score=7.1,
    coverage_percent=78.0,
    findings=(*BASE.findings, finding("S608", "app/db.py", 12, "high")),
    tests={**BASE.tests, "test::t_flaky": "failed", "test::t_new": "error"},
    checks=(CheckRecord("lint", "failed", 1.3), *CHECKS[1:]),
    p95_ms=400.0,
    vulnerabilities=(*BASE.vulnerabilities, "requests 2.0.0 GHSA-new"),
)

FIRST = dataclasses.replace(IMPROVING, run_id="first", base_sha=None)
