"""deployment: the deployed service answers its health endpoints (the plan's Task 2.4), as JSON.

Polls `/health`, `/api/v1/health` and `/api/diagnostics` of `CIMATURITY_DEPLOY_URL` with retries
and backoff (`cimaturity.tools.health_check`, the same validation `invoke health` and `invoke
deploy` run) and keeps `health.json`: the report's evidence for deployment validation.
`CIMATURITY_DEPLOY_ENV` names the environment, `CIMATURITY_DEPLOY_SHA` the commit that must answer.

Gate: the validation passed, after at least one round asking every endpoint. Not applicable
without a deployed URL: nothing on this machine is deployed, and a check cannot invent one.
"""

from __future__ import annotations

from collections.abc import Sequence

from cimaturity.formats.health import Verdict as HealthVerdict
from cimaturity.formats.health import read_health
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.tools import helper_command

HEALTH = "health.json"
URL = "CIMATURITY_DEPLOY_URL"
ENVIRONMENT = "CIMATURITY_DEPLOY_ENV"
SHA = "CIMATURITY_DEPLOY_SHA"
_ENDPOINTS = frozenset({"/health", "/api/v1/health", "/api/diagnostics"})


def _not_applicable(ctx: CheckContext) -> str | None:
    if ctx.env.get(URL, "").strip():
        return None
    return f"not applicable: no deployed service to validate (set {URL}; `invoke deploy` validates its own)"


def _commands(ctx: CheckContext) -> list[Command]:
    options = ["--url", ctx.env[URL].strip(), "--output", str(ctx.artifact(HEALTH).resolve())]
    if ctx.env.get(ENVIRONMENT):
        options += ["--environment", ctx.env[ENVIRONMENT]]
    if ctx.env.get(SHA):
        options += ["--expect-sha", ctx.env[SHA]]
    # 1: the deployment is unhealthy and health.json says why; the gate reads it.
    return [helper_command("health_check", *options, ok_exit_codes=frozenset({0, 1}), env=ctx.env)]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(HEALTH)
    record = read_health(path)
    asked = record.paths
    if not record.rounds or not asked:
        raise ArtifactError(f"{path}: no health round was made; the deployment was not examined")
    exit_code = outcomes[-1].exit_code if outcomes else None
    if (exit_code == 0) != (record.verdict is HealthVerdict.PASSED):
        raise ArtifactError(f"{path}: verdict {record.verdict.value} contradicts the exit code {exit_code}")
    slowest = record.slowest_ms
    metrics = {
        "rounds": float(len(record.rounds)),
        "attempts": float(record.attempts),
        "endpoints": float(len(asked)),
        **({"slowest_ms": slowest} if slowest is not None else {}),
    }
    where = f"{record.target}" + (f" ({record.environment})" if record.environment else "")
    if record.verdict is HealthVerdict.FAILED:
        return Verdict.failed(f"{where}: {record.reason}", **metrics)
    missing = sorted(_ENDPOINTS - asked)
    if missing:
        return Verdict.failed(f"{where}: never asked {', '.join(missing)}", **metrics)
    timing = f", slowest answer {slowest:.0f} ms" if slowest is not None else ""
    return Verdict.passed(
        f"{where} healthy: {record.reason} ({len(record.rounds)} of up to {record.attempts} round(s), "
        f"backoff between rounds, no fixed sleep{timing}, limit {record.max_response_s:g} s)",
        **metrics,
    )


DEPLOYMENT = Check(
    name="deployment",
    stage=Stage.DEPLOY,
    summary="the deployed service (CIMATURITY_DEPLOY_URL) polled on /health, /api/v1/health and "
    "/api/diagnostics with retries and backoff; gate: healthy",
    commands=_commands,
    artifacts=(HEALTH,),
    gate=_gate,
    not_applicable=_not_applicable,
    timeout_s=600.0,
)
