"""Write a project's lockfile as pinned requirements (for pip-audit and cyclonedx), never touching it.

uv.lock through `uv export --frozen` (uv reads its own format best); poetry.lock, pdm.lock,
Pipfile.lock and pylock.toml through the same readers that provision the project's environment.
Exit 0 with the file written; 2 with one line when there is no lockfile or it cannot be read.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.targetenv.plan import PlanError, locked_requirements, lockfile
from cimaturity.targetenv.provision import uv_executable


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.export_lock", description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True, help="requirements file to write")
    parser.add_argument(
        "--runtime", action="store_true", help="only what the project ships (no dev/test groups)"
    )
    args = parser.parse_args(argv)
    project = args.project.resolve()
    lock = lockfile(project)
    if lock is None:
        print(
            "export_lock: no lockfile (uv.lock, poetry.lock, pdm.lock, Pipfile.lock, pylock.toml)",
            file=sys.stderr,
        )
        return 2
    if lock.name == "uv.lock":
        uv = uv_executable(os.environ)
        if uv is None:
            print("export_lock: uv is not installed (needed to read uv.lock)", file=sys.stderr)
            return 2
        argv_uv = [uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--project", str(project)]
        argv_uv += ["--format", "requirements-txt", "-o", str(args.out)]
        argv_uv += ["--no-default-groups"] if args.runtime else []
        done = subprocess.run(
            argv_uv, capture_output=True, text=True, check=False, env={**os.environ, "UV_NO_PROGRESS": "1"}
        )
        if done.returncode != 0:
            print(
                f"export_lock: uv export failed: {(done.stderr or done.stdout).strip()[:300]}",
                file=sys.stderr,
            )
            return 2
    else:
        try:
            lines = locked_requirements(lock, runtime=args.runtime)
        except PlanError as exc:
            print(f"export_lock: {exc}", file=sys.stderr)
            return 2
        write_text_atomic(args.out, "".join(f"{line}\n" for line in lines))
    shown = lock.relative_to(project) if lock.is_relative_to(project) else lock.name
    print(f"export_lock: {shown} -> {args.out.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
