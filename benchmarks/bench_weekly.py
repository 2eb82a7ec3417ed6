"""Benchmark the weekly report: `.venv/bin/python -m benchmarks.bench_weekly [--records N] [--repeat N]`.

Fills a history store in a temporary project with `--records` records (default 10,000: every
rubric criterion's status, 12 checks, `--tests` test outcomes (200), 0-12 findings each; one every 30 minutes,
so ~30 weeks; commits re-run now and then, a few tests flaky), through the store's JSON-lines
import (one transaction). Then times, each as the median of `--repeat` runs:

- `invoke weekly --project P` end to end (a fresh process, as the workflow runs it);
- in process: reading the records (`HistoryStore.records`), building the report
  (`build_report`: progress, trends, flaky, metrics, DORA, charts) and writing both files.

Goal (issue 9): `invoke weekly` on 10,000 records in under 2 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cimaturity.history.record import CheckRecord, FindingRecord, HistoryRecord
from cimaturity.history.store import open_store
from cimaturity.report.rubric import PLAN, load_rubric
from cimaturity.tasks.weekly import read_history
from cimaturity.weekly.dora import NO_GITHUB
from cimaturity.weekly.output import write_weekly
from cimaturity.weekly.progress import load_plan_tasks
from cimaturity.weekly.report import build_report

ROOT = Path(__file__).resolve().parent.parent

START = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
CHECKS = (
    "lint",
    "typecheck",
    "test",
    "sast",
    "deps",
    "secrets",
    "sbom",
    "container",
    "migration",
    "contract",
)
SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("met", "partial", "unmet", "no evidence")


def synthetic(count: int, tests_per_record: int = 200, seed: int = 9) -> list[HistoryRecord]:
    rng = random.Random(seed)
    criteria = [c.id for c in load_rubric(PLAN).criteria]
    records = []
    sha = "0" * 40
    for n in range(count):
        if rng.random() < 0.7:  # otherwise: the same commit run again
            sha = f"{rng.getrandbits(160):040x}"
        progress = n / count
        status = {c: "met" if rng.random() < progress else STATUSES[rng.randrange(1, 4)] for c in criteria}
        checks = tuple(
            CheckRecord(name, "failed" if rng.random() < 0.03 else "passed", rng.uniform(2, 240))
            for name in (*CHECKS, "e2e", "performance")
        )
        tests = {
            f"test::tests/unit/test_{i // 10}.py::test_{i}": "failed" if rng.random() < 0.01 else "passed"
            for i in range(tests_per_record)
        }
        records.append(
            HistoryRecord(
                run_id=f"run-{n:06d}",
                recorded_at=(START + dt.timedelta(minutes=30 * n)).isoformat(),
                project="shop",
                git_sha=sha,
                branch="main" if rng.random() < 0.8 else "develop",
                base_sha=None,
                score=round(10 * progress, 2),
                points=round(50 * progress, 3),
                max_points=50.0,
                criteria=dict.fromkeys(criteria, 1.0),
                criteria_status=status,
                coverage_percent=23 + 50 * progress,
                findings=tuple(
                    FindingRecord(
                        f"fp-{n}-{i}", "sast", "bandit", f"B{i}", rng.choice(SEVERITIES), "app/x.py", i, "m"
                    )
                    for i in range(rng.randrange(13))
                ),
                tests=tests,
                checks=checks,
            )
        )
    return records


def fill(project: Path, count: int, tests: int) -> None:
    lines = project / "history.jsonl"
    with lines.open("w", encoding="utf-8") as handle:
        for record in synthetic(count, tests):
            handle.write(json.dumps(record.to_json(), separators=(",", ":")) + "\n")
    with open_store(project / "reports") as store:
        added = store.import_jsonl(lines)
    assert added == count, added


def end_to_end(project: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_REPOSITORY", "GITHUB_TOKEN")}
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "invoke"), "weekly", "--project", str(project)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def in_process(project: Path) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    with open_store(project / "reports") as store:
        records, flaky = read_history(store, None)  # as `invoke weekly` reads it
    t1 = time.perf_counter()
    report = build_report(
        records,
        tasks=load_plan_tasks(),
        delivery=NO_GITHUB,
        since=None,
        now=dt.datetime.now(dt.UTC),
        project="shop",
        flaky=flaky,
    )
    t2 = time.perf_counter()
    write_weekly(report, project / "reports")
    return t1 - t0, t2 - t1, time.perf_counter() - t2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--tests", type=int, default=200, help="test outcomes per record")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory(prefix="bench-weekly-") as folder:
        project = Path(folder) / "shop"
        project.mkdir()
        t = time.perf_counter()
        fill(project, args.records, args.tests)
        size = (project / "reports" / "history" / "history.sqlite3").stat().st_size
        print(
            f"history: {args.records:,} records of {args.tests} test outcomes, {size / 1e6:.0f} MB store, "
            f"filled in {time.perf_counter() - t:.1f} s"
        )
        walls = [end_to_end(project) for _ in range(args.repeat)]
        parts = [in_process(project) for _ in range(args.repeat)]
        print(f"invoke weekly (fresh process), median of {args.repeat}: {statistics.median(walls):.2f} s")
        for index, name in enumerate(("read the store", "build the report", "render and write")):
            print(f"  in process, {name}: {statistics.median(p[index] for p in parts):.2f} s")
        md = (project / "reports" / "weekly.md").stat().st_size
        html = (project / "reports" / "weekly.html").stat().st_size
        print(f"weekly.md {md / 1e3:.0f} kB, weekly.html {html / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
