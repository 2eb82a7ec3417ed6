"""performance: a Locust load test against the project's service (plan Task 3.1).

Runs `tests/load/locustfile.py` headless against the declared web service (started on
127.0.0.1 by `against_service`) and keeps Locust's stats CSV and HTML report. Gate, read from
the `Aggregated` row of `locust_stats.csv` (never from the exit code alone): at least one
request was sent, none failed, p95 < 500 ms and p99 < 1000 ms.

Locust exits 1 when a request failed *or* the user code raised; both are judged here: failures
make the check `failed`, an exit 1 with no failed request means the load script itself broke
(`locust_exceptions.csv`), which is `error` (the numbers cannot be trusted).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cimaturity.config import LOAD_PROFILES, LoadProfile
from cimaturity.formats.locust import (
    FailedEndpoint,
    StatsRow,
    read_locust_exceptions,
    read_locust_failures,
    read_locust_stats,
)
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.tools import against_service

LOCUSTFILE = "tests/load/locustfile.py"
PREFIX = "locust"  # `--csv <artifact dir>/locust` writes locust_stats.csv, locust_failures.csv, ...
STATS = f"{PREFIX}_stats.csv"
FAILURES = f"{PREFIX}_failures.csv"
EXCEPTIONS = f"{PREFIX}_exceptions.csv"
HTML = f"{PREFIX}.html"

P95_LIMIT_MS = 500.0
P99_LIMIT_MS = 1000.0

# The load comes from the project's `[tool.cimaturity.performance]` (`config.LoadProfile`): the
# "ci" profile by default (20 users for 20 s: on a shared 2-core runner 100 users measure the
# runner's CPU starvation, not the service), "plan" with `invoke ci --profile plan` or
# `profile = "plan"` (the plan's 100 users for 2 minutes). The p95/p99 limits are set there too.


def _failures(path: Path) -> list[FailedEndpoint]:
    """`locust_failures.csv`, most frequent first; [] when Locust did not write it."""
    if not (path.exists() or path.is_symlink()):  # a dangling or outside link is read, and refused
        return []
    return sorted(read_locust_failures(path), key=lambda failure: -failure.occurrences)


def _first_exception(path: Path) -> str:
    """The load script's most frequent exception, for the reason of an `error`; never raises."""
    if not (path.exists() or path.is_symlink()):
        return "no exceptions CSV"
    try:
        found = read_locust_exceptions(path)
    except ArtifactError as exc:
        return str(exc)
    if not found:
        return "none recorded"
    first = max(found, key=lambda exception: exception.count)
    return f"{first.count}x {first.message[:200]}"


def judge(
    stats: StatsRow,
    failures: Sequence[FailedEndpoint],
    exit_code: int,
    exceptions: str,
    *,
    p95_limit: float = P95_LIMIT_MS,
    p99_limit: float = P99_LIMIT_MS,
) -> Verdict:
    """The verdict on the `Aggregated` row: no request, or no latency sample, is never a pass."""
    metrics = {"requests": float(stats.requests), "failures": float(stats.failures)}
    if stats.requests == 0:
        return Verdict.error("the load test sent no request", **metrics)
    p95, p99 = stats.p95_ms, stats.p99_ms
    if p95 is None or p99 is None:
        return Verdict.error(
            f"{stats.requests} requests but Locust wrote no p95/p99 (N/A): no latency to judge", **metrics
        )
    metrics.update(p95_ms=p95, p99_ms=p99, rps=stats.rps)
    numbers = f"p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    if stats.failures:
        first = f", most frequent: {failures[0].label}" if failures else ""
        return Verdict.failed(
            f"{stats.failures} of {stats.requests} requests failed{first} ({numbers})", **metrics
        )
    if exit_code != 0:
        return Verdict.error(
            f"locust exited {exit_code} with no failed request: the load script raised ({exceptions})",
            **metrics,
        )
    over = []
    if p95 >= p95_limit:
        over.append(f"p95 {p95:.0f} ms >= {p95_limit:.0f} ms")
    if p99 >= p99_limit:
        over.append(f"p99 {p99:.0f} ms >= {p99_limit:.0f} ms")
    if over:
        return Verdict.failed(f"too slow over {stats.requests} requests: {', '.join(over)}", **metrics)
    return Verdict.passed(
        f"{stats.requests} requests, 0 failures, {numbers} (limits {p95_limit:.0f}/{p99_limit:.0f})",
        **metrics,
    )


def _not_applicable(ctx: CheckContext) -> str | None:
    if ctx.config.service is None:
        return "not applicable: no web service declared ([tool.cimaturity.service])"
    if not (ctx.root / LOCUSTFILE).is_file():
        return f"not applicable: no load test ({LOCUSTFILE} not found)"
    return None


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome], load: LoadProfile) -> Verdict:
    stats = read_locust_stats(ctx.artifact(STATS)).aggregated
    failures = _failures(ctx.artifact(FAILURES))
    exceptions = _first_exception(ctx.artifact(EXCEPTIONS))
    return judge(
        stats, failures, outcomes[-1].exit_code, exceptions, p95_limit=load.p95_ms, p99_limit=load.p99_ms
    )


def performance_check(load: LoadProfile | None = None) -> Check:
    """The check; `load` fixes its load profile (tests build a short one), else the project's."""

    def commands(ctx: CheckContext) -> list[Command]:
        profile = load or ctx.config.performance
        return [
            against_service(
                ctx,
                "locust",
                "-f",
                LOCUSTFILE,
                "--headless",
                "-u",
                str(profile.users),
                "-r",
                f"{profile.spawn_rate:g}",
                "-t",
                f"{profile.seconds}s",
                "--host",
                "{url}",
                "--csv",
                str(ctx.artifact(PREFIX)),
                "--html",
                str(ctx.artifact(HTML)),
                "--only-summary",
                # exit 1 = some request failed or the user code raised: judged by the gate
                ok_exit_codes=frozenset({0, 1}),
            )
        ]

    return Check(
        name="performance",
        stage=Stage.SERVICE,
        summary=(
            "Locust load test against the service (the project's load profile: 20 users for 20 s by "
            "default); gate: no failed request, p95 and p99 under its limits (500 and 1000 ms)"
        ),
        commands=commands,
        artifacts=(STATS, FAILURES, HTML),
        gate=lambda ctx, outcomes: _gate(ctx, outcomes, load or ctx.config.performance),
        tools=("locust",),
        not_applicable=_not_applicable,
        version_argv=("locust", "--version"),
        # start-up of the service (bounded at 60 s by with_server) + the run + Locust's shutdown;
        # the plan's 2 minutes included
        timeout_s=(load.seconds if load else LOAD_PROFILES["plan"].seconds) + 180.0,
        runs_project_code=True,
        extra="load",
    )


PERFORMANCE = performance_check()
