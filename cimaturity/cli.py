"""The `cimaturity` command (and `python -m cimaturity`): the invoke tasks as one program.

`cimaturity ci`, `cimaturity report`, `cimaturity pr-comment`, ... are the very tasks `invoke`
runs in this repository (`cimaturity.tasks.ns`), with their `--help`. Only the tasks that drive
this repository's reference service (`serve`, `openapi`) are left out: the package does not ship
that service.
"""

from __future__ import annotations

from collections.abc import Sequence

from invoke.collection import Collection
from invoke.program import Program

from cimaturity import __version__

# Tasks of this repository's own service (app/): not part of the installed command.
REPOSITORY_ONLY = frozenset({"serve", "openapi"})


def collection() -> Collection:
    """The installed command's tasks: every task of `cimaturity.tasks.ns` but the repository's own."""
    from cimaturity.tasks import ns

    commands = Collection()
    for name, task in sorted(ns.tasks.items()):
        if name not in REPOSITORY_ONLY:
            commands.add_task(task, name=name)
    return commands


def program() -> Program:
    return Program(namespace=collection(), name="cimaturity", binary="cimaturity", version=__version__)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: parse `argv` (default: the command line), run, exit."""
    program().run(None if argv is None else ["cimaturity", *argv])
