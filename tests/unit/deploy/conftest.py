"""A fake clock for the deploy tests: `sleep` records the wait and moves `monotonic` on."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class Clock:
    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()
