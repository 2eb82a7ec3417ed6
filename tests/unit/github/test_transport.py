"""The transport's reading of GitHub's headers, and where it refuses to send the token."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cimaturity.github import GitHubError, RetryPolicy
from cimaturity.github.transport import Response, Transport, _rate_limit_wait
from tests.support.github_server import GitHubServer
from tests.unit.github._fakes import FakeTime

NOW = 1_800_000_000.0


def answer(status: int, message: str = "", **headers: str) -> Response:
    return Response(status, {k.replace("_", "-"): v for k, v in headers.items()}, {"message": message})


def test_the_next_page_is_read_from_the_link_header() -> None:
    link = (
        '<https://api.github.com/repositories/1/issues/7/comments?page=1>; rel="prev", '
        '<https://api.github.com/repositories/1/issues/7/comments?page=3>; rel="next", '
        '<https://api.github.com/repositories/1/issues/7/comments?page=9>; rel="last"'
    )
    assert answer(200, link=link).next_url == "https://api.github.com/repositories/1/issues/7/comments?page=3"
    assert answer(200, link='<https://x/?page=1>; rel="first"').next_url is None
    assert answer(200).next_url is None


@pytest.mark.parametrize(
    ("response", "wait"),
    [
        (answer(403, "secondary", retry_after="7", x_ratelimit_remaining="4000"), 7.0),
        (answer(429, "", retry_after=formatdate(NOW + 20, usegmt=True)), 20.0),
        (answer(403, "primary", x_ratelimit_remaining="0", x_ratelimit_reset=str(int(NOW) + 100)), 101.0),
        (answer(403, "primary", x_ratelimit_remaining="0", x_ratelimit_reset=str(int(NOW) - 5)), 1.0),
        (answer(429, "Too many requests", x_ratelimit_remaining="10"), 60.0),
        (answer(403, "You have exceeded a secondary rate limit", x_ratelimit_remaining="10"), 60.0),
        (answer(403, "Resource not accessible by integration", x_ratelimit_remaining="10"), None),
        (answer(404, "Not Found", retry_after="5"), None),
        (answer(500, "Server Error", retry_after="5"), None),
    ],
    ids=[
        "retry-after",
        "retry-after-date",
        "reset",
        "reset-passed",
        "429",
        "secondary-no-time",
        "403",
        "404",
        "500",
    ],
)
def test_how_long_a_rate_limit_asks_to_wait(response: Response, wait: float | None) -> None:
    assert _rate_limit_wait(response, NOW) == wait


def test_a_link_to_another_origin_is_never_sent_the_token(clock: FakeTime) -> None:
    with GitHubServer() as gh:
        transport = Transport(gh.url, gh.token, policy=RetryPolicy(), sleep=clock.sleep)
        with pytest.raises(GitHubError) as error:
            transport.request("GET", "http://127.0.0.2:9/repos/octo/service/issues/1/comments?page=2")
        assert gh.requests == []
    assert str(error.value) == f"GitHub pointed GET at http://127.0.0.2:9, not {gh.url}: refused"
    assert gh.token not in repr(transport)


def test_query_parameters_are_encoded(clock: FakeTime) -> None:
    transport = Transport("https://api.github.com/", "t", policy=RetryPolicy(), sleep=clock.sleep)
    assert transport.url("/x", {"created": ">=2026-01-01", "page": 2}) == (
        "https://api.github.com/x?created=%3E%3D2026-01-01&page=2"
    )


class _Canned(BaseHTTPRequestHandler):
    """Answers every GET with the server's `canned` (status, headers, body)."""

    server: _CannedServer

    def do_GET(self) -> None:
        status, headers, body = self.server.canned
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


class _CannedServer(ThreadingHTTPServer):
    canned: tuple[int, dict[str, str], bytes]


@contextmanager
def canned(status: int, headers: dict[str, str], body: bytes) -> Iterator[str]:
    server = _CannedServer(("127.0.0.1", 0), _Canned)
    server.canned = (status, headers, body)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_a_redirect_to_another_origin_is_not_followed(clock: FakeTime) -> None:
    with canned(301, {"Location": "http://127.0.0.2:9/elsewhere"}, b"") as url:
        transport = Transport(url, "ghs_x", policy=RetryPolicy(), sleep=clock.sleep)
        with pytest.raises(GitHubError) as error:
            transport.request("GET", f"{url}/repos/o/r")
    assert str(error.value) == f"GitHub redirected to http://127.0.0.2:9, not {url}: not followed"


def test_a_proxy_error_page_is_quoted_on_one_line(clock: FakeTime) -> None:
    page = b"<html>\n<body>502 Bad Gateway</body>\n</html>"
    with canned(502, {"Content-Type": "text/html"}, page) as url:
        transport = Transport(url, "t", policy=RetryPolicy(attempts=2), sleep=clock.sleep)
        with pytest.raises(GitHubError) as error:
            transport.request("GET", f"{url}/repos/o/r")
    assert str(error.value) == "GET /repos/o/r: 502 <html> <body>502 Bad Gateway</body> </html> (2 tries)"


def test_a_success_that_is_not_json_is_an_error(clock: FakeTime) -> None:
    with canned(200, {"Content-Type": "text/html"}, b"<html>login</html>") as url:
        transport = Transport(url, "t", policy=RetryPolicy(), sleep=clock.sleep)
        with pytest.raises(GitHubError, match=r"^GitHub answered /repos/o/r with 200 and no JSON$"):
            transport.request("GET", f"{url}/repos/o/r")
