"""Dependency probes for readiness and diagnostics. Never reports a URL, a host or a secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy import text

from app.container import Container
from app.migrate import current_revision


class Status(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Probe:
    name: str
    status: Status
    latency_ms: float
    kind: str
    error: str | None = None  # the exception class name only: messages can carry connection details


def _probe(name: str, kind: str, check: Callable[[], None]) -> Probe:
    started = time.perf_counter()
    try:
        check()
    except Exception as error:  # any failure means "down"; only the class name is reported
        return Probe(name, Status.DOWN, _elapsed(started), kind, type(error).__name__)
    return Probe(name, Status.UP, _elapsed(started), kind)


def _elapsed(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def probe_database(container: Container) -> Probe:
    def check() -> None:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return _probe("database", container.engine.dialect.name, check)


def probe_cache(container: Container) -> Probe:
    kind = "redis" if container.redis_client is not None else "in-process"
    return _probe("cache", kind, container.cache.ping)


def probes(container: Container) -> list[Probe]:
    return [probe_database(container), probe_cache(container)]


def migration_revision(container: Container) -> str | None:
    try:
        return current_revision(container.engine)
    except Exception:  # an unreachable database has no known revision
        return None


def git_sha(configured: str | None, repo_root: Path | None = None) -> str:
    """GIT_SHA from the environment (set at image build), else read from .git, else 'unknown'."""
    if configured:
        return configured
    root = repo_root or Path(__file__).resolve().parent.parent
    head = root / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (root / ".git" / ref[5:]).read_text().strip()
        return ref
    except OSError:
        return "unknown"
