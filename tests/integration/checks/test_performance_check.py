"""The performance check: real Locust runs (a few seconds each) against a tiny FastAPI service."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from cimaturity.checks.performance import LOCUSTFILE, PERFORMANCE, STATS, judge, performance_check
from cimaturity.config import LoadProfile
from cimaturity.formats.locust import FailedEndpoint, StatsRow, read_locust_stats
from cimaturity.model import ArtifactError, Status
from cimaturity.runner import execute
from tests.unit.checks._fast_fixtures import make_context

# These start a real web service and a real Locust run.
pytestmark = pytest.mark.integration

QUICK = performance_check(LoadProfile(users=3, spawn_rate=10, seconds=3))

PYPROJECT = """\
[tool.cimaturity]
source_paths = ["svc.py"]

[tool.cimaturity.service]
app = "svc:app"
health = "/health"
"""
SERVICE = """\
import time

from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/ok")
def ok() -> dict[str, int]:
    return {"value": 1}


@app.get("/boom")
def boom() -> Response:
    return Response("broken", status_code=500)


@app.get("/slow")
def slow() -> dict[str, int]:
    time.sleep(0.6)
    return {"value": 2}
"""


def locustfile(*paths: str) -> str:
    tasks = "\n".join(
        f"    @task\n    def t{index}(self) -> None:\n        self.client.get({path!r})\n"
        for index, path in enumerate(paths)
    )
    return (
        "from locust import HttpUser, between, task\n\n\n"
        "class Visitor(HttpUser):\n"
        "    wait_time = between(0.05, 0.1)\n\n" + tasks
    )


def project(root: Path, *paths: str) -> dict[str, str]:
    files = {"pyproject.toml": PYPROJECT, "svc.py": SERVICE}
    if paths:
        files[LOCUSTFILE] = locustfile(*paths)
    return files


def aggregated_row(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Name"] == "Aggregated"]
    assert len(rows) == 1
    return rows[0]


def test_fast_service_passes_with_the_numbers_of_the_real_csv(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, QUICK, project(tmp_path, "/ok", "/health"))
    result = execute(QUICK, ctx)
    assert result.status is Status.PASSED, result.reason
    row = aggregated_row(ctx.artifact(STATS))
    requests, p95, p99 = int(row["Request Count"]), float(row["95%"]), float(row["99%"])
    assert requests > 0
    assert int(row["Failure Count"]) == 0
    assert result.metrics["requests"] == requests
    assert (result.metrics["p95_ms"], result.metrics["p99_ms"]) == (p95, p99)
    assert result.reason == (
        f"{requests} requests, 0 failures, p95 {p95:.0f} ms, p99 {p99:.0f} ms (limits 500/1000)"
    )
    assert {Path(a).name for a in result.artifacts} == {
        "locust_stats.csv",
        "locust_failures.csv",
        "locust.html",
    }


def test_a_500_fails_and_names_the_endpoint(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, QUICK, project(tmp_path, "/ok", "/boom"))
    result = execute(QUICK, ctx)
    assert result.status is Status.FAILED, result.reason
    assert result.exit_code == 1
    failed = int(aggregated_row(ctx.artifact(STATS))["Failure Count"])
    assert failed > 0
    assert result.reason.startswith(f"{failed} of ")
    assert "GET /boom" in result.reason
    assert "/ok" not in result.reason


def test_a_slow_endpoint_fails_on_p95(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, QUICK, project(tmp_path, "/slow"))
    result = execute(QUICK, ctx)
    assert result.status is Status.FAILED, result.reason
    assert result.metrics["failures"] == 0
    assert result.metrics["p95_ms"] >= 500
    assert f"p95 {result.metrics['p95_ms']:.0f} ms >= 500 ms" in result.reason


def test_without_a_locustfile_the_check_is_skipped(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, PERFORMANCE, project(tmp_path))
    result = execute(PERFORMANCE, ctx)
    assert result.status is Status.SKIPPED
    assert LOCUSTFILE in result.reason


def test_without_a_service_the_check_is_skipped(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, PERFORMANCE, {"pyproject.toml": "[tool.cimaturity]\n"})
    result = execute(PERFORMANCE, ctx)
    assert result.status is Status.SKIPPED
    assert "[tool.cimaturity.service]" in result.reason


HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
ROW = "GET,/ok,10,0,5,6.0,1.0,20.0,15.0,3.0,0.0,5,6,7,8,9,12,15,18,20,20,20\n"


def test_a_truncated_stats_csv_is_an_artifact_error(tmp_path: Path) -> None:
    path = tmp_path / STATS
    path.write_text(HEADER + ROW + ",Aggregated,10,0,5,6.0,1.0")
    with pytest.raises(ArtifactError, match=r"locust_stats\.csv: line 3 has 7 fields"):
        read_locust_stats(path)
    path.write_text(HEADER + ROW)  # cut before the Aggregated row
    with pytest.raises(ArtifactError, match="no 'Aggregated' row"):
        read_locust_stats(path)
    path.write_text("Method,Name,Error,Occurrences\n")  # another Locust CSV under the stats name
    with pytest.raises(ArtifactError, match=r"locust_stats\.csv: not a Locust stats CSV"):
        read_locust_stats(path)


def test_no_request_or_a_crashed_script_is_an_error_never_a_pass(tmp_path: Path) -> None:
    path = tmp_path / STATS
    path.write_text(
        HEADER + ",Aggregated,0,0,0,0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
    )
    stats = read_locust_stats(path).aggregated
    assert stats.requests == 0 and stats.p95_ms is None
    empty = judge(stats, [], 0, "none recorded")
    assert (empty.status, empty.reason) == (Status.ERROR, "the load test sent no request")
    ok = StatsRow("", "Aggregated", requests=10, failures=0, median_ms=5.0, p95_ms=10.0, p99_ms=20.0, rps=5.0)
    crashed = judge(ok, [], 1, "1x KeyError: 'x'")
    assert crashed.status is Status.ERROR
    assert "KeyError" in crashed.reason
    boom = FailedEndpoint("GET", "/boom", "500 Server Error", 4)
    failed = judge(StatsRow("", "Aggregated", 10, 4, 5.0, 10.0, 20.0, 5.0), [boom], 1, "none recorded")
    assert failed.status is Status.FAILED
    assert failed.reason.startswith("4 of 10 requests failed, most frequent: GET /boom (4x")
