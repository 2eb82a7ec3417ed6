"""Write `health.json` (the format `cimaturity.formats.health` documents and reads), atomically."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.atomic import write_text_atomic
from cimaturity.deploy.health import HealthResult, Rollback
from cimaturity.deploy.notify import Notified
from cimaturity.deploy.platform import Waited
from cimaturity.formats.health import FORMAT, FORMAT_VERSION, Verdict


@dataclass(frozen=True)
class DeployFacts:
    platform: str
    deploy_id: str | None
    waited: Waited | None
    error: str | None = None  # the trigger or the status API failed: one line


def to_json(
    result: HealthResult | None,
    *,
    environment: str | None = None,
    deploy: DeployFacts | None = None,
    rollback: Rollback | None = None,
    notified: Notified | None = None,
    reason: str = "",
) -> dict[str, Any]:
    passed = result is not None and result.passed and (deploy is None or deploy.error is None)
    rollback = rollback or (result.rollback if result else None)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "verdict": (Verdict.PASSED if passed else Verdict.FAILED).value,
        "reason": reason or (result.reason if result else "not validated"),
        "target": result.target if result else "",
        "environment": environment,
        "policy": _policy(result),
        "rounds": [
            {
                "number": r.number,
                "waited_s": r.waited_s,
                "checks": [
                    {
                        "path": c.path,
                        "status": c.status,
                        "elapsed_ms": c.elapsed_ms,
                        "problems": list(c.problems),
                    }
                    for c in r.checks
                ],
            }
            for r in (result.rounds if result else ())
        ],
        "deploy": None,
        "rollback": None if rollback is None else {"state": rollback.state.value, "detail": rollback.detail},
        "notification": None if notified is None else {"sent": notified.sent, "detail": notified.detail},
    }
    if deploy is not None:
        status = deploy.waited.status if deploy.waited else None
        doc["deploy"] = {
            "platform": deploy.platform,
            "deploy_id": deploy.deploy_id,
            "state": status.state.value if status else None,
            "detail": deploy.error or (deploy.waited.describe() if deploy.waited else "not started"),
        }
    return doc


def _policy(result: HealthResult | None) -> dict[str, Any]:
    if result is None:
        return {
            "attempts": 0,
            "required_passes": 0,
            "backoff_s": 0.0,
            "max_response_s": 0.0,
            "fixed_sleep": False,
        }
    policy = result.policy
    return {
        "attempts": policy.attempts,
        "required_passes": policy.required_passes,
        "backoff_s": policy.backoff_s,
        "max_response_s": policy.max_response_s,
        "fixed_sleep": False,  # the waits are a backoff between polls, never a wait instead of one
    }


def write(path: Path, document: dict[str, Any]) -> None:
    write_text_atomic(path, json.dumps(document, indent=2) + "\n")
