"""Runner prefixes: `uv run`, `uvx`, `poetry run`, `pipenv run`, `python -m` run the command after
them; `hatch run` and `pdm run` may name a script of pyproject.toml (or hatch.toml) instead."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from typing import Any

from .base import Follower, Run
from .lines import command_lines, find_line, strings, table, toml_header_line
from .shell import join, program

# Options of `uv run` that take a value (the next word is not the command).
_UV_VALUE_OPTIONS = frozenset(
    {
        "--group", "--only-group", "--no-group", "--extra", "--with", "--with-editable",
        "--with-requirements", "--python", "-p", "--package", "--env-file", "--index",
        "--default-index", "--index-url", "--extra-index-url", "-i", "--find-links", "-f",
        "--python-platform", "--config-file", "--cache-dir", "--from",
    }
)  # fmt: skip
_FOLDER_OPTIONS = frozenset({"--directory", "--project", "--cwd"})


class Runners(Follower):
    """`uv run --group dev tox` runs `tox`; `python -m tox` too (`python x.py` is Python: not followed)."""

    programs = frozenset({"uv", "uvx", "poetry", "pipenv"})

    def handles(self, words: Sequence[str]) -> bool:
        name = program(words[0])
        return name in self.programs or re.fullmatch(r"python[\d.]*", name) is not None

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        inner, cwd = _see_through(program(words[0]), words[1:], cwd)
        run.dispatch(inner, cwd, depth + 1)


class Hatch(Follower):
    """`hatch run [env:]script`: the script from `[tool.hatch.envs.<env>.scripts]`."""

    programs = frozenset({"hatch"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        if not args or args[0] != "run":
            return
        rest = [word for word in args[1:] if not word.startswith(("-", "+"))]
        if not rest:
            return
        env, _, name = rest[0].rpartition(":")
        env = env or "default"
        for file, envs in (
            (join(cwd, "pyproject.toml"), ("tool", "hatch", "envs")),
            (join(cwd, "hatch.toml"), ("envs",)),
        ):
            config = _toml(run, file)
            for env_name in dict.fromkeys((env, "default")):  # envs inherit the default env's scripts
                scripts = table(config, (*envs, env_name, "scripts"))
                if name in scripts:
                    value = scripts[name]
                    commands = [value] if isinstance(value, str) else strings(value)
                    _add_toml_commands(run, file, (*envs, env_name, "scripts"), name, commands)
                    return
        run.dispatch(args[args.index(rest[0]) :], cwd, depth + 1)  # not a script: a command


class Pdm(Follower):
    """`pdm run name`: the script from `[tool.pdm.scripts]`, else the command itself."""

    programs = frozenset({"pdm"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        if not args or args[0] != "run":
            return
        rest = args[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        if not rest:
            return
        file = join(cwd, "pyproject.toml")
        commands = _pdm_commands(table(_toml(run, file), ("tool", "pdm", "scripts")).get(rest[0]))
        if commands:
            _add_toml_commands(run, file, ("tool", "pdm", "scripts"), rest[0], commands)
            return
        run.dispatch(rest, cwd, depth + 1)


def _see_through(name: str, args: list[str], cwd: str) -> tuple[list[str], str]:
    """The command a runner prefix runs (`uv run --group dev tox` -> `tox`), and its folder."""
    if name.startswith("python"):
        return (args[1:] if args[:1] == ["-m"] else []), cwd  # `python x.py` is Python, not followed
    rest = args
    if name != "uvx":
        if name == "uv" and rest[:2] == ["tool", "run"]:
            rest = rest[2:]
        elif rest[:1] == ["run"]:
            rest = rest[1:]
        else:
            return [], cwd
    inner: list[str] = []
    index = 0
    while index < len(rest):
        word = rest[index]
        if word == "--":
            inner = rest[index + 1 :]
            break
        if not word.startswith("-"):
            inner = rest[index:]
            break
        if word in _FOLDER_OPTIONS and index + 1 < len(rest):
            cwd = join(cwd, rest[index + 1])
        if word in _UV_VALUE_OPTIONS or word in _FOLDER_OPTIONS:
            index += 1
        index += 1
    return inner, cwd


def _pdm_commands(value: Any) -> list[str]:
    """A pdm script's commands: `"cmd"`, `{cmd = "..." | [...]}`, `{shell = "..."}` or the
    names/commands of `{composite = [...]}` (not expanded further: one hop)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, dict):
        return []
    command = value.get("cmd", value.get("shell"))
    if isinstance(command, str):
        return [command]
    if isinstance(command, list):
        return [" ".join(strings(command))]
    return strings(value.get("composite"))


def _toml(run: Run, file: str) -> dict[str, Any]:
    """The TOML file's data; empty when missing or unreadable (a problem)."""
    data = run.parsed(file, "TOML file", tomllib.loads, (tomllib.TOMLDecodeError,), label="TOML")
    return data or {}


def _add_toml_commands(run: Run, file: str, path: tuple[str, ...], key: str, commands: list[str]) -> None:
    """The commands of the script `key` of table `path`, each at its own line."""
    lines = (run.text(file, "TOML file") or "").splitlines()
    start = toml_header_line(lines, path) or toml_header_line(lines, path[:-1]) or 1
    key_line = find_line(lines, start, rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    context = f"[{'.'.join(path)}] {key}:"
    found = command_lines(lines, key_line or start, None, [command.split()[0] for command in commands])
    for command, line in zip(commands, found, strict=True):
        run.add(file, line or key_line, context, command)
