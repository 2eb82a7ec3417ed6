"""Run a tool that writes its report to stdout, and keep that report in a file.

`python -m cimaturity.tools.capture --out FILE -- TOOL ARG...`: TOOL's stdout goes to FILE (written
atomically, only when TOOL exits 0, so a crash never leaves half a report behind; otherwise
it goes to stderr, as the error it is), its stderr passes through, and the exit code is TOOL's
own (127 when TOOL cannot be started; a signal that killed TOOL ends this process too).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from cimaturity.atomic import write_text_atomic


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.capture", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="where to keep the tool's stdout")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- TOOL ARG...")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command after --")
    try:
        completed = subprocess.run(command, stdout=subprocess.PIPE, check=False)
    except OSError as exc:
        print(f"capture: cannot run {command[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    text = completed.stdout.decode("utf-8", errors="replace")
    if completed.returncode == 0:
        write_text_atomic(args.out, text)
    else:  # no report: what the tool printed is its error, so it goes to the log
        sys.stderr.write(text)
        sys.stderr.flush()
    if completed.returncode < 0:  # killed by a signal: end the same way, so the runner sees it
        os.kill(os.getpid(), -completed.returncode)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
