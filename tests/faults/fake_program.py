"""The body of every fake tool in the fault matrix: one stdlib-only script driven by a spec.

`tests/faults/fakes.py` writes an executable per tool: a shebang (this interpreter, `-S`, so it
starts in milliseconds), `SPEC = {...}` (what this fake does), then this file. Nothing here
imports cimaturity or pytest: the fake runs in its own process, as the real tool would.

Spec: `version` (printed for `--version` and `python -c ...`), `default` (the behaviour of any
other call), `modules` (for a fake interpreter: the behaviour of `python -m MODULE`; a module not
listed is not installed). A behaviour: print `output`, write `writes` ({absolute path: text}),
then kill itself with `signal`, sleep `sleep` seconds, or run a `program` (`serve`: a web service
answering 200 on `--port`; `alembic`: a stateful Alembic with a `mode`), and exit `exit`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

SPEC: dict[str, Any] = {}  # replaced by the generated script's own SPEC, defined above this file
REVISION = "a1b2c3d4e5f6"


def serve(argv: list[str]) -> int:
    """A web service answering 200 to every GET on 127.0.0.1:`--port` (stands in for uvicorn)."""
    import http.server  # here: it costs a tenth of a second to import, and only `serve` needs it

    class Ok(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:  # the base class names it `format`
            return None

    port = int(argv[argv.index("--port") + 1])
    http.server.HTTPServer(("127.0.0.1", port), Ok).serve_forever()
    return 0


def alembic(argv: list[str], behaviour: dict[str, Any]) -> int:
    """`alembic -c INI heads|upgrade head|downgrade -1|current`, remembering the revision in a file."""
    mode = str(behaviour.get("mode", "ok"))
    state = Path(str(behaviour["state"]))
    args = argv[2:] if argv[:1] == ["-c"] else argv
    command = args[0] if args else ""
    current = state.read_text() if state.is_file() else ""
    if command == "heads":
        if mode != "noop":
            print(f"{REVISION} (head)")
    elif command == "upgrade":
        if mode != "noop":
            state.write_text(REVISION)
        if mode == "upgrade_exit1":
            print("FAILED: the migration ran, then alembic exited 1", file=sys.stderr)
            return 1
    elif command == "downgrade":
        if mode != "noop":
            state.write_text("")
    elif command == "current":
        if mode == "garbage_current":
            print("<<< \x00 not alembic output >>>")
        elif current:
            print(f"{current} (head)")
    return 0


def behave(behaviour: dict[str, Any], argv: list[str]) -> int:
    if behaviour.get("missing"):
        print(f"{sys.argv[0]}: No module named {argv[1] if len(argv) > 1 else '?'}", file=sys.stderr)
        return 1
    if behaviour.get("output"):
        print(behaviour["output"], flush=True)
    if behaviour.get("stderr"):
        print(behaviour["stderr"], file=sys.stderr, flush=True)
    for path, text in dict(behaviour.get("writes") or {}).items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
    if behaviour.get("signal"):
        os.kill(os.getpid(), int(behaviour["signal"]))
        time.sleep(5)  # the signal arrives first
    if behaviour.get("sleep"):
        time.sleep(float(behaviour["sleep"]))
    program = behaviour.get("program")
    if program == "serve":
        return serve(argv)
    if program == "alembic":
        return alembic(argv[2:], behaviour)
    return int(behaviour.get("exit", 0))


def main() -> int:
    argv = sys.argv[1:]
    # `--version` anywhere (`python -m alembic --version` too): the runner asks before the run,
    # with a deadline of its own, so a fake told to hang must not hang there.
    if argv[:1] == ["-c"] or "--version" in argv:
        print(SPEC.get("version", "fake 0.0"))
        return 0
    if argv[:1] == ["-m"] and len(argv) > 1:
        modules: dict[str, Any] = SPEC.get("modules") or {}
        behaviour = modules.get(argv[1], {"missing": True})
        if behaviour.get("missing"):
            print(f"{sys.argv[0]}: No module named {argv[1]}", file=sys.stderr)
            return 1
        return behave(behaviour, argv)
    return behave(SPEC.get("default") or {}, argv)


if __name__ == "__main__":
    sys.exit(main())
