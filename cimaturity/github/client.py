"""The GitHub REST calls cimaturity makes: the PR comment, deployments and workflow runs.

`GitHubClient.from_env(os.environ)` configures itself the way GitHub Actions provides it (see
`context.py`); every list follows `Link: rel="next"` to the last page; every request is retried
as `transport.py` describes. Errors are `GitHubError`, one line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import TypeVar

from cimaturity.github.context import GitHubContext, context_from_env
from cimaturity.github.errors import GitHubError
from cimaturity.github.models import (
    Comment,
    Deployment,
    DeploymentStatus,
    WorkflowRun,
    comment_from,
    deployment_from,
    deployment_status_from,
    workflow_run_from,
)
from cimaturity.github.transport import RetryPolicy, TransientError, Transport

log = logging.getLogger("cimaturity.github")

MAX_COMMENT_CHARS = 65_536  # GitHub refuses a longer issue comment body (422)
PER_PAGE = 100  # GitHub's maximum
_T = TypeVar("_T")


class UpsertAction(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the comment already had this body: not edited again


@dataclass(frozen=True)
class UpsertResult:
    action: UpsertAction
    comment: Comment
    duplicates: tuple[int, ...] = ()  # ids of newer comments with the marker, left as they were

    def describe(self) -> str:
        """One line for the log: what was done, and the duplicates when there are any."""
        text = f"{self.action} comment {self.comment.id}"
        if self.duplicates:
            ids = ", ".join(str(i) for i in self.duplicates)
            text += (
                f"; {len(self.duplicates) + 1} comments carry the marker: edited the oldest, "
                f"left {ids} (delete them by hand)"
            )
        return text


class GitHubClient:
    def __init__(
        self,
        context: GitHubContext,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.context = context
        self.policy = policy or RetryPolicy()
        self._sleep = sleep
        self._http = Transport(
            context.api_url,
            context.token,
            policy=self.policy,
            sleep=sleep,
            monotonic=monotonic,
            wall_clock=wall_clock,
        )
        self._repo = f"/repos/{context.owner}/{context.repo}"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str],
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> GitHubClient:
        """From GITHUB_API_URL, GITHUB_REPOSITORY and GITHUB_TOKEN (see `context.py`)."""
        context = context_from_env(env)
        return cls(context, policy=policy, sleep=sleep, monotonic=monotonic, wall_clock=wall_clock)

    def __repr__(self) -> str:
        return f"GitHubClient({self.context.api_url!r}, {self.context.repository!r})"

    # -- issue comments (a pull request's conversation is its issue's) --

    def list_comments(self, pr: int) -> tuple[Comment, ...]:
        """Every comment of pull request (or issue) `pr`, oldest first."""
        return tuple(self._list(f"{self._repo}/issues/{pr}/comments", {}, comment_from))

    def create_comment(self, pr: int, body: str) -> Comment:
        """A new comment. Not retried on a 5xx or network error (it may have been created):
        `upsert_comment` is the call that is safe to repeat."""
        _check_length(body)
        answer = self._http.request(
            "POST",
            self._http.url(f"{self._repo}/issues/{pr}/comments"),
            body={"body": body},
            idempotent=False,
        )
        return comment_from(answer.data)

    def update_comment(self, comment_id: int, body: str) -> Comment:
        _check_length(body)
        answer = self._http.request(
            "PATCH", self._http.url(f"{self._repo}/issues/comments/{comment_id}"), body={"body": body}
        )
        return comment_from(answer.data)

    def upsert_comment(self, pr: int, body: str, marker: str) -> UpsertResult:
        """The one comment of `pr` whose body contains `marker` (a hidden HTML comment such as
        `<!-- cimaturity:maturity-report -->`) made to read `body`: created by the first run,
        edited by every later one. When several carry the marker (two runs raced, or an older
        bug), the oldest is edited and the others are named in the result, never another created.
        `marker` is put on the first line when `body` does not contain it.
        """
        if not marker.strip() or "\n" in marker:
            raise GitHubError(f"comment marker {marker!r} must be one non-blank line")
        full = body if marker in body else f"{marker}\n{body}"
        _check_length(full)
        for attempt in range(1, self.policy.attempts + 1):
            existing = sorted(
                (c for c in self.list_comments(pr) if marker in c.body), key=lambda c: (c.created_at, c.id)
            )
            if existing:
                return self._edit(existing[0], full, tuple(c.id for c in existing[1:]))
            try:
                return UpsertResult(UpsertAction.CREATED, self.create_comment(pr, full))
            except TransientError as error:
                if attempt == self.policy.attempts:
                    raise GitHubError(f"{error} ({attempt} tries)", error.status) from None
                wait = min(self.policy.backoff_s * 2 ** (attempt - 1), self.policy.max_backoff_s)
                # it may have been created: the next round looks for it before creating again
                log.warning("%s; looking for the comment again in %.0f s", error, wait)
                self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover (the loop returns or raises)

    def _edit(self, comment: Comment, body: str, duplicates: tuple[int, ...]) -> UpsertResult:
        if duplicates:
            log.warning(
                "%d comments carry the marker: editing the oldest (%d), leaving %s",
                len(duplicates) + 1,
                comment.id,
                ", ".join(map(str, duplicates)),
            )
        if comment.body == body:
            return UpsertResult(UpsertAction.UNCHANGED, comment, duplicates)
        return UpsertResult(UpsertAction.UPDATED, self.update_comment(comment.id, body), duplicates)

    def pull_request_head_sha(self, pr: int) -> str:
        """The commit at the head of pull request `pr` now (to check an artifact's claim about it)."""
        answer = self._http.request("GET", self._http.url(f"{self._repo}/pulls/{pr}"))
        head = answer.data.get("head") if isinstance(answer.data, dict) else None
        sha = head.get("sha") if isinstance(head, dict) else None
        if not isinstance(sha, str) or not sha:
            raise GitHubError(f"pull request {pr}: GitHub's answer has no head.sha")
        return sha

    # -- deployments --

    def list_deployments(
        self,
        *,
        environment: str | None = None,
        ref: str | None = None,
        sha: str | None = None,
        task: str | None = None,
        with_statuses: bool = False,
        limit: int | None = None,
    ) -> tuple[Deployment, ...]:
        """Deployments, newest first (GitHub's order); with each one's statuses when asked (one
        more request per deployment)."""
        query = _query(environment=environment, ref=ref, sha=sha, task=task)
        found = tuple(self._list(f"{self._repo}/deployments", query, deployment_from, limit=limit))
        if not with_statuses:
            return found
        return tuple(replace(d, statuses=self.list_deployment_statuses(d.id)) for d in found)

    def list_deployment_statuses(self, deployment_id: int) -> tuple[DeploymentStatus, ...]:
        """A deployment's statuses, newest first (GitHub's order)."""
        path = f"{self._repo}/deployments/{deployment_id}/statuses"
        return tuple(self._list(path, {}, deployment_status_from))

    # -- workflow runs --

    def list_workflow_runs(
        self,
        *,
        workflow: int | str | None = None,
        branch: str | None = None,
        event: str | None = None,
        status: str | None = None,
        created_since: date | datetime | None = None,
        head_sha: str | None = None,
        limit: int | None = None,
    ) -> tuple[WorkflowRun, ...]:
        """Runs of the repository (or of one workflow: its id or file name, e.g. "deploy.yml"),
        newest first, filtered by GitHub: `status` is a status (completed, in_progress, ...) or a
        conclusion (success, failure, ...); `created_since` becomes `created=>=...`. GitHub answers
        at most 1,000 runs for a filtered list: narrow `created_since` for more.
        """
        base = f"{self._repo}/actions/workflows/{workflow}/runs" if workflow is not None else None
        query = _query(
            branch=branch,
            event=event,
            status=status,
            head_sha=head_sha,
            created=f">={_search_time(created_since)}" if created_since is not None else None,
        )
        return tuple(
            self._list(
                base or f"{self._repo}/actions/runs",
                query,
                workflow_run_from,
                key="workflow_runs",
                limit=limit,
            )
        )

    # -- pagination --

    def _list(
        self,
        path: str,
        query: Mapping[str, str],
        parse: Callable[[object], _T],
        *,
        key: str | None = None,
        limit: int | None = None,
    ) -> Iterator[_T]:
        """Items of every page, following `Link: rel="next"`; `key` names the list in an object
        answer (`workflow_runs`); stops after `limit` items."""
        url: str | None = self._http.url(path, {**query, "per_page": PER_PAGE})
        count = 0
        while url is not None and (limit is None or count < limit):
            answer = self._http.request("GET", url)
            items = answer.data.get(key) if key and isinstance(answer.data, dict) else answer.data
            if not isinstance(items, list):
                raise GitHubError(f"unexpected answer from GitHub to GET {path}: not a list")
            for item in items[: None if limit is None else limit - count]:
                count += 1
                yield parse(item)
            url = answer.next_url


def _check_length(body: str) -> None:
    if len(body) > MAX_COMMENT_CHARS:
        raise GitHubError(
            f"comment body is {len(body):,} characters; GitHub takes at most {MAX_COMMENT_CHARS:,} "
            "(the report must be shortened before it is posted)"
        )


def _query(**params: str | None) -> dict[str, str]:
    return {name: value for name, value in params.items() if value is not None}


def _search_time(moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return aware.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()
