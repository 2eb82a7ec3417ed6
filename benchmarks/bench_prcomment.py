"""`invoke pr-comment --dry-run` with a history of 10,000 records: goal under 2 s end to end.

    .venv/bin/python -m benchmarks.bench_prcomment [--records N] [--repeat N]

Builds, in a temporary folder, a project whose reports folder holds a store of `--records`
records (shaped as in bench_history.py: 300 tests, 20 findings each, two thirds on main) and a
latest run whose record is the newest, then times `invoke pr-comment --dry-run` in a fresh
process (as CI runs it), median of `--repeat`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.bench_history import record
from cimaturity.history.store import open_store
from tests.support.latest_run import make_latest_run

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder) / "shop"
        reports = project / "reports"
        source = Path(folder) / "history.jsonl"
        with source.open("w", encoding="utf-8") as handle:
            for n in range(args.records):
                handle.write(json.dumps(record(n, 300, 20).to_json()) + "\n")
        with open_store(reports) as store:
            store.import_jsonl(source)
            newest = store.records(limit=1)[0]
        make_latest_run(project, newest)
        argv = [str(ROOT / ".venv" / "bin" / "invoke"), "pr-comment", "--project", str(project), "--dry-run"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        walls = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"pr-comment exited {done.returncode}: {done.stderr[-600:]}")
        lines = done.stdout.splitlines()
    print(f"load average {os.getloadavg()[0]:.1f}; {args.records} records; median of {args.repeat}")
    print(f"invoke pr-comment --dry-run: {statistics.median(walls):.2f} s (goal < 2 s); comment: {lines[1]}")


if __name__ == "__main__":
    main()
