"""Small command-line helpers that checks run as commands (`python -m cimaturity.tools.X`).

A check only runs commands, so work that no upstream tool does (walking git history for
secrets, merging pip-audit reports) lives here as a CLI the runner can time out and log.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

import cimaturity
from cimaturity.model import CheckContext, Command


def helper_command(
    module: str,
    *args: str,
    ok_exit_codes: frozenset[int] = frozenset({0}),
    env: Mapping[str, str] | None = None,
) -> Command:
    """Run `python -m cimaturity.tools.<module>` with this interpreter, from any project root.

    The target project need not have cimaturity installed: PYTHONPATH points at this copy.
    """
    package_parent = str(Path(cimaturity.__file__).resolve().parent.parent)
    inherited = (env or {}).get("PYTHONPATH") or os.environ.get("PYTHONPATH", "")
    python_path = os.pathsep.join(p for p in (package_parent, inherited) if p)
    return Command(
        (sys.executable, "-m", f"cimaturity.tools.{module}", *args),
        ok_exit_codes=ok_exit_codes,
        env={"PYTHONPATH": python_path},
    )


def against_service(ctx: CheckContext, *argv: str, ok_exit_codes: frozenset[int] = frozenset({0})) -> Command:
    """`argv` run while the project's declared web service runs on 127.0.0.1 (`{url}` = its URL).

    The caller checks `ctx.config.service` is set (else the check is not applicable).
    """
    spec = ctx.config.service
    if spec is None:
        raise ValueError("the project declares no [tool.cimaturity.service]")
    env_args = [part for key, value in spec.env.items() for part in ("--env", f"{key}={value}")]
    return helper_command(
        "with_server",
        "--app",
        spec.app,
        "--health",
        spec.health,
        "--python",
        ctx.python,
        *env_args,
        "--",
        *argv,
        ok_exit_codes=ok_exit_codes,
        env=ctx.env,
    )
