"""Benchmark: judging real repositories, with a cold and a warm environment cache.

For each repository of the development panel (tests/realworld/README.md says how to get them) it
measures, on a copy (the original is never touched):
  - provisioning the project's own environment alone, cold (empty cache) and warm (re-used),
  - `invoke ci --project COPY --profile quick`, cold and warm.
The goal (issue 7): a warm re-use of the environment in under 3 s.

Usage: .venv/bin/python -m benchmarks.bench_projects --panel DIR [--only flask,installer]
       (or CIMATURITY_PANEL=DIR, as for the opt-in realworld test)

uv's own download cache (~/.cache/uv) stays warm across runs: "cold" means our environment cache
is empty, so the virtualenv is created and every package installed, but not downloaded again.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PANEL = ("flask", "installer", "Django-Styleguide-Example", "full-stack-fastapi-template")


def _environ(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("PYTEST_")}
    env["CIMATURITY_CACHE_DIR"] = str(cache)
    return env


def provision_seconds(project: Path, cache: Path) -> tuple[float, str]:
    code = (
        "import os, sys; from pathlib import Path; from cimaturity.targetenv import resolve, TargetEnvError\n"
        "try:\n"
        "    print(resolve(Path(sys.argv[1]), explicit=None, configured=None, environ=os.environ).origin)\n"
        "except TargetEnvError as exc:\n"
        "    print(f'no environment: {exc}')\n"
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", code, str(project)],
        cwd=REPO,
        env=_environ(cache),
        capture_output=True,
        text=True,
        check=False,
    )
    return time.monotonic() - started, (done.stdout.strip().splitlines() or [done.stderr.strip()])[-1]


def ci_seconds(project: Path, cache: Path, reports: Path) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(
        [
            str(REPO / ".venv" / "bin" / "invoke"),
            "ci",
            "--project",
            str(project),
            "--profile",
            "quick",
            "--reports",
            str(reports),
        ],
        cwd=REPO,
        env=_environ(cache),
        capture_output=True,
        text=True,
        check=False,
    )
    return time.monotonic() - started, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    panel = os.environ.get("CIMATURITY_PANEL")
    parser.add_argument(
        "--panel",
        type=Path,
        default=Path(panel) if panel else None,
        required=panel is None,
        help="folder holding the panel's clones (default: $CIMATURITY_PANEL)",
    )
    parser.add_argument("--only", default="", help="comma-separated repository folders (default: all four)")
    args = parser.parse_args()
    names = [name for name in (args.only.split(",") if args.only else PANEL) if name]
    print(f"load average: {os.getloadavg()}")
    print("| repository | provision cold | provision warm | ci quick cold | ci quick warm | environment |")
    print("|---|---|---|---|---|---|")
    for name in names:
        source = args.panel / name
        if not source.is_dir():
            print(f"| {name} | (not found under {args.panel}) | | | | |")
            continue
        with tempfile.TemporaryDirectory(prefix="bench-projects-") as tmp:
            work = Path(tmp)
            project = work / name
            shutil.copytree(source, project, symlinks=True)
            cache = work / "cache"
            cold_env, origin = provision_seconds(project, cache)
            warm_env, _ = provision_seconds(project, cache)
            shutil.rmtree(cache)
            cold_ci, code_cold = ci_seconds(project, cache, work / "reports-cold")
            warm_ci, code_warm = ci_seconds(project, cache, work / "reports-warm")
            print(
                f"| {name} | {cold_env:.1f} s | {warm_env:.1f} s | {cold_ci:.1f} s (exit {code_cold}) "
                f"| {warm_ci:.1f} s (exit {code_warm}) | {origin} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
