"""nox: the `session.run(...)` commands of the sessions a `nox` step runs, read from the noxfile
with `ast` (never imported)."""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from .base import Follower, Run
from .lines import Command
from .shell import join, option, option_words


class Nox(Follower):
    """`nox -s tests-3.12`, `nox` (the default sessions); tags and keywords are not guessed."""

    programs = frozenset({"nox"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        file = join(cwd, option(args, ("-f", "--noxfile")) or "noxfile.py")
        noxfile = run.parsed(file, "noxfile", _parse, (SyntaxError, ValueError))
        if noxfile is None:
            return
        if option(args, ("-t", "--tags", "-k", "--keywords")) is not None:
            return  # selection by tag or keyword expression: not worth guessing
        selectors = option_words(args, ("-s", "--session", "--sessions", "-e"))
        if not selectors:
            selectors = list(noxfile.defaults or [s.name for s in noxfile.sessions if s.default])
        for selector in selectors:
            session = noxfile.session(selector)
            if session is not None:
                for command in session.commands:
                    run.add(file, command.line, f"session {session.name}:", command.text)


@dataclass(frozen=True)
class _NoxSession:
    name: str
    default: bool
    commands: tuple[Command, ...]


@dataclass(frozen=True)
class _NoxFile:
    sessions: tuple[_NoxSession, ...]
    defaults: tuple[str, ...] | None  # nox.options.sessions, when the noxfile sets it

    def session(self, selector: str) -> _NoxSession | None:
        """`lint`, and `test-3.12` / `test(django='4.2')` for parametrised sessions."""
        base = selector.split("(")[0]
        exact = next((s for s in self.sessions if s.name == base), None)
        if exact is not None:
            return exact
        prefixed = [s for s in self.sessions if base.startswith(s.name + "-")]
        return max(prefixed, key=lambda s: len(s.name), default=None)


def _parse(text: str) -> _NoxFile:
    tree = ast.parse(text)
    sessions: list[_NoxSession] = []
    defaults: tuple[str, ...] | None = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            ast.unparse(target) == "nox.options.sessions" for target in node.targets
        ):
            elements = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else []
            defaults = tuple(_constant_strings(elements))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            session = _session(node)
            if session is not None:
                sessions.append(session)
    return _NoxFile(tuple(sessions), defaults)


def _session(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _NoxSession | None:
    decorator = next(
        (
            d
            for d in node.decorator_list
            if ast.unparse(d.func if isinstance(d, ast.Call) else d) in ("nox.session", "session")
        ),
        None,
    )
    if decorator is None or not node.args.args:
        return None
    name, default = node.name, True
    if isinstance(decorator, ast.Call):
        for keyword in decorator.keywords:
            if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                name = str(keyword.value.value)
            if keyword.arg == "default" and isinstance(keyword.value, ast.Constant):
                default = bool(keyword.value.value)
    session_arg = node.args.args[0].arg
    commands = [
        Command(call.lineno, " ".join(_constant_strings(call.args)))
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "run"
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == session_arg
    ]
    return _NoxSession(
        name, default, tuple(sorted((c for c in commands if c.text), key=lambda c: c.line or 0))
    )


def _constant_strings(elements: Sequence[ast.expr]) -> list[str]:
    """The string constants; `*session.posargs` and f-strings are left out."""
    return [e.value for e in elements if isinstance(e, ast.Constant) and isinstance(e.value, str)]
