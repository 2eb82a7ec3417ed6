"""`run_deploy` and the two tasks against the fake Render, health, rollback and Slack server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from invoke.context import Context
from invoke.exceptions import Exit

from cimaturity.deploy.health import HealthPolicy
from cimaturity.deploy.pipeline import Timing, run_deploy
from cimaturity.deploy.secrets import Environment, MissingSecretsError
from cimaturity.formats.health import Verdict, read_health
from cimaturity.tasks import deploy as deploy_tasks
from tests.support.deploy_server import BEARER, HOOK_KEY, DeployServer
from tests.unit.deploy.conftest import Clock

FAST = Timing(live_timeout_s=60.0, poll_interval_s=5.0, max_poll_interval_s=10.0)


def _deploy(
    srv: DeployServer, clock: Clock, environment: str = "staging", **extra: str
) -> tuple[bool, str, list[str]]:
    lines: list[str] = []
    outcome = run_deploy(
        Environment(environment),
        srv.env(environment, **extra),
        timing=FAST,
        policy=HealthPolicy(require_redis=True),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        progress=lines.append,
    )
    return outcome.ok, outcome.message, lines


def test_a_deploy_that_goes_live_and_is_healthy(clock: Clock) -> None:
    with DeployServer() as srv:
        ok, message, lines = _deploy(srv, clock, SLACK_WEBHOOK_URL="")
        status_reads = len(srv.calls("GET", "/v1/services/"))
        rollbacks = srv.calls("POST", "/rollback")
    assert ok
    assert message == "deploy dep-1 live and healthy (healthy after 2 round(s))"
    assert status_reads == 3  # build_in_progress, update_in_progress, live
    assert rollbacks == []
    assert lines[:2] == ["render: triggering a deploy to staging", "render: deploy dep-1 started"]
    assert "render: deploy dep-1 is update_in_progress" in lines


def test_a_failed_build_is_rolled_back_and_announced(clock: Clock) -> None:
    with DeployServer(deploy_statuses=["build_in_progress", "build_failed"]) as srv:
        ok, message, _ = _deploy(srv, clock, "production", SLACK_WEBHOOK_URL=f"{srv.url}/slack")
        rollbacks = len(srv.calls("POST", "/rollback"))
        health = srv.calls("GET", "/health")
        slack = [r.body for r in srv.calls("POST", "/slack")]
    assert not ok
    assert message == "deploy not live: deploy dep-1 build_failed; rolled back"
    assert rollbacks == 1
    assert health == []  # a failed deploy is not validated
    assert slack == [{"text": f"Deploy to production FAILED: {message}"}]


def test_a_deploy_that_never_goes_live_is_time_boxed_and_rolled_back(clock: Clock) -> None:
    with DeployServer(deploy_statuses=["build_in_progress"]) as srv:
        ok, message, _ = _deploy(srv, clock)
        rollbacks = len(srv.calls("POST", "/rollback"))
    assert not ok
    assert (
        message == "deploy not live: not live within 52 s (7 poll(s), last: build_in_progress); rolled back"
    )
    assert clock.now <= FAST.live_timeout_s
    assert clock.sleeps[:3] == [5.0, 7.5, 10.0]
    assert rollbacks == 1


def test_an_unhealthy_deploy_is_rolled_back(clock: Clock) -> None:
    with DeployServer(health_modes=["500"]) as srv:
        ok, message, _ = _deploy(srv, clock)
        rollbacks = len(srv.calls("POST", "/rollback"))
    assert not ok
    assert message.startswith("validation failed: not healthy after 10 round(s): /health: HTTP 500")
    assert message.endswith("; rolled back")
    assert rollbacks == 1


def test_a_rollback_that_fails_is_reported_with_the_failure_that_called_for_it(clock: Clock) -> None:
    with DeployServer(health_modes=["wrong_body"], rollback_status=500) as srv:
        ok, message, _ = _deploy(srv, clock)
    assert not ok
    assert message.startswith("validation failed: not healthy after 10 round(s)")
    assert message.endswith("; rollback FAILED (rollback hook answered HTTP 500)")


def test_a_wrong_api_key_ends_the_wait_as_status_unknown(clock: Clock) -> None:
    with DeployServer() as srv:
        ok, message, _ = _deploy(srv, clock, RENDER_API_KEY="wrong")
        rollbacks = len(srv.calls("POST", "/rollback"))
    assert not ok
    assert message == (
        "deploy status unknown: render: HTTP 401 reading the deploy status (check RENDER_API_KEY); "
        "rolled back"
    )
    assert rollbacks == 1


def test_a_refused_trigger_deploys_nothing_and_rolls_nothing_back(clock: Clock) -> None:
    with DeployServer() as srv:
        hook = srv.deploy_hook.replace("key=", "key=x")
        ok, message, _ = _deploy(srv, clock, STAGING_DEPLOY_HOOK=hook)
        rollbacks = len(srv.calls("POST", "/rollback"))
    assert (ok, message, rollbacks) == (False, "trigger failed: render: deploy hook answered HTTP 403", 0)
    assert "key" not in message


def test_missing_secrets_are_all_named_before_any_request() -> None:
    with DeployServer() as srv:
        with pytest.raises(MissingSecretsError) as caught:
            run_deploy(
                Environment.PRODUCTION, {"RENDER_API_KEY": " ", "SLACK_WEBHOOK_URL": f"{srv.url}/slack"}
            )
        asked = list(srv.requests)
    assert caught.value.names == (
        "RENDER_DEPLOY_HOOK",
        "PRODUCTION_URL",
        "RENDER_ROLLBACK_HOOK",
        "RENDER_API_KEY",
    )
    assert asked == []


def test_the_deploy_task_names_missing_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("STAGING_DEPLOY_HOOK", "STAGING_URL", "RENDER_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(Exit) as caught:
        deploy_tasks.deploy(Context(), env="staging")
    assert caught.value.code == 2
    assert str(caught.value.message) == (
        "cimaturity deploy: deploy to staging: missing STAGING_DEPLOY_HOOK, STAGING_URL, RENDER_API_KEY "
        "(set them as secrets of the environment)"
    )
    with pytest.raises(Exit) as unknown:
        deploy_tasks.deploy(Context(), env="qa")
    assert unknown.value.code == 2 and "staging, production" in str(unknown.value.message)


def test_the_deploy_task_writes_the_artifact(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    output = tmp_path / "health.json"
    with DeployServer(deploy_statuses=["live"]) as srv:
        for name, value in srv.env("staging").items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
        deploy_tasks.deploy(Context(), env="staging", output=str(output))
    found = read_health(output)
    assert found.verdict is Verdict.PASSED
    assert (found.environment, found.deploy_state, found.rollback_state) == ("staging", "live", None)
    written = output.read_text()
    assert json.loads(written)["deploy"]["deploy_id"] == "dep-1"
    assert HOOK_KEY not in written and BEARER not in written  # no hook URL, no token


def test_the_health_task_calls_a_failing_rollback_hook(tmp_path: Path) -> None:
    output = tmp_path / "health.json"
    with DeployServer(health_modes=["500"], rollback_status=500) as srv:
        with pytest.raises(Exit) as caught:
            deploy_tasks.health(
                Context(),
                url=srv.url,
                attempts=2,
                passes=1,
                backoff=0.01,
                rollback_hook=f"{srv.url}/rollback",
                output=str(output),
            )
        rollbacks = len(srv.calls("POST", "/rollback"))
    assert caught.value.code == 1
    assert str(caught.value.message).endswith("; rollback FAILED (rollback hook answered HTTP 500)")
    assert rollbacks == 1
    found = read_health(output)
    assert (found.verdict, found.rollback_state, len(found.rounds)) == (Verdict.FAILED, "failed", 2)
