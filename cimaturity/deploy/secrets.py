"""Which secrets and variables each deployment needs (Task 5.2), checked before anything runs.

`missing(environment, environ)` names every required one that is unset or empty, so a first
step can fail with the whole list instead of the deploy failing at the first `curl`. The same
table is documented in `.github/WORKFLOW_DOCUMENTATION.md`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from cimaturity.deploy.http import DeployError


class Environment(StrEnum):
    STAGING = "staging"
    PRODUCTION = "production"


@dataclass(frozen=True)
class Need:
    name: str
    purpose: str
    required: bool = True


_COMMON = (
    Need("RENDER_API_KEY", "read the deploy's status from Render's API"),
    Need("SLACK_WEBHOOK_URL", "post the outcome to Slack", required=False),
)
NEEDS: Mapping[Environment, tuple[Need, ...]] = {
    Environment.STAGING: (
        Need("STAGING_DEPLOY_HOOK", "start a staging deploy (Render deploy hook)"),
        Need("STAGING_URL", "the staging service's base URL, for the health check"),
        Need("STAGING_ROLLBACK_HOOK", "roll staging back when validation fails", required=False),
        *_COMMON,
    ),
    Environment.PRODUCTION: (
        Need("RENDER_DEPLOY_HOOK", "start a production deploy (Render deploy hook)"),
        Need("PRODUCTION_URL", "the production service's base URL, for the health check"),
        Need("RENDER_ROLLBACK_HOOK", "roll production back when validation fails"),
        *_COMMON,
    ),
}


@dataclass(frozen=True)
class Names:
    """The variable names one environment's deployment reads."""

    deploy_hook: str
    url: str
    rollback_hook: str


NAMES: Mapping[Environment, Names] = {
    Environment.STAGING: Names("STAGING_DEPLOY_HOOK", "STAGING_URL", "STAGING_ROLLBACK_HOOK"),
    Environment.PRODUCTION: Names("RENDER_DEPLOY_HOOK", "PRODUCTION_URL", "RENDER_ROLLBACK_HOOK"),
}


class MissingSecretsError(DeployError):
    def __init__(self, environment: Environment, names: list[str]) -> None:
        self.names = tuple(names)
        super().__init__(
            f"deploy to {environment}: missing {', '.join(names)} (set them as secrets of the environment)"
        )


def missing(environment: Environment, environ: Mapping[str, str]) -> list[str]:
    return [
        need.name for need in NEEDS[environment] if need.required and not environ.get(need.name, "").strip()
    ]


def require(environment: Environment, environ: Mapping[str, str]) -> None:
    """Raise MissingSecretsError naming every required secret or variable that is not set."""
    names = missing(environment, environ)
    if names:
        raise MissingSecretsError(environment, names)
