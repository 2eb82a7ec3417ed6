"""A deployment's outcome posted to a Slack-compatible incoming webhook (`{"text": ...}`).

Only when `SLACK_WEBHOOK_URL` is set. A notification that fails never changes the deployment's
verdict: it is reported as one line (without the webhook URL, which is a secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cimaturity.deploy.http import Send, UnreachableError, send

WEBHOOK_VARIABLE = "SLACK_WEBHOOK_URL"


@dataclass(frozen=True)
class Notified:
    sent: bool
    detail: str


def notify(environ: Mapping[str, str], text: str, http: Send = send) -> Notified | None:
    """Post `text`; None when no webhook is configured."""
    webhook = environ.get(WEBHOOK_VARIABLE, "")
    if not webhook:
        return None
    try:
        answer = http("POST", webhook, json_body={"text": text}, timeout_s=15.0)
    except UnreachableError as error:
        return Notified(False, f"slack: not sent ({error})")
    if 200 <= answer.status < 300:
        return Notified(True, "slack: sent")
    return Notified(False, f"slack: not sent (HTTP {answer.status})")
