"""The transport's reading of GitHub's headers, and where it refuses to send the token."""

from __future__ import annotations

from email.utils import formatdate

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
