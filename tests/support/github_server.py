"""A small GitHub REST API on 127.0.0.1 (a free port, a thread), in memory, for the client's tests.

It answers what `cimaturity/github/` calls, the way api.github.com does:
    GET   /repos/{o}/{r}/issues/{n}/comments        oldest first, paginated
    POST  /repos/{o}/{r}/issues/{n}/comments        201; 422 for a body over 65,536 characters
    PATCH /repos/{o}/{r}/issues/comments/{id}       200; 404 for an unknown id
    GET   /repos/{o}/{r}/deployments                newest first; sha, ref, task, environment filters
    GET   /repos/{o}/{r}/deployments/{id}/statuses  newest first
    GET   /repos/{o}/{r}/actions/runs               {"total_count", "workflow_runs"}, newest first;
    GET   /repos/{o}/{r}/actions/workflows/{id or file}/runs
                                                    branch, event, status (or conclusion), head_sha
                                                    and created (>=, >, <=, <, A..B, a day) filters
Pagination honours `per_page` (default 30, at most 100) and `page`, with GitHub's `Link` header
(first, prev, next, last). Without `Authorization: Bearer <token>` (or `token <token>`) it answers
401. Faults, for the next N requests (of one method, when `method` is given): `fail_next(n, "500")`
(or "502"), "secondary" (403 with `Retry-After`), "primary" (403 with `x-ratelimit-remaining: 0`
and `x-ratelimit-reset`), "422" (Validation Failed, with `errors`), "forbidden" (403, the
job token's missing permission), "drop" (the connection closed
without an answer); `carried_out=True` does the work first and then fails (a POST that created
the comment but answered 502). Every request is recorded in `requests`.

    with GitHubServer() as gh:
        client = GitHubClient.from_env(gh.env())
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from tests.support.local_http import ServedLocally

Fault = Literal["500", "502", "422", "forbidden", "secondary", "primary", "drop"]
EPOCH = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the server's first timestamp
MAX_BODY = 65_536
NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query
    query: Mapping[str, str]
    authorization: str | None
    body: Any  # the parsed JSON, or None


@dataclass(frozen=True)
class _Failure:
    fault: Fault
    method: str | None  # only requests of this method fail; None: any
    carried_out: bool  # the request takes effect, then the answer is the fault


@dataclass
class _Answer:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


class GitHubServer(ServedLocally):
    """Serve for the duration of a `with` block; `url` is what GITHUB_API_URL would be."""

    def __init__(
        self,
        owner: str = "octo",
        repo: str = "service",
        token: str = "ghs_test_token",  # noqa: S107 (a fake token for a fake server)
        issues: tuple[int, ...] = (1,),
        retry_after_s: int = 1,
        reset_in_s: int = 30,
    ) -> None:
        self.owner, self.repo, self.token = owner, repo, token
        self.issues = set(issues)
        self.retry_after_s = retry_after_s  # what a "secondary" fault asks to wait
        self.reset_in_s = reset_in_s  # when a "primary" fault says the window resets (from now)
        self.comments: dict[int, list[dict[str, Any]]] = {}  # issue -> its comments, oldest first
        self.deployments: list[dict[str, Any]] = []
        self.statuses: dict[int, list[dict[str, Any]]] = {}
        self.runs: list[dict[str, Any]] = []
        self.heads: dict[int, str] = {}  # pull request -> its head commit
        self.requests: list[RecordedRequest] = []
        self.faults: list[_Failure] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1001)
        self.url = ""

    # -- lifecycle --

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment GitHub Actions would give a job of this repository."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": f"{self.owner}/{self.repo}",
            "GITHUB_TOKEN": self.token,
            **extra,
        }

    # -- state, for tests to arrange and inspect --

    def fail_next(
        self, count: int, fault: Fault = "500", *, method: str | None = None, carried_out: bool = False
    ) -> None:
        with self.lock:
            self.faults.extend([_Failure(fault, method, carried_out)] * count)

    def _take_fault(self, method: str) -> _Failure | None:
        for index, failure in enumerate(self.faults):
            if failure.method in (None, method):
                return self.faults.pop(index)
        return None

    def add_comment(self, issue: int, body: str, user: str = "someone") -> dict[str, Any]:
        with self.lock:
            return self._new_comment(issue, body, user)

    def comments_of(self, issue: int) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.comments.get(issue, [])]

    def add_deployment(
        self, sha: str, environment: str = "production", ref: str = "main", task: str = "deploy"
    ) -> dict[str, Any]:
        with self.lock:
            ident, stamp = self._next()
            deployment = {
                "id": ident,
                "node_id": f"DE_{ident}",
                "url": f"{self.url}{self._repo()}/deployments/{ident}",
                "sha": sha,
                "ref": ref,
                "task": task,
                "payload": {},
                "environment": environment,
                "description": None,
                "creator": {"login": "deployer", "type": "User"},
                "created_at": stamp,
                "updated_at": stamp,
                "statuses_url": f"{self.url}{self._repo()}/deployments/{ident}/statuses",
            }
            self.deployments.append(deployment)
            self.statuses[ident] = []
            return deployment

    def add_deployment_status(self, deployment_id: int, state: str) -> dict[str, Any]:
        with self.lock:
            ident, stamp = self._next()
            environment = next(d["environment"] for d in self.deployments if d["id"] == deployment_id)
            status = {
                "id": ident,
                "state": state,
                "environment": environment,
                "description": "",
                "created_at": stamp,
                "updated_at": stamp,
            }
            self.statuses[deployment_id].append(status)
            return status

    def add_run(
        self,
        head_sha: str,
        *,
        branch: str | None = "main",
        event: str = "push",
        status: str = "completed",
        conclusion: str | None = "success",
        workflow_id: int = 7,
        path: str = ".github/workflows/ci.yml",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            ident, stamp = self._next()
            created = _stamp(created_at) if created_at else stamp
            run = {
                "id": ident,
                "name": "CI",
                "workflow_id": workflow_id,
                "path": path,
                "run_number": len(self.runs) + 1,
                "run_attempt": 1,
                "head_sha": head_sha,
                "head_branch": branch,
                "event": event,
                "status": status,
                "conclusion": conclusion,
                "created_at": created,
                "updated_at": created,
                "run_started_at": created,
                "html_url": f"https://github.com/{self.owner}/{self.repo}/actions/runs/{ident}",
            }
            self.runs.append(run)
            return run

    def requests_to(self, method: str, path_suffix: str = "") -> list[RecordedRequest]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    # -- inside the server (called with the lock held) --

    def _next(self) -> tuple[int, str]:
        ident = next(self._ids)
        return ident, _stamp(EPOCH + timedelta(seconds=ident - 1000))

    def _repo(self) -> str:
        return f"/repos/{self.owner}/{self.repo}"

    def _new_comment(self, issue: int, body: str, user: str) -> dict[str, Any]:
        ident, stamp = self._next()
        comment = {
            "id": ident,
            "node_id": f"IC_{ident}",
            "url": f"{self.url}{self._repo()}/issues/comments/{ident}",
            "html_url": f"https://github.com/{self.owner}/{self.repo}/pull/{issue}#issuecomment-{ident}",
            "issue_url": f"{self.url}{self._repo()}/issues/{issue}",
            "body": body,
            "user": {"login": user, "type": "Bot" if user.endswith("[bot]") else "User"},
            "author_association": "NONE",
            "created_at": stamp,
            "updated_at": stamp,
        }
        self.comments.setdefault(issue, []).append(comment)
        return comment

    def _answer(self, method: str, path: str, query: Mapping[str, str], body: Any) -> _Answer:
        parts = path.strip("/").split("/")
        if parts[:3] != ["repos", self.owner, self.repo]:
            return _Answer(404, NOT_FOUND)
        route = parts[3:]
        match method, route:
            case "GET", ["issues", number, "comments"] if number.isdigit() and int(number) in self.issues:
                return self._page(path, query, self.comments.get(int(number), []))
            case "POST", ["issues", number, "comments"] if number.isdigit() and int(number) in self.issues:
                invalid = _invalid_body(body)
                if invalid:
                    return invalid
                return _Answer(201, self._new_comment(int(number), body["body"], "github-actions[bot]"))
            case "PATCH", ["issues", "comments", ident] if ident.isdigit():
                comment = next(
                    (c for cs in self.comments.values() for c in cs if c["id"] == int(ident)), None
                )
                if comment is None:
                    return _Answer(404, NOT_FOUND)
                invalid = _invalid_body(body)
                if invalid:
                    return invalid
                comment.update(body=body["body"], updated_at=self._next()[1])
                return _Answer(200, comment)
            case "GET", ["pulls", number] if number.isdigit() and int(number) in self.heads:
                return _Answer(200, {"number": int(number), "head": {"sha": self.heads[int(number)]}})
            case "GET", ["deployments"]:
                found = [
                    d for d in self.deployments if all(d[k] == query[k] for k in _DEPLOY_KEYS & query.keys())
                ]
                return self._page(path, query, _newest_first(found))
            case "GET", ["deployments", ident, "statuses"] if ident.isdigit() and int(ident) in self.statuses:
                return self._page(path, query, _newest_first(self.statuses[int(ident)]))
            case "GET", ["actions", "runs"]:
                return self._runs(path, query, self.runs)
            case "GET", ["actions", "workflows", workflow, "runs"]:
                mine = [
                    r for r in self.runs if workflow in (str(r["workflow_id"]), r["path"].rsplit("/", 1)[-1])
                ]
                return self._runs(path, query, mine)
        return _Answer(404, NOT_FOUND)

    def _runs(self, path: str, query: Mapping[str, str], runs: list[dict[str, Any]]) -> _Answer:
        try:
            low, high = _created_range(query.get("created"))
        except ValueError:
            return _Answer(422, {"message": f"Invalid created filter: {query.get('created')!r}"})
        found = [
            r
            for r in runs
            if query.get("branch") in (None, r["head_branch"])
            and query.get("event") in (None, r["event"])
            and query.get("head_sha") in (None, r["head_sha"])
            and query.get("status") in (None, r["status"], r["conclusion"])
            and ("created" not in query or low <= _parse(r["created_at"]) <= high)
        ]
        page = self._page(path, query, _newest_first(found))
        page.payload = {"total_count": len(found), "workflow_runs": page.payload}
        return page

    def _page(self, path: str, query: Mapping[str, str], items: list[dict[str, Any]]) -> _Answer:
        per_page = min(max(_int(query.get("per_page"), 30), 1), 100)
        page = max(_int(query.get("page"), 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        links = {"first": 1, "prev": page - 1} if page > 1 else {}
        if page < last:
            links |= {"next": page + 1, "last": last}
        header = ", ".join(
            f'<{self.url}{path}?{urlencode({**query, "page": n})}>; rel="{rel}"' for rel, n in links.items()
        )
        chunk = [dict(item) for item in items[(page - 1) * per_page : page * per_page]]
        return _Answer(200, chunk, {"Link": header} if header else {})


_DEPLOY_KEYS = frozenset({"sha", "ref", "task", "environment"})


def _handler(gh: GitHubServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._dispatch("GET")

        def do_POST(self) -> None:
            self._dispatch("POST")

        def do_PATCH(self) -> None:
            self._dispatch("PATCH")

        def _dispatch(self, method: str) -> None:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = None
            auth = self.headers.get("Authorization")
            with gh.lock:
                gh.requests.append(RecordedRequest(method, split.path, query, auth, body))
                failure = gh._take_fault(method)
                if failure is None or failure.carried_out:
                    answer = self._authorised(auth) or gh._answer(method, split.path, query, body)
            if failure is not None and failure.fault == "drop":
                self.close_connection = True
                return
            if failure is not None:
                answer = _fault_answer(failure.fault, gh)
            self._send(answer)

        def _authorised(self, auth: str | None) -> _Answer | None:
            if not auth:
                return _Answer(401, {"message": "Requires authentication"})
            scheme, _, token = auth.partition(" ")
            if scheme.lower() not in ("bearer", "token") or token != gh.token:
                return _Answer(401, {"message": "Bad credentials"})
            return None

        def _send(self, answer: _Answer) -> None:
            data = json.dumps(answer.payload).encode()
            self.send_response(answer.status)
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Content-Length": str(len(data)),
                "x-ratelimit-limit": "5000",
                "x-ratelimit-remaining": "4999",
                "x-ratelimit-reset": str(int(time.time()) + 3600),
                **answer.headers,
            }
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return None

    return Handler


def _fault_answer(fault: Fault, gh: GitHubServer) -> _Answer:
    if fault == "secondary":
        message = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        return _Answer(403, {"message": message}, {"Retry-After": str(gh.retry_after_s)})
    if fault == "primary":
        reset = str(int(time.time()) + gh.reset_in_s)
        headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
        return _Answer(403, {"message": "API rate limit exceeded for installation ID 1."}, headers)
    if fault == "forbidden":
        return _Answer(403, {"message": "Resource not accessible by integration"})
    if fault == "422":
        error = {"resource": "IssueComment", "code": "missing_field", "field": "body"}
        return _Answer(422, {"message": "Validation Failed", "errors": [error]})
    return _Answer(int(fault), {"message": "Server Error"})


def _invalid_body(body: Any) -> _Answer | None:
    if not isinstance(body, dict) or not isinstance(body.get("body"), str):
        return _Answer(422, {"message": "Invalid request.\n\nFor 'properties/body', nil is not a string."})
    if len(body["body"]) > MAX_BODY:
        error = {
            "resource": "IssueComment",
            "code": "custom",
            "field": "body",
            "message": f"body is too long (maximum is {MAX_BODY} characters)",
        }
        return _Answer(422, {"message": "Validation Failed", "errors": [error]})
    return None


def _newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: (item["created_at"], item["id"]), reverse=True)


def _int(text: str | None, default: int) -> int:
    return int(text) if text and text.isdigit() else default


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _bounds(text: str) -> tuple[datetime, datetime]:
    """The first and last instant a search date or time stands for (a date: the whole day)."""
    if "T" not in text:
        day = date.fromisoformat(text)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return start, start + timedelta(days=1) - timedelta(microseconds=1)
    moment = _parse(text)
    return moment, moment


def _created_range(spec: str | None) -> tuple[datetime, datetime]:
    """GitHub's search syntax for `created` (>=X, >X, <=X, <X, X..Y, or X) as an inclusive range."""
    tick = timedelta(microseconds=1)
    if not spec:
        return datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    if spec.startswith((">=", "<=")):
        low, high = _bounds(spec[2:])
        return (
            (low, datetime.max.replace(tzinfo=UTC))
            if spec[0] == ">"
            else (datetime.min.replace(tzinfo=UTC), high)
        )
    if spec.startswith(">"):
        return _bounds(spec[1:])[1] + tick, datetime.max.replace(tzinfo=UTC)
    if spec.startswith("<"):
        return datetime.min.replace(tzinfo=UTC), _bounds(spec[1:])[0] - tick
    if ".." in spec:
        start, end = spec.split("..", 1)
        return _bounds(start)[0], _bounds(end)[1]
    return _bounds(spec)
