"""One run at a time per reports folder: a second `invoke ci` into the same folder refuses at once.

Two runs writing one folder would delete each other's artifacts and mix their run.json. The lock
is an OS file lock (released when the process ends, however it ends): no stale lock to clean up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

LOCK_FILE = ".cimaturity.lock"


class RunLockedError(Exception):
    """Another run holds the reports folder; the message says which and what to do."""


@contextlib.contextmanager
def exclusive(reports_dir: Path) -> Iterator[None]:
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / LOCK_FILE
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunLockedError(
                f"{reports_dir}: another cimaturity run (pid {holder}) is writing here; "
                "wait for it, or give this run its own --reports DIR"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
