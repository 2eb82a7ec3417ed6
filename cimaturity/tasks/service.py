"""Tasks for the reference service in `app/`: its OpenAPI spec and a local server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from cimaturity import proc
from cimaturity.runner import tool_environment

ROOT = Path(__file__).resolve().parents[2]


@task(help={"check": "only check that docs/api_v2_spec.yaml matches the app (exit 1 when stale)"})
def openapi(c: Context, check: bool = False) -> None:
    """Regenerate docs/api_v2_spec.yaml from the FastAPI app (or check it is current)."""
    argv = [sys.executable, "-m", "app.openapi_export", *(["--check"] if check else [])]
    result = proc.run(argv, cwd=ROOT, env=tool_environment(), timeout_s=120)
    print(result.output, end="")
    if result.exit_code != 0:
        raise Exit(code=result.exit_code)


@task(help={"port": "port to listen on (default 8000)", "host": "address to bind (default 127.0.0.1)"})
def serve(c: Context, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Run the SMS verification service locally (SQLite and an in-process cache by default)."""
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", host, "--port", str(int(port))]
    os.chdir(ROOT)
    # The server replaces this process (argument list, no shell): Ctrl-C stops it directly.
    os.execv(sys.executable, argv)  # noqa: S606
