"""The one place that starts subprocesses: argument lists, a deadline, output kept in a log."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO


class ToolMissingError(Exception):
    """The executable is not on PATH."""


class CommandTimeoutError(Exception):
    """The command ran past its deadline and was killed."""


@dataclass(frozen=True)
class ProcessResult:
    exit_code: int
    duration_s: float
    output: str


# Process groups of commands still running, so an interrupted run can end them all (each command
# has its own session: a Ctrl-C to our terminal does not reach them).
_LIVE: set[int] = set()
_LIVE_LOCK = threading.Lock()


def kill_all() -> int:
    """Kill every running command's whole process group (servers and workers included)."""
    with _LIVE_LOCK:
        groups = list(_LIVE)
    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    return len(groups)


def which(tool: str, env: Mapping[str, str]) -> str | None:
    return shutil.which(tool, path=env.get("PATH", os.defpath))


def run(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    log: IO[str] | None = None,
) -> ProcessResult:
    """Run `argv` to completion or until `timeout_s`, combining stdout and stderr.

    The process gets its own session so a timeout kills its children too (pytest-xdist
    workers, a uvicorn under test). Output is appended to `log` as it is read.
    """
    executable = which(argv[0], env)
    if executable is None:
        raise ToolMissingError(f"tool not found on PATH: {argv[0]}")
    started = time.monotonic()
    if log is not None:
        log.write(f"$ {' '.join(argv)}\n")
        log.flush()
    with subprocess.Popen(
        [executable, *argv[1:]],
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    ) as process:
        with _LIVE_LOCK:
            _LIVE.add(process.pid)
        try:
            output, _ = process.communicate(timeout=max(timeout_s, 0.001))
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, _ = process.communicate()
            if log is not None:
                log.write(output or "")
                log.write(f"\n[killed after {timeout_s:.0f}s timeout]\n")
            raise CommandTimeoutError(f"{argv[0]} timed out after {timeout_s:.0f}s") from None
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(process.pid)
    if log is not None:
        log.write(output)
        log.write(f"[exit {process.returncode}]\n")
        log.flush()
    return ProcessResult(process.returncode, time.monotonic() - started, output)


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def capture(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout_s: float = 20) -> str | None:
    """Quick query (a tool's version, git's sha): its first output line, or None if it failed."""
    try:
        result = run(argv, cwd=cwd, env=env, timeout_s=timeout_s)
    except (ToolMissingError, CommandTimeoutError, OSError):
        return None
    if result.exit_code != 0:
        return None
    lines = result.output.strip().splitlines()
    return lines[0].strip() if lines else None


# A line that reads like the cause: "ERROR: ...", "error: ...", "E   ModuleNotFoundError: ...",
# "DistCovError: ...", uv's "No solution found", a traceback's final "XyzError: message".
_ERROR_LINE = re.compile(
    r"^(?:E\s+)?(?:[\w.]*(?:Error|Exception)\b:?|error\b|ERROR\b|fatal\b|FATAL\b|\N{MULTIPLICATION SIGN})",
    re.IGNORECASE,
)
_NOISE = re.compile(r"^(?:\$ |\[exit \d+\]|=+ .* =+$|-+$|Traceback \(most recent call last\):)")


def first_error_line(output: str, limit: int = 300) -> str:
    """The tool's own first meaningful error line, else its last non-blank line.

    A reason must name the cause ("DistCovError: ..."), not the symptom ("junit.xml missing").
    """
    lines = [line.strip() for line in output.splitlines() if line.strip() and not _NOISE.match(line.strip())]
    for line in lines:
        if _ERROR_LINE.match(line):
            return line[:limit]
    return lines[-1][:limit] if lines else "(no output)"
