"""formats.runjson: the runner's own record read back typed, and a foreign or hostile one refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cimaturity.formats.runjson import read_run
from cimaturity.model import CheckResult, Stage, Status
from cimaturity.runfile import GitInfo, RunRecord, write_run
from tests.unit.formats._support import refused


def _record() -> RunRecord:
    results = (
        CheckResult("lint", Stage.FAST, Status.FAILED, "2 violations", "t0", 1.5, exit_code=1,
                    artifacts=("artifacts/lint/ruff.sarif",), metrics={"violations": 2.0}),
        CheckResult("container", Stage.SECURITY, Status.SKIPPED, "runs elsewhere", "t0", 0.0),
    )  # fmt: skip
    return RunRecord("r1", "/p", "full", 2, GitInfo("f00", "main", False), "t0", "t1", 3.5, "0.1.0", results)


def test_the_runners_record_reads_back_typed(tmp_path: Path) -> None:
    write_run(tmp_path / "run.json", _record())
    run = read_run(tmp_path / "run.json")
    assert run.info.run_id == "r1" and run.info.git_sha == "f00" and run.info.duration_s == 3.5
    lint, container = run.checks
    assert lint.status is Status.FAILED and lint.stage is Stage.FAST
    assert lint.artifacts == ("artifacts/lint/ruff.sarif",) and lint.metrics == {"violations": 2.0}
    assert container.status is Status.SKIPPED and container.exit_code is None
    assert run.status_of("lint") is Status.FAILED and run.status_of("e2e") is None


def _document(**check: Any) -> dict[str, Any]:
    entry = {
        "name": "x",
        "stage": "fast",
        "status": "passed",
        "reason": "",
        "started_at": "a",
        "duration_s": 0.1,
        "artifacts": [],
        **check,
    }
    return {"format_version": 1, "run_id": "r", "project": "/p", "profile": "full", "git": {},
            "started_at": "a", "finished_at": "b", "duration_s": 1.0, "checks": [entry]}  # fmt: skip


@pytest.mark.parametrize(
    ("check", "message"),
    [
        (
            {"status": "green"},
            r"checks\[0\]\.status is 'green', expected one of \['error', 'failed', 'passed'",
        ),
        ({"stage": "later"}, r"checks\[0\]\.stage is 'later'"),
        ({"status": 1}, r"checks\[0\]\.status is a number, expected a string"),
        ({"artifacts": ["../../etc/passwd"]}, r"checks\[0\]\.artifacts\[0\] .* not a path inside"),
        ({"artifacts": ["/etc/passwd"]}, r"checks\[0\]\.artifacts\[0\] .* not a path inside"),
        ({"duration_s": 1e308}, r"checks\[0\]\.duration_s is 1e\+308, expected a duration"),
        ({"exit_code": 10**40}, r"checks\[0\]\.exit_code is 1000"),
        ({"metrics": {"m": float("nan")}}, r"checks\[0\]\.metrics\.m is nan"),
    ],
    ids=["status", "stage", "status-type", "dotdot", "absolute", "duration", "exit-code", "metric-nan"],
)
def test_a_hostile_record_is_refused_naming_the_field(
    tmp_path: Path, check: dict[str, Any], message: str
) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps(_document(**check)))
    refused(read_run, path, message)


def test_another_format_or_a_duplicate_check_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps({**_document(), "format_version": 2}))
    refused(read_run, path, r"not a cimaturity run\.json of format 1 \(format_version=2\)")
    twice = _document()
    twice["checks"] = twice["checks"] * 2
    path.write_text(json.dumps(twice))
    refused(read_run, path, r"a check appears twice")
