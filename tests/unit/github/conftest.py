"""A GitHub API server per test, a fake clock, and a client of that server on that clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cimaturity.github import GitHubClient
from tests.support.github_server import GitHubServer
from tests.unit.github._fakes import PR, FakeTime, make_client


@pytest.fixture
def gh() -> Iterator[GitHubServer]:
    with GitHubServer(issues=(PR,)) as server:
        yield server


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def client(gh: GitHubServer, clock: FakeTime) -> GitHubClient:
    return make_client(gh, clock)
