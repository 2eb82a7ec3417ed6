"""`invoke health` and `invoke deploy`: a deployment validated by polling, rolled back on failure.

The work is in `cimaturity.deploy`; these tasks parse options, print progress, write
`health.json` and turn the outcome into an exit code: 0 passed, 1 the deployment or its
validation failed (rolled back when a hook is configured), 2 a usage or configuration error
(an unknown environment, a missing secret).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

DEFAULT_OUTPUT = "reports/health.json"


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@task(
    help={
        "url": "the deployed service's base URL, e.g. https://staging.example.com",
        "attempts": "rounds of the three endpoints before giving up (default 10)",
        "backoff": "seconds to wait after the first failed round, doubled after each (default 1)",
        "max-response": "the slowest acceptable answer, in seconds (default 2)",
        "passes": "rounds in a row that must pass (default 2: one lucky answer is not enough)",
        "require-redis": "the cache must be Redis, not the in-process fallback",
        "expect-sha": "/api/diagnostics must report this git commit (the one deployed)",
        "rollback-hook": "a URL to POST when validation fails (default: $ROLLBACK_HOOK)",
        "output": f"where to write the JSON result (default {DEFAULT_OUTPUT})",
    },
)
def health(
    c: Context,
    url: str,
    attempts: int = 10,
    backoff: float = 1.0,
    max_response: float = 2.0,
    passes: int = 2,
    require_redis: bool = False,
    expect_sha: str = "",
    rollback_hook: str = "",
    output: str = DEFAULT_OUTPUT,
) -> None:
    """Validate a deployment: poll /health, /api/v1/health and /api/diagnostics until they pass.

    Checks each answer's status code, body, database and cache status and response time, with
    retries and backoff (no fixed sleep); calls the rollback hook when validation fails.
    """
    from cimaturity.deploy import record
    from cimaturity.deploy.health import HealthChecker, HealthPolicy, call_rollback

    try:
        policy = HealthPolicy(
            attempts=attempts,
            backoff_s=backoff,
            max_response_s=max_response,
            required_passes=passes,
            require_redis=require_redis,
            expect_sha=expect_sha,
        )
    except ValueError as exc:
        raise Exit(f"cimaturity health: {exc}", code=2) from None
    if not url.startswith(("http://", "https://")):
        raise Exit("cimaturity health: --url must be an http(s) URL", code=2)
    result = HealthChecker(url, policy, progress=_progress).run()
    hook = rollback_hook or os.environ.get("ROLLBACK_HOOK", "")
    if not result.passed and hook:
        _progress("rolling back: validation failed")
        result = result.with_rollback(call_rollback(hook))
        _progress(result.rollback.detail if result.rollback else "")
    record.write(Path(output), record.to_json(result))
    if not result.passed:
        tail = ""
        if result.rollback is not None:
            tail = "; rolled back" if result.rollback.ok else f"; rollback FAILED ({result.rollback.detail})"
        raise Exit(f"cimaturity health: {result.reason}{tail}", code=1)
    print(f"health: {result.target} {result.reason}")


@task(
    help={
        "env": "staging or production",
        "output": f"where to write the JSON result (default {DEFAULT_OUTPUT})",
        "timeout": "seconds to wait for the deploy to go live (default 900)",
        "attempts": "health rounds after the deploy is live (default 10)",
    },
)
def deploy(
    c: Context, env: str, output: str = DEFAULT_OUTPUT, timeout: float = 900.0, attempts: int = 10
) -> None:
    """Deploy to Render and prove it: trigger, wait until live, validate health, roll back on failure.

    Reads the environment's secrets (see .github/WORKFLOW_DOCUMENTATION.md) and fails first,
    naming every one that is missing. Posts the outcome to SLACK_WEBHOOK_URL when it is set.
    """
    from cimaturity.deploy import record
    from cimaturity.deploy.health import HealthPolicy
    from cimaturity.deploy.pipeline import Timing, run_deploy
    from cimaturity.deploy.secrets import Environment, MissingSecretsError

    choices = {member.value: member for member in Environment}
    if env not in choices:
        raise Exit(f"cimaturity deploy: --env must be one of {', '.join(choices)}, not {env!r}", code=2)
    try:
        policy = HealthPolicy(attempts=attempts, require_redis=True)
        outcome = run_deploy(
            choices[env],
            dict(os.environ),
            policy=policy,
            timing=Timing(live_timeout_s=timeout),
            progress=_progress,
        )
    except MissingSecretsError as exc:
        raise Exit(f"cimaturity deploy: {exc}", code=2) from None
    except ValueError as exc:
        raise Exit(f"cimaturity deploy: {exc}", code=2) from None
    record.write(Path(output), outcome.document)
    if not outcome.ok:
        raise Exit(f"cimaturity deploy: {outcome.message}", code=1)
    print(f"deploy: {outcome.message}")
