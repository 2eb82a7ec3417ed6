"""`invoke deploy`, end to end: secrets -> trigger -> wait until live -> validate -> roll back
when the deploy or the validation failed -> notify. Each step is one line of progress.

A trigger that fails deployed nothing, so nothing is rolled back; a deploy that failed, never
went live in time, or whose status could not be read, and a validation that failed, call the
environment's rollback hook (when one is configured). A failing rollback is reported with the
failure that called for it, never instead of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from cimaturity.deploy import record, secrets
from cimaturity.deploy.health import HealthChecker, HealthPolicy, HealthResult, Rollback, call_rollback
from cimaturity.deploy.http import DeployError, Send, send
from cimaturity.deploy.notify import notify
from cimaturity.deploy.platform import RENDER_API_URL, Platform, Render, Waited, wait_until_live
from cimaturity.deploy.secrets import Environment


@dataclass(frozen=True)
class Timing:
    live_timeout_s: float = 900.0
    poll_interval_s: float = 5.0
    max_poll_interval_s: float = 30.0


@dataclass(frozen=True)
class DeployOutcome:
    ok: bool
    message: str  # one line, no secret
    document: dict[str, Any]  # health.json


def render_from_env(environment: Environment, environ: Mapping[str, str], http: Send = send) -> Render:
    return Render(
        deploy_hook=environ[secrets.NAMES[environment].deploy_hook],
        api_key=environ["RENDER_API_KEY"],
        api_url=environ.get("RENDER_API_URL") or RENDER_API_URL,
        service_id=environ.get("RENDER_SERVICE_ID", ""),
        http=http,
    )


def run_deploy(
    environment: Environment,
    environ: Mapping[str, str],
    *,
    policy: HealthPolicy | None = None,
    timing: Timing | None = None,
    platform: Platform | None = None,
    http: Send = send,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] = lambda line: None,
) -> DeployOutcome:
    """Raises MissingSecretsError (before any request) when a required secret is unset."""
    secrets.require(environment, environ)
    names = secrets.NAMES[environment]
    timing = timing or Timing()
    policy = policy or HealthPolicy(require_redis=True)
    # the commit that must answer /api/diagnostics: DEPLOY_SHA (a workflow_run's head commit;
    # GitHub's GITHUB_SHA there is the default branch's), else GITHUB_SHA
    sha = environ.get("DEPLOY_SHA") or environ.get("GITHUB_SHA", "")
    if not policy.expect_sha and sha:
        policy = replace(policy, expect_sha=sha)
    host: Platform = platform or render_from_env(environment, environ, http)
    rollback_hook = environ.get(names.rollback_hook, "")

    def finish(
        ok: bool,
        message: str,
        facts: record.DeployFacts,
        result: HealthResult | None = None,
        rollback: Rollback | None = None,
    ) -> DeployOutcome:
        verdict = "succeeded" if ok else "FAILED"
        notified = notify(environ, f"Deploy to {environment} {verdict}: {message}", http)
        if notified is not None:
            progress(notified.detail)
        document = record.to_json(
            result,
            environment=environment.value,
            deploy=facts,
            rollback=rollback,
            notified=notified,
            reason=message,
        )
        return DeployOutcome(ok, message, document)

    def roll_back(why: str, facts: record.DeployFacts, result: HealthResult | None = None) -> DeployOutcome:
        progress(f"rolling back: {why}")
        rollback = call_rollback(rollback_hook, http)
        progress(rollback.detail)
        tail = "rolled back" if rollback.ok else f"rollback FAILED ({rollback.detail})"
        return finish(False, f"{why}; {tail}", facts, result, rollback)

    progress(f"{host.name}: triggering a deploy to {environment}")
    try:
        deploy_id = host.trigger()
    except DeployError as error:
        return finish(
            False, f"trigger failed: {error}", record.DeployFacts(host.name, None, None, str(error))
        )
    progress(f"{host.name}: deploy {deploy_id} started")
    try:
        waited: Waited = wait_until_live(
            host,
            deploy_id,
            timeout_s=timing.live_timeout_s,
            interval_s=timing.poll_interval_s,
            max_interval_s=timing.max_poll_interval_s,
            sleep=sleep,
            monotonic=monotonic,
            progress=progress,
        )
    except DeployError as error:
        return roll_back(
            f"deploy status unknown: {error}", record.DeployFacts(host.name, deploy_id, None, str(error))
        )
    facts = record.DeployFacts(host.name, deploy_id, waited)
    if not waited.live:
        return roll_back(f"deploy not live: {waited.describe()}", replace(facts, error=waited.describe()))
    progress(f"{host.name}: {waited.describe()}")
    url = environ[names.url]
    result = HealthChecker(url, policy, http, sleep, progress).run()
    if not result.passed:
        return roll_back(f"validation failed: {result.reason}", facts, result)
    return finish(True, f"deploy {deploy_id} live and healthy ({result.reason})", facts, result)
