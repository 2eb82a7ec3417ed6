"""What the client returns: frozen dataclasses read from GitHub's JSON, checked field by field.

Only the fields the PR comment and the DORA metrics use. Times are aware datetimes in UTC. A field
of the wrong shape is a `GitHubError` naming the object and the field, never a KeyError later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cimaturity.github.errors import GitHubError


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    created_at: datetime
    updated_at: datetime
    author: str | None  # the login; None for a deleted account ("ghost" in the web page)
    html_url: str


@dataclass(frozen=True)
class DeploymentStatus:
    id: int
    state: str  # error, failure, inactive, in_progress, queued, pending, success
    environment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Deployment:
    id: int
    sha: str
    ref: str
    task: str
    environment: str
    created_at: datetime
    updated_at: datetime
    statuses: tuple[DeploymentStatus, ...] = ()  # newest first, as GitHub lists them; () unless asked

    @property
    def latest_state(self) -> str | None:
        """The state of the newest status, or None when none was fetched (or there is none)."""
        return max(self.statuses, key=lambda s: (s.created_at, s.id)).state if self.statuses else None


@dataclass(frozen=True)
class WorkflowRun:
    id: int
    name: str | None
    workflow_id: int
    head_sha: str
    head_branch: str | None  # None for some events (a tag push names no branch)
    event: str
    status: str | None  # queued, in_progress, completed, ...
    conclusion: str | None  # success, failure, cancelled, ... (None until completed)
    run_attempt: int
    created_at: datetime
    updated_at: datetime
    run_started_at: datetime | None
    html_url: str


def comment_from(data: object) -> Comment:
    obj = _Obj(data, "comment")
    user = obj.raw.get("user")
    login = user.get("login") if isinstance(user, dict) else None
    return Comment(
        id=obj.integer("id"),
        body=obj.text("body", default=""),
        created_at=obj.time("created_at"),
        updated_at=obj.time("updated_at"),
        author=login if isinstance(login, str) else None,
        html_url=obj.text("html_url", default=""),
    )


def deployment_status_from(data: object) -> DeploymentStatus:
    obj = _Obj(data, "deployment status")
    return DeploymentStatus(
        id=obj.integer("id"),
        state=obj.text("state"),
        environment=obj.opt_str("environment"),
        created_at=obj.time("created_at"),
        updated_at=obj.time("updated_at"),
    )


def deployment_from(data: object) -> Deployment:
    obj = _Obj(data, "deployment")
    return Deployment(
        id=obj.integer("id"),
        sha=obj.text("sha"),
        ref=obj.text("ref"),
        task=obj.text("task", default="deploy"),
        environment=obj.text("environment"),
        created_at=obj.time("created_at"),
        updated_at=obj.time("updated_at"),
    )


def workflow_run_from(data: object) -> WorkflowRun:
    obj = _Obj(data, "workflow run")
    started = obj.opt_str("run_started_at")
    return WorkflowRun(
        id=obj.integer("id"),
        name=obj.opt_str("name"),
        workflow_id=obj.integer("workflow_id"),
        head_sha=obj.text("head_sha"),
        head_branch=obj.opt_str("head_branch"),
        event=obj.text("event"),
        status=obj.opt_str("status"),
        conclusion=obj.opt_str("conclusion"),
        run_attempt=obj.integer("run_attempt", default=1),
        created_at=obj.time("created_at"),
        updated_at=obj.time("updated_at"),
        run_started_at=obj.parse_time("run_started_at", started) if started else None,
        html_url=obj.text("html_url", default=""),
    )


class _Obj:
    """One JSON object of GitHub's answer, read field by field with the object named in errors."""

    def __init__(self, data: object, what: str) -> None:
        if not isinstance(data, dict):
            raise GitHubError(
                f"unexpected answer from GitHub: a {what} is {type(data).__name__}, not an object"
            )
        self.raw: Mapping[str, Any] = data
        self.what = what

    def _bad(self, key: str, expected: str) -> GitHubError:
        ident = self.raw.get("id")
        named = f"{self.what} {ident}" if isinstance(ident, int) else f"a {self.what}"
        return GitHubError(f"unexpected answer from GitHub: {named}: {key!r} is not {expected}")

    def integer(self, key: str, default: int | None = None) -> int:
        value = self.raw.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self._bad(key, "an integer")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.raw.get(key)
        if value is None and default is not None:
            return default
        if not isinstance(value, str):
            raise self._bad(key, "a string")
        return value

    def opt_str(self, key: str) -> str | None:
        value = self.raw.get(key)
        if value is not None and not isinstance(value, str):
            raise self._bad(key, "a string or null")
        return value

    def time(self, key: str) -> datetime:
        return self.parse_time(key, self.text(key))

    def parse_time(self, key: str, text: str) -> datetime:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self._bad(key, "an ISO 8601 time") from None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
