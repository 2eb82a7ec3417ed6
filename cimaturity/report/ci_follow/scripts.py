"""Shell scripts: `bash scripts/test.sh`, `sh x.sh`, `source x.sh`, `./x.sh` run the script's
lines (a path without `.sh` only when its `#!` line names a shell). Paths are relative to the
step's working directory and never leave the repository.

A script calling another script of the repository in one of those forms is followed too, up to
`MAX_SCRIPTS` scripts deep and never into a file already followed for this command (a cycle). The
called script runs from the step's working directory, so its path is resolved there first, then
beside the calling script. A called `.sh` script found in neither place is a problem string.
Scripts call nothing else here: a script running tox or make is listed, not followed."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .base import Follower, Run
from .model import Hop
from .shell import is_expression, join, logical_lines, program, simple_commands

_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "source", "."})
MAX_SCRIPTS = 3  # the step's script, a script it calls, and a script that one calls


class Scripts(Follower):
    """A shell given a script, or a command that is a path; last in the registry, so that
    `.venv/bin/tox` is tox, not a script."""

    programs = _SHELLS

    def handles(self, words: Sequence[str]) -> bool:
        return program(words[0]) in _SHELLS or "/" in words[0] or words[0].endswith(".sh")

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        call = _script_call(words)
        if call is not None:
            _ScriptWalk(run, cwd).script(call, ())


@dataclass(frozen=True)
class _ScriptCall:
    path: str  # as written
    require_shell: bool  # a bare path runs a script only when its `#!` line names a shell


def _script_call(words: Sequence[str]) -> _ScriptCall | None:
    """The script `words` runs: `bash x.sh` (not `bash -c '...'`), `source x`, `./x.sh`."""
    args = words[1:]
    if program(words[0]) in _SHELLS:
        script = next((word for word in args if not word.startswith("-")), None)
        return _ScriptCall(script, require_shell=False) if script is not None and "-c" not in args else None
    if "/" in words[0] or words[0].endswith(".sh"):
        return _ScriptCall(words[0], require_shell=True)
    return None


@dataclass
class _ScriptWalk:
    """One script a step runs, and the scripts it calls in turn."""

    run: Run
    cwd: str  # the step's working directory: every script of the chain runs from there
    seen: set[str] = field(default_factory=set)  # scripts already followed: a cycle ends here

    def script(self, call: _ScriptCall, via: tuple[Hop, ...]) -> None:
        relative = self._resolve(call, via)
        if relative is None or relative in self.seen:
            return
        self.seen.add(relative)
        text = self.run.text(relative, "script")
        if text is None:
            return
        for line, command in logical_lines(text):
            if re.match(r"^set\s", command):  # `set -ex` configures the shell; it runs nothing
                continue
            self.run.add(relative, line, "", command, via)
            if len(via) + 1 >= MAX_SCRIPTS:
                continue
            hop = Hop(relative, line, " ".join(command.split()))
            for words in simple_commands(command):
                if (inner := _script_call(words)) is not None:
                    self.script(inner, (*via, hop))

    def _resolve(self, call: _ScriptCall, via: tuple[Hop, ...]) -> str | None:
        """The repository-relative script `call` runs; None when it is not one of the repository's
        scripts (a missing `.sh` script called by a script is recorded as a problem)."""
        if is_expression(call.path):
            return None
        files = self.run.files
        places = [call.path] if call.path.startswith("/") else [join(self.cwd, call.path)]
        if via and not call.path.startswith("/"):
            places.append(join(posixpath.dirname(via[-1].file), call.path))
        candidates = [c for c in dict.fromkeys(files.inside(place) for place in places) if c is not None]
        found = next((candidate for candidate in candidates if files.is_file(candidate)), None)
        if found is not None:
            return found if not call.require_shell or files.is_shell_script(found) else None
        if via and candidates and call.path.endswith((".sh", ".bash")):
            caller = via[-1]
            self.run.problems.append(
                f"{caller.file}:{caller.line}: script {call.path} not found ({' or '.join(candidates)})"
            )
        return None
