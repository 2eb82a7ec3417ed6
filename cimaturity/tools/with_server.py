"""Run a command against the project's web service, started for the duration on 127.0.0.1.

    python -m cimaturity.tools.with_server --app app.main:app [--health /health]
        [--env KEY=VALUE ...] -- CMD ARGS...

Starts `uvicorn APP` on a free port of 127.0.0.1 (in the project root, with the caller's
environment), polls the health path until it answers 200 (bounded, no fixed sleep), then runs
CMD with `{url}` in its arguments replaced by the service's base URL (also exported as
`SERVICE_URL`). The server is stopped afterwards, whatever happened. Exit status: CMD's own;
2 when the service never became healthy (its output is printed, so the log says why).
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0


class ServiceDidNotStartError(Exception):
    """The service exited or never answered its health check; the message carries its output."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(port: int, path: str) -> bool:
    """GET path on 127.0.0.1:port answers 200 (plain http.client: no URL scheme to trust)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


@contextmanager
def running_service(
    app: str,
    health: str,
    env: Mapping[str, str] | None = None,
    *,
    inherit: bool = True,
    cwd: Path | None = None,
    timeout_s: float = STARTUP_TIMEOUT_S,
    python: str = sys.executable,
) -> Iterator[str]:
    """The base URL of `uvicorn app` on a free 127.0.0.1 port, healthy, stopped on exit.

    `env` adds variables for the server only (e.g. a throwaway database for it); with
    `inherit=False` it is the server's whole environment. The server's output goes to a
    temporary file, not a pipe: under load its access log would fill a pipe nobody reads and
    stall it. On a failed start the end of that output is in the error.
    """
    port = free_port()
    argv = [python, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile(mode="w+", prefix="cimaturity-server-") as output:
        server = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**(os.environ if inherit else {}), **(env or {})},
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            # Same process group as this helper: when the runner kills the check's group on a
            # timeout or Ctrl-C, the server goes with it instead of being orphaned.
        )
        try:
            deadline = time.monotonic() + timeout_s
            while not _healthy(port, health):
                if server.poll() is not None or time.monotonic() > deadline:
                    exited = server.poll() is not None
                    server.kill()
                    server.wait()
                    output.seek(0)
                    why = "exited" if exited else f"no healthy answer in {timeout_s:.0f}s"
                    raise ServiceDidNotStartError(f"{app} {why}:\n{output.read()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            if server.poll() is None:
                server.terminate()
                try:
                    server.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.with_server", description=__doc__)
    parser.add_argument("--app", required=True, help="ASGI app for uvicorn, e.g. app.main:app")
    parser.add_argument("--health", default="/health", help="path that answers 200 when ready")
    parser.add_argument("--python", default=sys.executable, help="the project's interpreter (runs uvicorn)")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a variable for the server only; {tmp} is a temporary folder removed afterwards",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command; {url} is replaced")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after --")
    if any("=" not in item for item in args.env):
        parser.error("--env takes KEY=VALUE")
    try:
        with (
            tempfile.TemporaryDirectory(prefix="cimaturity-service-") as tmp,
            running_service(
                args.app,
                args.health,
                dict(item.replace("{tmp}", tmp).split("=", 1) for item in args.env),
                python=args.python,
            ) as url,
        ):
            print(f"with_server: {args.app} is up at {url}", flush=True)
            child = [part.replace("{url}", url) for part in command]
            done = subprocess.run(child, env={**os.environ, "SERVICE_URL": url}, check=False)
            return done.returncode
    except ServiceDidNotStartError as exc:
        print(f"with_server: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
