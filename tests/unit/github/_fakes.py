"""A clock whose sleeps pass at once (and are recorded), and a client wired to it."""

from __future__ import annotations

import time

from cimaturity.github import GitHubClient, RetryPolicy
from tests.support.github_server import GitHubServer

PR = 7


class FakeTime:
    """Real time plus every sleep asked for, which returns at once: deadlines see the waits."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.slept.append(seconds)

    def monotonic(self) -> float:
        return time.monotonic() + sum(self.slept)

    def wall(self) -> float:
        return time.time() + sum(self.slept)


def make_client(gh: GitHubServer, clock: FakeTime, policy: RetryPolicy | None = None) -> GitHubClient:
    return GitHubClient.from_env(
        gh.env(), policy=policy, sleep=clock.sleep, monotonic=clock.monotonic, wall_clock=clock.wall
    )
