"""One HTTP exchange, timed, for the deploy clients: http/https only, no redirect followed.

A non-2xx answer is an `Answer` like any other (the caller judges it); a network error, a
timeout or a refused scheme is an `UnreachableError`. Messages name the host at most, never
the URL: a deploy or rollback hook carries its key in the URL.
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

MAX_ANSWER_BYTES = 1024 * 1024  # a health or status answer is small; more is cut off


class DeployError(Exception):
    """Base of the deploy family: one line, safe to print (no hook URL, no token)."""


class UnreachableError(DeployError):
    """No HTTP answer: refused, timed out, a bad scheme, or a broken connection."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    elapsed_s: float  # from sending the request to the end of the body

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Send(Protocol):
    def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        timeout_s: float = 10.0,
    ) -> Answer: ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx is returned as the answer: a hook or health URL should not move


_OPENER = urllib.request.build_opener(_NoRedirects())


def host_of(url: str) -> str:
    """`scheme://host[:port]`, for messages: never the path or query (a hook's key lives there)."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def send(
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    timeout_s: float = 10.0,
    clock: Callable[[], float] = time.perf_counter,
) -> Answer:
    if urlsplit(url).scheme not in ("http", "https"):
        raise UnreachableError(f"not an http(s) URL (scheme {urlsplit(url).scheme!r})")
    data = None if json_body is None else json.dumps(json_body).encode("utf-8")
    all_headers = {"Accept": "application/json", "User-Agent": "cimaturity-deploy", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    # the scheme is checked above: http(s) only
    request = urllib.request.Request(url, data=data, headers=all_headers, method=method)  # noqa: S310
    started = clock()
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            body = response.read(MAX_ANSWER_BYTES)
            return Answer(response.status, body, clock() - started)
    except urllib.error.HTTPError as error:
        body = error.read(MAX_ANSWER_BYTES) if error.fp is not None else b""
        return Answer(error.code, body, clock() - started)
    except TimeoutError:
        raise UnreachableError(f"{host_of(url)}: no answer within {timeout_s:g} s") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, TimeoutError):
            raise UnreachableError(f"{host_of(url)}: no answer within {timeout_s:g} s") from None
        raise UnreachableError(f"{host_of(url)}: {type(reason).__name__}: {str(reason)[:120]}") from None
