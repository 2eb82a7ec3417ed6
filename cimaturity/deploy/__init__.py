"""Deployments that prove themselves: trigger, wait until live, validate, roll back, notify.

One module per concern, each small and testable against a local HTTP server:

- `http`: one HTTP exchange (http/https only, no redirects followed, timed), `DeployError`;
- `health`: polls `/health`, `/api/v1/health` and `/api/diagnostics` with retries and backoff
  until they pass `HealthPolicy`, and calls a rollback hook when they do not;
- `platform`: the `Platform` protocol (trigger a deploy, read its status) and `Render`, plus
  `wait_until_live`, the platform-neutral polling loop;
- `notify`: a Slack-compatible incoming webhook, when `SLACK_WEBHOOK_URL` is set;
- `secrets`: which secrets and variables each environment's deployment needs;
- `pipeline`: `invoke deploy` end to end; `record`: the `health.json` artifact it and
  `invoke health` write (read back by `cimaturity.formats.health`).

Hook URLs carry their key: they are never printed, logged or written to an artifact.
"""

from __future__ import annotations

from cimaturity.deploy.http import DeployError

__all__ = ["DeployError"]
