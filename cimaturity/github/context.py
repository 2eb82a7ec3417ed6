"""Where the client talks to, as GitHub Actions says it: the environment and the event file.

    GITHUB_API_URL      https://api.github.com unless set (GitHub Enterprise: https://HOST/api/v3)
    GITHUB_REPOSITORY   owner/name
    GITHUB_TOKEN        the job's token (or a personal one)
    GITHUB_EVENT_PATH   the event's JSON; the pull request number is read from it

The pull request of an event: `pull_request.number` (pull_request, pull_request_target,
pull_request_review...), `issue.number` (issue_comment: a comment on a pull request is a comment
on its issue), `workflow_run.pull_requests[0].number` (workflow_run: empty when the pull request
comes from a fork). A missing or malformed piece is a `GitHubError` naming the variable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cimaturity.github.errors import GitHubError

DEFAULT_API_URL = "https://api.github.com"
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class GitHubContext:
    api_url: str  # no trailing slash
    owner: str
    repo: str
    token: str = field(repr=False)  # never in a repr, a log line or an error message
    event_path: Path | None = None

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"


def context_from_env(env: Mapping[str, str]) -> GitHubContext:
    """The API URL, repository and token from `env` (e.g. `os.environ`)."""
    api_url = env.get("GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise GitHubError(f"GITHUB_API_URL is {api_url!r}: expected an http(s) URL such as {DEFAULT_API_URL}")
    owner, repo = parse_repository(_required(env, "GITHUB_REPOSITORY", "owner/name"))
    token = _required(env, "GITHUB_TOKEN", "a token that may write pull request comments")
    event = env.get("GITHUB_EVENT_PATH", "").strip()
    return GitHubContext(api_url.rstrip("/"), owner, repo, token, Path(event) if event else None)


def parse_repository(text: str) -> tuple[str, str]:
    owner, _, repo = text.strip().partition("/")
    if not (_NAME.fullmatch(owner) and _NAME.fullmatch(repo)):
        raise GitHubError(f"GITHUB_REPOSITORY is {text!r}: expected owner/name")
    return owner, repo


def pull_request_from_env(env: Mapping[str, str], explicit: int | None = None) -> int:
    """`explicit` when given, else the pull request of the event at GITHUB_EVENT_PATH."""
    if explicit is not None:
        if explicit < 1:
            raise GitHubError(f"pull request number {explicit} is not a positive number")
        return explicit
    path = _required(env, "GITHUB_EVENT_PATH", "the event's JSON; or give the pull request number")
    return pull_request_from_event_file(Path(path))


def pull_request_from_event_file(path: Path) -> int:
    try:
        event = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GitHubError(f"GITHUB_EVENT_PATH: cannot read {path}: {error.strerror or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise GitHubError(f"GITHUB_EVENT_PATH: {path} is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise GitHubError(f"GITHUB_EVENT_PATH: {path} is not a JSON object")
    number = pull_request_from_event(event)
    if number is None:
        raise GitHubError(
            f"GITHUB_EVENT_PATH: the event in {path} names no pull request (pull_request.number, "
            "issue.number or workflow_run.pull_requests[0].number); give the number explicitly"
        )
    return number


def pull_request_from_event(event: Mapping[str, Any]) -> int | None:
    """The pull request number of a webhook event payload, or None when it names none."""
    for key in ("pull_request", "issue"):
        number = _number(event.get(key))
        if number is not None:
            return number
    run = event.get("workflow_run")
    if isinstance(run, dict):
        pulls = run.get("pull_requests")
        if isinstance(pulls, list) and pulls:
            return _number(pulls[0])
    return None


def _number(item: object) -> int | None:
    if not isinstance(item, dict):
        return None
    number = item.get("number")
    # bool is an int: `true` is not a pull request number
    return number if isinstance(number, int) and not isinstance(number, bool) and number > 0 else None


def _required(env: Mapping[str, str], name: str, what: str) -> str:
    value = env.get(name, "").strip()
    if not value:
        raise GitHubError(f"{name} is not set ({what})")
    return value
