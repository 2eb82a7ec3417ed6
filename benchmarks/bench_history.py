"""The history store at 10,000 records: is appending one still fast, and reading them all?

    .venv/bin/python -m benchmarks.bench_history [--records N] [--appends N] [--tests N] [--findings N]

Fills a fresh store (in a temporary folder) with `--records` records through `import_jsonl` (one
transaction), then times:

- append on an open store, `--appends` times (goal: median under 50 ms);
- open + append + close, what `invoke ci` / `invoke report` do once per run;
- `records()`: every record read back and parsed, 3 times; `records(limit=20)` (`invoke history`);
- `latest(branch=...)` and `base_for(base_sha=...)`: what the PR comment asks.

Each record looks like a run of a mid-sized project: `--tests` test outcomes, `--findings`
findings, 12 checks, 15 criteria.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cimaturity.history.record import CheckRecord, FindingRecord, HistoryRecord
from cimaturity.history.store import HistoryStore, open_store, store_path

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
SEVERITIES = ("critical", "high", "medium", "low", "info")


def record(n: int, tests: int, findings: int) -> HistoryRecord:
    return HistoryRecord(
        run_id=f"run-{n:06d}",
        recorded_at=(START + dt.timedelta(minutes=17 * n)).isoformat(timespec="seconds"),
        project="shop",
        git_sha=f"{n:040x}",
        branch="main" if n % 3 else f"feature-{n % 40}",
        base_sha=None,
        score=round(5 + (n % 50) / 10, 1),
        points=50.0,
        max_points=100.0,
        criteria={f"criterion_{i}": float(i % 5) for i in range(15)},
        coverage_percent=70.0 + n % 30,
        findings=tuple(
            FindingRecord(
                f"{n}-{i:016x}", "sast", "bandit", f"B{i:03d}", SEVERITIES[i % 5], f"app/m{i}.py", i, "x" * 60
            )
            for i in range(findings)
        ),
        tests={f"tests/unit/test_mod_{i // 20}.py::test_case_{i}": "passed" for i in range(tests)},
        checks=tuple(CheckRecord(f"check-{i}", "passed", 1.0 + i) for i in range(12)),
        p95_ms=120.0,
        p99_ms=250.0,
        vulnerabilities=(),
    )


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def row(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {len(samples)} | {statistics.median(samples):.1f} | {p95:.1f} | {max(samples):.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--appends", type=int, default=50)
    parser.add_argument("--tests", type=int, default=300)
    parser.add_argument("--findings", type=int, default=20)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        reports = Path(folder) / "reports"
        source = Path(folder) / "history.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for n in range(args.records):
                handle.write(json.dumps(record(n, args.tests, args.findings).to_json()) + "\n")
        with open_store(reports) as store:
            fill = timed(lambda: store.import_jsonl(source))
        path = store_path(reports)
        size = path.stat().st_size / 1e6
        record_kb = len(json.dumps(record(0, args.tests, args.findings).to_json())) / 1000
        print(f"{args.records} records of {record_kb:.1f} KB: store {size:.0f} MB, ", end="")
        print(f"filled in {fill / 1000:.1f} s (import_jsonl, one transaction)")

        extra = iter(range(args.records, args.records + 2 * args.appends))
        with HistoryStore(path) as store:
            append = [
                timed(lambda: store.append(record(next(extra), args.tests, args.findings)))
                for _ in range(args.appends)
            ]

        def open_append_close() -> None:
            with HistoryStore(path) as store:
                store.append(record(next(extra), args.tests, args.findings))

        per_run = [timed(open_append_close) for _ in range(args.appends)]
        with HistoryStore(path) as store:
            total = len(store)
            read_all = [timed(store.records) for _ in range(3)]
            newest = [timed(lambda: store.records(limit=20)) for _ in range(20)]
            latest = [timed(lambda: store.latest(branch="feature-7")) for _ in range(20)]
            base = [timed(lambda: store.base_for(base_sha=f"{4_321:040x}")) for _ in range(20)]
            assert store.base_for(base_sha=f"{4_321:040x}") is not None
    print()
    print(f"store of {total} records at the end")
    print()
    print("| operation | n | median ms | p95 ms | max ms |")
    print("|---|---|---|---|---|")
    for name, samples in (
        ("append (open store)", append),
        ("open + append + close", per_run),
        (f"records(): all {total}", read_all),
        ("records(limit=20)", newest),
        ("latest(branch=)", latest),
        ("base_for(base_sha=)", base),
    ):
        print(row(name, samples))
    verdict = "met" if statistics.median(append) < 50 else "NOT met"
    print(f"\ngoal: append median < 50 ms: {verdict}")


if __name__ == "__main__":
    main()
