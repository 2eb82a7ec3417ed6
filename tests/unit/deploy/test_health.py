"""`HealthChecker` against the fault-injecting server and against the real service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cimaturity.deploy import record
from cimaturity.deploy.health import (
    ENDPOINTS,
    HealthChecker,
    HealthPolicy,
    RollbackState,
    call_rollback,
)
from cimaturity.formats.health import Verdict, read_health
from cimaturity.model import ArtifactError
from tests.support.deploy_server import SHA, DeployServer, Mode
from tests.unit.deploy.conftest import Clock

ROOT = Path(__file__).resolve().parents[3]


def _check(srv: DeployServer, clock: Clock, **policy: Any) -> HealthChecker:
    return HealthChecker(srv.url, HealthPolicy(**policy), sleep=clock.sleep)


def test_a_healthy_service_passes_after_two_rounds_in_a_row(clock: Clock) -> None:
    with DeployServer() as srv:
        result = _check(srv, clock, require_redis=True, expect_sha=SHA).run()
    assert result.passed
    assert result.reason == "healthy after 2 round(s)"
    assert [r.number for r in result.rounds] == [1, 2]
    assert [c.path for c in result.rounds[0].checks] == list(ENDPOINTS)
    assert all(c.status == 200 and c.elapsed_ms is not None for c in result.rounds[0].checks)
    assert clock.sleeps == [1.0]  # the confirming round waits the base interval, no fixed sleep


def test_a_500_fails_after_ten_rounds_with_doubling_backoff(clock: Clock) -> None:
    with DeployServer(health_modes=["500"]) as srv:
        result = _check(srv, clock).run()
        asked = len(srv.calls("GET", "/health"))
    assert not result.passed
    assert len(result.rounds) == 10 and asked == 10
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert result.reason.startswith("not healthy after 10 round(s): /health: HTTP 500")


def test_a_service_that_recovers_passes(clock: Clock) -> None:
    with DeployServer(health_modes=["500", "500", "ok"]) as srv:
        result = _check(srv, clock).run()
    assert result.passed
    assert [r.ok for r in result.rounds] == [False, False, True, True]
    assert clock.sleeps == [1.0, 2.0, 1.0]


def test_a_flapping_service_never_passes(clock: Clock) -> None:
    with DeployServer(health_modes=["ok", "500"], cycle_modes=True) as srv:
        result = _check(srv, clock).run()
    assert not result.passed
    assert [r.ok for r in result.rounds] == [True, False] * 5
    assert "HTTP 500" in result.reason


@pytest.mark.parametrize(
    ("mode", "policy", "expected"),
    [
        ("wrong_body", {}, "/health: status is None, expected 'up'"),
        ("wrong_body", {}, "/api/v1/health: status is None, expected 'up'; no dependencies object"),
        ("db_down", {}, "/api/v1/health: HTTP 503; status is 'down', expected 'up'; database is 'down'"),
        ("db_down", {}, "/api/diagnostics: database is 'down' ('OperationalError')"),
        ("in_process_cache", {"require_redis": True}, "cache is 'in-process', expected redis"),
        ("ok", {"expect_sha": "f" * 40}, "/api/diagnostics: git_sha is 'c0ffee"),
        ("slow", {"max_response_s": 0.1}, "/health: took 0.3"),
    ],
)
def test_a_wrong_answer_fails_naming_the_endpoint_and_the_fault(
    clock: Clock, mode: Mode, policy: dict[str, object], expected: str
) -> None:
    with DeployServer(health_modes=[mode], slow_s=0.3) as srv:
        result = _check(srv, clock, attempts=2, **policy).run()
    assert not result.passed
    assert expected in result.rounds[-1].describe()


def test_no_answer_within_the_timeout_is_a_failed_round(clock: Clock) -> None:
    with DeployServer(health_modes=["slow"], slow_s=0.5) as srv:
        result = _check(srv, clock, attempts=2, timeout_s=0.1).run()
    check = result.rounds[0].checks[0]
    assert check.status is None and check.elapsed_ms is None
    assert check.problems[0].endswith("no answer within 0.1 s)")


def test_the_rollback_hook_is_posted_and_its_failure_reported() -> None:
    with DeployServer(rollback_status=500) as srv:
        failed = call_rollback(f"{srv.url}/rollback")
        srv.rollback_status = 204
        called = call_rollback(f"{srv.url}/rollback")
        posts = len(srv.calls("POST", "/rollback"))
    assert (failed.state, failed.detail) == (RollbackState.FAILED, "rollback hook answered HTTP 500")
    assert called.state is RollbackState.CALLED
    assert posts == 2
    assert call_rollback("").state is RollbackState.NOT_CONFIGURED
    unreachable = call_rollback("http://127.0.0.1:9/rollback")
    assert unreachable.state is RollbackState.FAILED
    assert "/rollback" not in unreachable.detail  # a hook's path and key stay out of messages


def test_the_artifact_reads_back(tmp_path: Path, clock: Clock) -> None:
    with DeployServer(health_modes=["500", "ok"]) as srv:
        result = _check(srv, clock).run()
    path = tmp_path / "health.json"
    record.write(path, record.to_json(result.with_rollback(call_rollback(""))))
    found = read_health(path)
    assert found.verdict is Verdict.PASSED
    assert (found.attempts, found.required_passes, found.max_response_s, found.fixed_sleep) == (
        10,
        2,
        2.0,
        False,
    )
    assert [r.number for r in found.rounds] == [1, 2, 3]
    assert found.rounds[0].checks[0].problems == ("HTTP 500",)
    assert found.paths == frozenset(ENDPOINTS)
    assert found.slowest_ms is not None and 0 < found.slowest_ms < 2000
    assert found.rollback_state == "not_configured"
    assert found.deploy_state is None


def test_a_damaged_artifact_is_one_line_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "health.json"
    path.write_text('{"format": "cimaturity-health", "format_version": 1, "verdict": "maybe"}')
    with pytest.raises(ArtifactError, match="policy is null, expected an object"):
        read_health(path)


def test_the_real_service_passes(service_url: str, clock: Clock) -> None:
    result = HealthChecker(service_url, HealthPolicy(expect_sha=SHA), sleep=clock.sleep).run()
    assert result.passed, result.reason
    assert all(c.status == 200 for r in result.rounds for c in r.checks)


def test_the_real_service_without_redis_fails_when_redis_is_required(service_url: str, clock: Clock) -> None:
    result = HealthChecker(service_url, HealthPolicy(attempts=2, require_redis=True), sleep=clock.sleep).run()
    assert not result.passed
    assert result.rounds[0].describe() == (
        "/api/v1/health: cache is 'in-process', expected redis; "
        "/api/diagnostics: cache is 'in-process', expected redis"
    )
