"""Benchmark the reference service under load: `.venv/bin/python -m benchmarks.bench_service [--users N]
[--seconds N] [--spawn-rate N] [--ceiling-seconds N]`.

The service (`uvicorn app.main:app`, one worker) runs on a throwaway PostgreSQL database and on
Redis (DATABASE_URL / REDIS_URL name the servers; the database is created, migrated and dropped),
with argon2 lowered as the `performance` check lowers it. Three Locust runs, headless:

1. the load profile (`tests/load/locustfile.py`), `--users` users for `--seconds` (100, 60 s),
   started at `--spawn-rate` users per second (10: the `performance` check's "plan" profile, the
   load `invoke ci --profile plan` puts on the service): per endpoint median, p95, p99 and
   requests/s, and the aggregate. Each new user registers, logs in and tops up back to back, so
   the spawn rate sets how many of those writes arrive at once; benchmarks/README.md has the
   latencies at 2, 5, 10 and 20 users per second;
2. `GET /api/v1/wallet` alone, `--users` users with no think time, for `--ceiling-seconds`;
3. a bare FastAPI endpoint (a sync route returning a constant, same uvicorn) in the same way:
   the ceiling of this machine's framework, server and load generator.

Goals (issue 11): aggregated p95 <= 100 ms, p99 <= 250 ms, 0 failures; the wallet's requests/s
at least half the bare endpoint's. The load average is printed before and after: the load
generator shares the 2 cores with the service, and other work on the machine inflates numbers.

`--counts` prints first what each endpoint's request costs, counted rather than timed (the same
on a busy machine as on a quiet one): SQL statements, PostgreSQL round trips (every query,
BEGIN, COMMIT, ROLLBACK and ping libpq sends; psycopg's Python implementation is used for that
count only), pool checkouts, threadpool calls and Redis round trips, averaged over 20 requests
in process. `--counts-only` stops there.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import csv
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import migrate
from app.db import make_engine
from app.settings import Settings
from cimaturity.config import LOAD_PROFILES
from cimaturity.tools.with_server import running_service
from tests.integration.conftest import create_database, drop_database

ROOT = Path(__file__).resolve().parent.parent

P95_GOAL_MS = 100.0
P99_GOAL_MS = 250.0
RATIO_GOAL = 0.5

WALLET_LOCUSTFILE = """
import secrets, uuid
from locust import HttpUser, constant, task

class WalletReader(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        email = f"bench-{uuid.uuid4().hex}@example.com"
        credentials = {"email": email, "password": secrets.token_urlsafe(16)}
        self.client.post("/api/v1/auth/register", json=credentials)
        token = self.client.post("/api/v1/auth/login", json=credentials).json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    @task
    def wallet(self):
        self.client.get("/api/v1/wallet")
"""

BARE_LOCUSTFILE = """
from locust import HttpUser, constant, task

class BareReader(HttpUser):
    wait_time = constant(0)

    @task
    def bare(self):
        self.client.get("/bare")
"""

BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
def bare() -> dict[str, int]:
    return {"balance": 0}


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
"""


@dataclass(frozen=True)
class Row:
    name: str
    requests: int
    failures: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    rps: float


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else float("nan")


def read_stats(path: Path) -> list[Row]:
    with path.open(newline="") as handle:
        return [
            Row(
                name=f"{line['Type']} {line['Name']}".strip(),
                requests=int(line["Request Count"]),
                failures=int(line["Failure Count"]),
                median_ms=_number(line["50%"]),
                p95_ms=_number(line["95%"]),
                p99_ms=_number(line["99%"]),
                rps=_number(line["Requests/s"]),
            )
            for line in csv.DictReader(handle)
        ]


def locust(
    locustfile: Path, host: str, users: int, spawn_rate: float, seconds: int, prefix: Path
) -> list[Row]:
    argv = [
        str(Path(sys.executable).parent / "locust"),
        "-f",
        str(locustfile),
        "--headless",
        "-u",
        str(users),
        "-r",
        f"{spawn_rate:g}",
        "-t",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    # exit 1 = some request failed: judged from the CSV
    subprocess.run(argv, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return read_stats(Path(f"{prefix}_stats.csv"))


def service_env(database_url: str) -> dict[str, str]:
    knobs = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in knobs}
    env.update(
        APP_ENV="development",
        DATABASE_URL=database_url,
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        REDIS_KEY_PREFIX=f"bench:{uuid.uuid4().hex[:12]}:",
        AUTO_MIGRATE="false",
        LOGIN_RATE_LIMIT="100000",
        PURCHASE_RATE_LIMIT="100000",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST_KIB="8192",
    )
    return env


def table(rows: list[Row]) -> str:
    lines = [
        "| endpoint | requests | failures | median ms | p95 ms | p99 ms | req/s |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row.name} | {row.requests} | {row.failures} | {row.median_ms:.0f} | {row.p95_ms:.0f} "
        f"| {row.p99_ms:.0f} | {row.rps:.1f} |"
        for row in rows
    ]
    return "\n".join(lines)


def loadavg() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


COUNTED_REQUESTS = 20
COST_COLUMNS = ("sql", "pg round trips", "checkouts", "thread calls", "redis")


def _install_counters(counts: collections.Counter[str]) -> None:
    """Count thread calls, Redis round trips and libpq sends in this process."""
    import anyio.to_thread
    import psycopg
    import psycopg_pool
    import redis.connection

    if psycopg.pq.__impl__ != "python":
        raise SystemExit("the counts need PSYCOPG_IMPL=python (libpq calls are counted in Python)")
    run_sync = anyio.to_thread.run_sync

    async def counted_run_sync(*args: Any, **kwargs: Any) -> Any:
        counts["thread calls"] += 1
        return await run_sync(*args, **kwargs)

    anyio.to_thread.run_sync = counted_run_sync  # type: ignore[assignment]
    connection = redis.connection.AbstractConnection
    send: Callable[..., None] = connection.send_packed_command

    def counted_send(self: Any, *args: Any, **kwargs: Any) -> None:
        counts["redis"] += 1
        send(self, *args, **kwargs)

    connection.send_packed_command = counted_send  # type: ignore[method-assign]
    # The reads on the event loop (app/loop_reads.py) bypass SQLAlchemy's events: count them here.
    execute = psycopg.AsyncConnection.execute
    getconn = psycopg_pool.AsyncConnectionPool.getconn

    async def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["sql"] += 1
        return await execute(self, *args, **kwargs)

    async def counted_getconn(self: Any, *args: Any, **kwargs: Any) -> Any:
        counts["checkouts"] += 1
        return await getconn(self, *args, **kwargs)

    psycopg.AsyncConnection.execute = counted_execute  # type: ignore[method-assign]
    psycopg_pool.AsyncConnectionPool.getconn = counted_getconn  # type: ignore[method-assign]
    pgconn = psycopg.pq.PGconn
    for name in (
        "exec_",
        "exec_params",
        "exec_prepared",
        "send_query",
        "send_query_params",
        "send_query_prepared",
    ):
        original: Callable[..., Any] = getattr(pgconn, name)

        def counted(self: Any, *args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            counts["pg round trips"] += 1
            return _original(self, *args, **kwargs)

        setattr(pgconn, name, counted)


async def _measure_costs(
    database: str, counts: collections.Counter[str]
) -> list[tuple[str, dict[str, float]]]:
    import httpx
    from sqlalchemy import event

    from app.factory import create_app
    from app.settings import load_settings

    env = service_env(database)
    settings = load_settings(
        app_env="development",
        database_url=database,
        redis_url=env["REDIS_URL"],
        redis_key_prefix=env["REDIS_KEY_PREFIX"],
        auto_migrate=False,
        argon2_time_cost=1,
        argon2_memory_cost_kib=8192,
        login_rate_limit=100_000,
        purchase_rate_limit=100_000,
    )
    app = create_app(settings)
    engine = app.state.container.engine

    def bump(name: str) -> Callable[..., None]:
        return lambda *_args: counts.update([name])

    event.listen(engine, "before_cursor_execute", bump("sql"))
    event.listen(engine.pool, "checkout", bump("checkouts"))
    rows: list[tuple[str, dict[str, float]]] = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        api = "/api/v1"

        async def measure(name: str, request: Callable[[], Awaitable[httpx.Response]]) -> None:
            await request()  # warm: connections, statement caches
            counts.clear()
            for _ in range(COUNTED_REQUESTS):
                response = await request()
                if response.status_code >= 400:
                    raise SystemExit(f"{name}: {response.status_code} {response.text}")
            rows.append((name, {column: counts[column] / COUNTED_REQUESTS for column in COST_COLUMNS}))

        def new_credentials() -> dict[str, str]:
            return {"email": f"cost-{uuid.uuid4().hex}@example.com", "password": uuid.uuid4().hex}

        credentials = new_credentials()
        await measure(
            "POST /api/v1/auth/register", lambda: client.post(f"{api}/auth/register", json=new_credentials())
        )
        await client.post(f"{api}/auth/register", json=credentials)
        await measure("POST /api/v1/auth/login", lambda: client.post(f"{api}/auth/login", json=credentials))
        token = (await client.post(f"{api}/auth/login", json=credentials)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        await measure(
            "POST /api/v1/wallet/topups", lambda: client.post(f"{api}/wallet/topups", json={"amount": 5000})
        )
        await measure("GET /api/v1/wallet", lambda: client.get(f"{api}/wallet"))
        await measure(
            "GET /api/v1/wallet/transactions", lambda: client.get(f"{api}/wallet/transactions?limit=20")
        )
        await measure("GET /api/v1/services", lambda: client.get(f"{api}/services"))
        offer = (await client.get(f"{api}/services")).json()["services"][0]
        body = {"service": offer["code"], "country": offer["countries"][0]["code"]}
        await measure(
            "POST /api/v1/verifications",
            lambda: client.post(
                f"{api}/verifications", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
            ),
        )
        await measure("GET /health", lambda: client.get("/health"))
    return rows


def print_costs() -> None:
    counts: collections.Counter[str] = collections.Counter()
    _install_counters(counts)
    database = create_database("bench_costs")
    try:
        engine = make_engine(database)
        migrate.upgrade(engine)
        engine.dispose()
        rows = asyncio.run(_measure_costs(database, counts))
    finally:
        drop_database(database)
    print(f"## Cost per request (mean of {COUNTED_REQUESTS}, in process)\n")
    print("| endpoint | " + " | ".join(COST_COLUMNS) + " |")
    print("|---" * (len(COST_COLUMNS) + 1) + "|")
    for name, values in rows:
        print(f"| {name} | " + " | ".join(f"{values[column]:g}" for column in COST_COLUMNS) + " |")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--spawn-rate",
        type=float,
        default=LOAD_PROFILES["plan"].spawn_rate,
        help="users started per second in the load profile (default: the plan profile's)",
    )
    parser.add_argument("--ceiling-seconds", type=int, default=20)
    parser.add_argument("--counts", action="store_true", help="first print the cost of each request")
    parser.add_argument("--counts-only", action="store_true", help="print the cost of each request, and stop")
    parser.add_argument("--counts-here", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.counts_here:
        print_costs()
        return 0
    if args.counts or args.counts_only:
        env = {**os.environ, "PSYCOPG_IMPL": "python"}
        argv = [sys.executable, "-m", "benchmarks.bench_service", "--counts-here"]
        subprocess.run(argv, cwd=ROOT, env=env, check=True)
        if args.counts_only:
            return 0
    print(f"load average before: {loadavg()}")
    # The wallet and bare phases ramp alike (all users within 5 s), so their ratio compares like with like.
    ceiling_ramp = max(1, args.users // 5)
    database = create_database("bench_service")
    try:
        engine = make_engine(database)
        migrate.upgrade(engine)
        engine.dispose()
        with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
            folder = Path(tmp)
            (folder / "bare_app.py").write_text(BARE_APP)
            (folder / "wallet_locustfile.py").write_text(WALLET_LOCUSTFILE)
            (folder / "bare_locustfile.py").write_text(BARE_LOCUSTFILE)
            with running_service(
                "app.main:app", "/health", service_env(database), inherit=False, cwd=ROOT
            ) as url:
                mixed = locust(
                    ROOT / "tests/load/locustfile.py",
                    url,
                    args.users,
                    args.spawn_rate,
                    args.seconds,
                    folder / "mixed",
                )
                wallet = locust(
                    folder / "wallet_locustfile.py",
                    url,
                    args.users,
                    ceiling_ramp,
                    args.ceiling_seconds,
                    folder / "wallet",
                )
            bare_env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
            with running_service("bare_app:app", "/health", bare_env, inherit=False, cwd=folder) as url:
                bare = locust(
                    folder / "bare_locustfile.py",
                    url,
                    args.users,
                    ceiling_ramp,
                    args.ceiling_seconds,
                    folder / "bare",
                )
    finally:
        drop_database(database)
    print(f"load average after: {loadavg()}\n")
    print(
        f"## Load profile: {args.users} users, {args.spawn_rate:g} started per second, {args.seconds} s\n\n"
        f"{table(mixed)}\n"
    )
    aggregate = next(row for row in mixed if row.name == "Aggregated")
    # Over the whole phase, not Locust's own req/s: requests still waiting when the phase ends
    # (a stalled server) are not in Locust's count, and its clock stops at the last answer.
    wallet_rps = (
        next(row for row in wallet if row.name == "GET /api/v1/wallet").requests / args.ceiling_seconds
    )
    bare_rps = next(row for row in bare if row.name == "GET /bare").requests / args.ceiling_seconds
    print(f"## Throughput, no think time: {args.users} users, {args.ceiling_seconds} s each\n")
    print(f"{table([row for row in wallet + bare if row.name != 'Aggregated'])}\n")
    ratio = wallet_rps / bare_rps if bare_rps else float("nan")
    checks = [
        (f"aggregated p95 {aggregate.p95_ms:.0f} ms <= {P95_GOAL_MS:.0f}", aggregate.p95_ms <= P95_GOAL_MS),
        (f"aggregated p99 {aggregate.p99_ms:.0f} ms <= {P99_GOAL_MS:.0f}", aggregate.p99_ms <= P99_GOAL_MS),
        (f"failures {aggregate.failures} == 0", aggregate.failures == 0),
        (
            f"GET wallet / bare = {wallet_rps:.0f} / {bare_rps:.0f} = {ratio:.2f} >= {RATIO_GOAL}",
            ratio >= RATIO_GOAL,
        ),
    ]
    for text, met in checks:
        print(f"- {'met' if met else 'NOT met'}: {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
