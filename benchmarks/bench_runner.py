"""Benchmark: `invoke ci --profile quick` run concurrently vs one check after another.

Measures, for the same project:
  - the wall time of the concurrent run (`--jobs` = cores),
  - the sum of the checks' own durations in that run's run.json (the work to do),
  - the wall time of the sequential run (`--jobs 1`),
and prints the ratio parallel / sequential (the issue's goal on a 2-core machine: <= 0.65).

Usage: .venv/bin/python -m benchmarks.bench_runner [--project PATH] [--repeat N] [--jobs N] [--warmup]

A run whose gates fail still counts (invoke exits 1): the benchmark times the runner, not the
project. Other work on the machine inflates both runs; the script prints the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Run:
    jobs: int
    wall_s: float
    exit_code: int
    durations: dict[str, float]  # check name -> its own duration (skipped checks excluded)
    statuses: dict[str, str]

    @property
    def work_s(self) -> float:
        return sum(self.durations.values())


def invoke_ci(project: Path, jobs: int, reports: Path) -> Run:
    invoke = Path(sys.executable).parent / "invoke"
    argv = [str(invoke), "ci", "--profile", "quick", "--project", str(project)]
    argv += ["--jobs", str(jobs), "--reports", str(reports)]
    started = time.monotonic()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if done.returncode not in (0, 1):  # 2: bad config or selection; anything else: a crash
        sys.exit(f"invoke ci exited {done.returncode}:\n{done.stderr[-2000:]}")
    record = json.loads((reports / "run.json").read_text(encoding="utf-8"))
    ran = [check for check in record["checks"] if check["status"] != "skipped"]
    return Run(
        jobs=jobs,
        wall_s=wall,
        exit_code=done.returncode,
        durations={check["name"]: float(check["duration_s"]) for check in ran},
        statuses={check["name"]: check["status"] for check in record["checks"]},
    )


def table(parallel: list[Run], sequential: list[Run]) -> str:
    names = list(parallel[-1].statuses)
    lines = [f"{'check':<12} {'status':<8} {'parallel s':>11} {'sequential s':>13}"]
    for name in names:
        par = statistics.median(run.durations.get(name, 0.0) for run in parallel)
        seq = statistics.median(run.durations.get(name, 0.0) for run in sequential)
        status = parallel[-1].statuses[name]
        lines.append(f"{name:<12} {status:<8} {par:>11.2f} {seq:>13.2f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=REPO, help="repository to run the checks on")
    parser.add_argument("--repeat", type=int, default=1, help="pairs of runs; medians are reported")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="jobs of the concurrent run")
    parser.add_argument("--warmup", action="store_true", help="one untimed run first (fills mypy's cache)")
    args = parser.parse_args()
    project = args.project.resolve()
    load_before = os.getloadavg()
    parallel: list[Run] = []
    sequential: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-runner-") as tmp:
        reports = Path(tmp)
        if args.warmup:
            invoke_ci(project, args.jobs, reports / "warmup")
        for index in range(args.repeat):
            # Alternate which goes first so a warming cache or a load spike does not favour one.
            order = [(args.jobs, parallel), (1, sequential)]
            for jobs, runs in order if index % 2 == 0 else reversed(order):
                runs.append(invoke_ci(project, jobs, reports / f"{index}-{jobs}"))
    par_wall = statistics.median(run.wall_s for run in parallel)
    seq_wall = statistics.median(run.wall_s for run in sequential)
    work = statistics.median(run.work_s for run in parallel)
    print(f"project: {project}   cores: {os.cpu_count()}   repeat: {args.repeat}")
    print(f"1-min load average: {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    print()
    print(table(parallel, sequential))
    print()
    print(f"{'parallel wall (--jobs ' + str(args.jobs) + ')':<34} {par_wall:8.2f} s")
    print(f"{'sum of check durations (parallel)':<34} {work:8.2f} s")
    print(f"{'sequential wall (--jobs 1)':<34} {seq_wall:8.2f} s")
    print(f"{'ratio parallel / sequential':<34} {par_wall / seq_wall:8.2f}   (goal <= 0.65)")
    print(f"{'ratio parallel / sum of durations':<34} {par_wall / work:8.2f}")


if __name__ == "__main__":
    main()
