"""Shell scripts: `bash scripts/test.sh`, `sh x.sh`, `source x.sh`, `./x.sh` run the script's
lines (a path without `.sh` only when its `#!` line names a shell). Paths are relative to the
step's working directory and never leave the repository."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .base import Follower, Run
from .shell import is_expression, join, logical_lines, program

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "source", "."})


class Scripts(Follower):
    """A shell given a script, or a command that is a path; last in the registry, so that
    `.venv/bin/tox` is tox, not a script."""

    programs = _SHELLS

    def handles(self, words: Sequence[str]) -> bool:
        return program(words[0]) in _SHELLS or "/" in words[0] or words[0].endswith(".sh")

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        if program(words[0]) in _SHELLS:
            script = next((word for word in args if not word.startswith("-")), None)
            if script is not None and "-c" not in args:
                _script(run, script, cwd, require_shell=False)
        else:
            _script(run, words[0], cwd, require_shell=True)


def _script(run: Run, path: str, cwd: str, *, require_shell: bool) -> None:
    if is_expression(path):
        return
    relative = run.files.inside(join(cwd, path) if not path.startswith("/") else path)
    if relative is None or (require_shell and not run.files.is_shell_script(relative)):
        return
    text = run.text(relative, "script")
    if text is None:
        return
    for line, command in logical_lines(text):
        if not re.match(r"^set\s", command):  # `set -ex` configures the shell; it runs nothing
            run.add(relative, line, "", command)
