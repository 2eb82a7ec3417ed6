"""One HTTP exchange with GitHub's REST API, retried the way GitHub asks, within a deadline.

- 5xx and network errors: up to `RetryPolicy.attempts` tries, waiting `backoff_s`, then twice as
  long each time (a `Retry-After` on the answer is honoured when longer). Only for requests that
  are safe to repeat: a POST that failed that way may have been carried out, so it is raised as
  `TransientError` at once and the caller decides (see `GitHubClient.upsert_comment`).
- Primary rate limit (403/429 with `x-ratelimit-remaining: 0`): wait until `x-ratelimit-reset`.
- Secondary rate limit (403/429 with `Retry-After`): wait that many seconds; without the header
  (a 429, or a 403 whose message says "rate limit") one minute, doubled each time, as GitHub's
  documentation asks.
- Any other answer outside 2xx: `GitHubError` with the status and GitHub's `message`, one line.

Every wait is bounded by `RetryPolicy.deadline_s` for the whole request: a wait that would end past
it is not started. `sleep`, `monotonic` and `wall_clock` are injectable, so tests do not wait.
The token goes in the `Authorization` header and nowhere else: not in errors, logs or reprs; a
redirect or a pagination link to another origin is refused rather than sent the token.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from cimaturity.github.errors import GitHubError, one_line

log = logging.getLogger("cimaturity.github")

API_VERSION = "2022-11-28"
MAX_ANSWER_BYTES = 64 * 1024 * 1024  # a page of 100 comments of 65,536 characters fits
_SECONDARY_WAIT_S = 60.0  # GitHub: "wait for at least one minute" when it gives no time


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries for a 5xx or a network error, the first included
    backoff_s: float = 1.0  # the wait before the second try; doubled for each further one
    max_backoff_s: float = 30.0
    rate_limit_waits: int = 3  # rate-limit waits one request may take
    deadline_s: float = 180.0  # all one request may take, waits included
    timeout_s: float = 30.0  # one HTTP exchange


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str] = field(repr=False)  # names in lower case
    data: Any  # the parsed JSON; None for an empty answer (204)

    @property
    def next_url(self) -> str | None:
        """The `rel="next"` target of the `Link` header: the next page, if any."""
        for part in self.headers.get("link", "").split(","):
            target, _, params = part.partition(";")
            rels = {p.strip() for p in params.split(";")}
            if 'rel="next"' in rels or "rel=next" in rels:
                return target.strip().removeprefix("<").removesuffix(">")
        return None


class TransientError(GitHubError):
    """A request that is not safe to repeat failed with a 5xx or a network error: it may or may
    not have been carried out."""


class Transport:
    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self._origin = _origin(self.api_url)
        self._token = token
        self.policy = policy
        self._sleep = sleep
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._opener = urllib.request.build_opener(_SameOriginRedirects(self._origin))

    def __repr__(self) -> str:  # no token
        return f"Transport({self.api_url!r})"

    def url(self, path: str, query: Mapping[str, str | int] | None = None) -> str:
        params = dict(query or {})
        return self.api_url + path + (f"?{urlencode(params)}" if params else "")

    def request(
        self, method: str, url: str, *, body: Mapping[str, Any] | None = None, idempotent: bool = True
    ) -> Response:
        if _origin(url) != self._origin:  # a pagination link elsewhere: never send the token there
            raise GitHubError(f"GitHub pointed {method} at {_origin(url)}, not {self._origin}: refused")
        what = f"{method} {urlsplit(url).path}"
        policy = self.policy
        deadline = self._monotonic() + policy.deadline_s
        failures = rate_waits = 0
        while True:
            remaining = deadline - self._monotonic()
            response: Response | None = None
            try:
                answer = self._exchange(method, url, body, timeout=max(0.1, min(policy.timeout_s, remaining)))
            except (OSError, http.client.HTTPException) as error:
                problem = f"network error: {_reason(error)}"
            else:
                if 200 <= answer.status < 300:
                    return answer
                response, problem = answer, f"{answer.status} {_message(answer)}"
            status = response.status if response else None
            rate_wait = _rate_limit_wait(response, self._wall_clock()) if response else None
            if rate_wait is not None:
                rate_waits += 1
                if rate_waits > policy.rate_limit_waits:
                    raise GitHubError(
                        f"{what}: still rate limited after {rate_waits - 1} waits ({problem})", status
                    )
                wait = rate_wait * (2 ** (rate_waits - 1) if response and _is_unspecified(response) else 1)
            elif response is None or response.status >= 500:
                failures += 1
                if not idempotent:
                    raise TransientError(f"{what}: {problem}", status)
                if failures >= policy.attempts:
                    raise GitHubError(f"{what}: {problem} ({failures} tries)", status)
                wait = min(policy.backoff_s * 2 ** (failures - 1), policy.max_backoff_s)
                if response is not None:
                    wait = max(wait, _retry_after(response, self._wall_clock()) or 0.0)
            else:
                raise GitHubError(f"GitHub refused {what}: {problem}{_hint(response)}", status)
            if self._monotonic() + wait > deadline:
                raise GitHubError(
                    f"{what}: {problem}; the next try would be in {wait:.0f} s, past the "
                    f"{policy.deadline_s:g} s deadline",
                    status,
                )
            log.warning("%s: %s; trying again in %.0f s", what, problem, wait)
            self._sleep(wait)

    def _exchange(self, method: str, url: str, body: Mapping[str, Any] | None, timeout: float) -> Response:
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "cimaturity",
        }
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        # http(s) only: the scheme is checked by the context, the origin above
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with self._opener.open(request, timeout=timeout) as answer:
                return _response(answer.status, answer.headers, _read(answer), url)
        except urllib.error.HTTPError as error:  # an answer outside 2xx (after redirects)
            with error:
                return _response(error.code, error.headers, _read(error), url, strict=False)


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, origin: str) -> None:
        self._origin = origin

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if _origin(newurl) != self._origin:
            raise GitHubError(f"GitHub redirected to {_origin(newurl)}, not {self._origin}: not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read(answer: Any) -> bytes:
    data: bytes = answer.read(MAX_ANSWER_BYTES + 1)
    if len(data) > MAX_ANSWER_BYTES:
        raise GitHubError(f"GitHub's answer is over {MAX_ANSWER_BYTES // 2**20} MiB: not read")
    return data


def _response(status: int, headers: Message, raw: bytes, url: str, *, strict: bool = True) -> Response:
    lower = {name.lower(): value for name, value in headers.items()}
    data: Any = None
    if raw.strip():
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            if strict:
                raise GitHubError(f"GitHub answered {urlsplit(url).path} with {status} and no JSON") from None
            data = {"message": raw[:200].decode("utf-8", "replace")}
    return Response(status, lower, data)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _message(response: Response) -> str:
    """GitHub's `message`, with the details of `errors` (422 Validation Failed) when present."""
    data = response.data
    if not isinstance(data, dict):
        return http.client.responses.get(response.status, "error")
    message = str(data.get("message") or http.client.responses.get(response.status, "error"))
    details = []
    for item in data.get("errors") or ():
        if isinstance(item, dict):
            text = item.get("message") or " ".join(str(item[k]) for k in ("field", "code") if item.get(k))
            details.append(str(text))
        elif isinstance(item, str):
            details.append(item)
    return one_line(f"{message} ({'; '.join(details)})" if details else message, 300)


def _hint(response: Response) -> str:
    if response.status == 401:
        return " (check GITHUB_TOKEN)"
    if response.status == 403 and "not accessible by integration" in _message(response).lower():
        return " (the token lacks pull-requests/issues: write, or the pull request is from a fork)"
    return ""


def _retry_after(response: Response, now: float) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return None


def _rate_limit_wait(response: Response, now: float) -> float | None:
    """How long GitHub asks to wait before trying again, or None when this is not a rate limit."""
    if response.status not in (403, 429):
        return None
    retry_after = _retry_after(response, now)
    if retry_after is not None:  # secondary rate limit
        return max(retry_after, 1.0)
    if response.headers.get("x-ratelimit-remaining") == "0":  # primary: until the window resets
        reset = response.headers.get("x-ratelimit-reset", "")
        return max(float(reset) - now, 0.0) + 1.0 if reset.isdigit() else _SECONDARY_WAIT_S
    if _is_unspecified(response):
        return _SECONDARY_WAIT_S
    return None


def _is_unspecified(response: Response) -> bool:
    """A secondary rate limit that gives no time to wait: GitHub asks for a minute, then more.
    (GitHub sends `x-ratelimit-*` on every answer: only `remaining: 0` means the primary limit.)"""
    if "retry-after" in response.headers or response.headers.get("x-ratelimit-remaining") == "0":
        return False
    return response.status == 429 or "rate limit" in _message(response).lower()


def _reason(error: BaseException) -> str:
    if isinstance(error, urllib.error.URLError) and not isinstance(error.reason, str):
        error = error.reason
    if isinstance(error, TimeoutError):
        return "timed out"
    return one_line(str(error) or type(error).__name__, 200)
