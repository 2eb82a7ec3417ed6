"""The hosting platform: trigger a deploy, read its status. `Render` is the one implemented.

`Platform` is the whole interface a new host needs (`trigger` and `status`); `wait_until_live`
is the platform-neutral loop: poll every `interval_s` (growing by half each time, up to
`max_interval_s`) until the deploy is live or has failed, within `timeout_s`. `sleep` and
`monotonic` are injectable.

Render (https://api-docs.render.com): a deploy hook is a secret URL,
`https://api.render.com/deploy/srv-...?key=...`, that starts a deploy on POST and answers
`{"deploy": {"id": "dep-..."}}`; the deploy's status is
`GET {api}/v1/services/{service}/deploys/{deploy}` with `Authorization: Bearer RENDER_API_KEY`,
whose `status` is one of created, build_in_progress, update_in_progress, pre_deploy_in_progress
(still going), live (done), build_failed, update_failed, pre_deploy_failed, canceled,
deactivated (failed). The service id is read from the hook's path.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from urllib.parse import urlsplit

from cimaturity.deploy.http import DeployError, Send, UnreachableError, send

RENDER_API_URL = "https://api.render.com/v1"


class DeployState(StrEnum):
    PENDING = "pending"
    LIVE = "live"
    FAILED = "failed"


@dataclass(frozen=True)
class DeployStatus:
    deploy_id: str
    state: DeployState
    detail: str  # the platform's own word for it, e.g. Render's "build_failed"


class Platform(Protocol):
    @property
    def name(self) -> str:
        """Short, for progress lines: "render"."""
        ...

    def trigger(self) -> str:
        """Start a deploy; its id. Raises DeployError."""
        ...

    def status(self, deploy_id: str) -> DeployStatus:
        """Where that deploy is now. Raises DeployError."""
        ...


_RENDER_STATES = {
    "created": DeployState.PENDING,
    "queued": DeployState.PENDING,
    "build_in_progress": DeployState.PENDING,
    "update_in_progress": DeployState.PENDING,
    "pre_deploy_in_progress": DeployState.PENDING,
    "live": DeployState.LIVE,
    "build_failed": DeployState.FAILED,
    "update_failed": DeployState.FAILED,
    "pre_deploy_failed": DeployState.FAILED,
    "canceled": DeployState.FAILED,
    "deactivated": DeployState.FAILED,
}


@dataclass(frozen=True)
class Render:
    deploy_hook: str
    api_key: str
    api_url: str = RENDER_API_URL
    service_id: str = ""  # default: from the hook's path
    http: Send = send
    name: str = "render"

    def __repr__(self) -> str:  # the hook and the key stay out of logs and tracebacks
        return f"Render(api_url={self.api_url!r}, service_id={self.service()!r})"

    def service(self) -> str:
        if self.service_id:
            return self.service_id
        parts = [part for part in urlsplit(self.deploy_hook).path.split("/") if part]
        found = next((part for part in parts if part.startswith("srv-")), "")
        if not found:
            raise DeployError("render: the deploy hook names no service (srv-...); set RENDER_SERVICE_ID")
        return found

    def trigger(self) -> str:
        try:
            answer = self.http("POST", self.deploy_hook, timeout_s=30.0)
        except UnreachableError as error:
            raise DeployError(f"render: deploy hook unreachable: {error}") from None
        if not 200 <= answer.status < 300:
            raise DeployError(f"render: deploy hook answered HTTP {answer.status}")
        body = answer.json()
        deploy = body.get("deploy") if isinstance(body, dict) else None
        deploy_id = deploy.get("id") if isinstance(deploy, dict) else None
        if not isinstance(deploy_id, str) or not deploy_id:
            raise DeployError("render: the deploy hook's answer has no deploy id")
        return deploy_id

    def status(self, deploy_id: str) -> DeployStatus:
        url = f"{self.api_url.rstrip('/')}/services/{self.service()}/deploys/{deploy_id}"
        headers = {"Authorization": f"Bearer {self.api_key}"}
        try:
            answer = self.http("GET", url, headers=headers, timeout_s=30.0)
        except UnreachableError as error:
            raise DeployError(f"render: deploy status unreachable: {error}") from None
        if answer.status in (401, 403):
            raise DeployError(
                f"render: HTTP {answer.status} reading the deploy status (check RENDER_API_KEY)"
            )
        if answer.status != 200:
            raise DeployError(f"render: HTTP {answer.status} reading deploy {deploy_id}")
        body = answer.json()
        word = body.get("status") if isinstance(body, dict) else None
        if not isinstance(word, str) or word not in _RENDER_STATES:
            raise DeployError(f"render: deploy {deploy_id} has an unknown status {str(word)[:40]!r}")
        return DeployStatus(deploy_id, _RENDER_STATES[word], word)


@dataclass(frozen=True)
class Waited:
    status: DeployStatus | None  # None: never read successfully
    polls: int
    elapsed_s: float
    timed_out: bool

    @property
    def live(self) -> bool:
        return self.status is not None and self.status.state is DeployState.LIVE

    def describe(self) -> str:
        if self.live:
            return f"live after {self.elapsed_s:.0f} s ({self.polls} poll(s))"
        if self.timed_out:
            last = self.status.detail if self.status else "no status read"
            return f"not live within {self.elapsed_s:.0f} s ({self.polls} poll(s), last: {last})"
        if self.status is None:  # not live and not timed out means a failed status was read
            return f"failed after {self.elapsed_s:.0f} s"
        return f"deploy {self.status.deploy_id} {self.status.detail}"


def wait_until_live(
    platform: Platform,
    deploy_id: str,
    *,
    timeout_s: float = 900.0,
    interval_s: float = 5.0,
    max_interval_s: float = 30.0,
    status_errors: int = 3,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] = lambda line: None,
) -> Waited:
    """Poll until live or failed, or `timeout_s` passes; `status_errors` failed reads in a row
    (the API down, say) end the wait with the last error raised."""
    started = monotonic()
    last: DeployStatus | None = None
    polls = errors = 0
    wait = interval_s
    while True:
        polls += 1
        try:
            last = platform.status(deploy_id)
            errors = 0
        except DeployError as error:
            errors += 1
            progress(f"{platform.name}: status read failed ({error})")
            if errors >= status_errors:
                raise
        else:
            progress(f"{platform.name}: deploy {deploy_id} is {last.detail}")
            if last.state is not DeployState.PENDING:
                return Waited(last, polls, monotonic() - started, False)
        elapsed = monotonic() - started
        if elapsed + wait > timeout_s:
            return Waited(last, polls, elapsed, True)
        sleep(wait)
        wait = min(wait * 1.5, max_interval_s)
