"""Limits for tests of code that could hang or read without end (a FIFO, /dev/zero)."""

from __future__ import annotations

import resource
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

GIB = 1024**3


class Blocked(Exception):  # not an OSError (as TimeoutError is): nothing may swallow it
    """The code under test blocked past its deadline."""


@contextmanager
def deadline(seconds: int = 10, memory: int = 2 * GIB) -> Iterator[None]:
    """Fail, rather than hang the suite or exhaust the machine, when the code under test blocks
    (on a FIFO) or reads without end (/dev/zero): an alarm, and at most `memory` more address space."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Blocked(f"still blocked after {seconds} s")

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    in_use = int(Path("/proc/self/status").read_text().split("VmSize:")[1].split()[0]) * 1024
    cap = in_use + memory if hard == resource.RLIM_INFINITY else min(in_use + memory, hard)
    previous = signal.signal(signal.SIGALRM, expire)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        signal.signal(signal.SIGALRM, previous)
