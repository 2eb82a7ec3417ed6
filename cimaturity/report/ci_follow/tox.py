"""tox: the commands of the envs a `tox` step runs, from tox.ini, setup.cfg, `[tool.tox]` in
pyproject.toml (native or `legacy_tox_ini`) or tox.toml."""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from cimaturity.toxnames import FACTOR_CONDITION, env_list, expand, factors_match

from .base import Follower, Run
from .files import Unparseable
from .lines import Command, command_lines, find_line, next_header, strings, table, toml_header_line
from .shell import is_expression, join, logical_lines, option, positional, substitute

_OTHER_SUBCOMMANDS = frozenset(
    {"list", "l", "config", "c", "depends", "de", "devenv", "d", "exec", "e", "quickstart", "q", "schema"}
)
_VALUE_OPTIONS = frozenset(
    {"-e", "--env", "-c", "--conf", "-m", "--labels", "-f", "--factors", "--workdir", "-x"}
)
_CANDIDATES = ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")  # tox's own search order
_RUN_TIME = re.compile(r"\$\{\{.*?\}\}|\$\{[^}]*\}|\$\w+")  # values known only when the step runs
_ERRORS = (tomllib.TOMLDecodeError, configparser.Error, ValueError)


class Tox(Follower):
    """`tox -e lint`, `tox run` (its env_list), `TOX_ENV`/`TOXENV` from the step's env."""

    programs = frozenset({"tox"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        subcommand = next(iter(positional(args, _VALUE_OPTIONS)), None)
        if subcommand in _OTHER_SUBCOMMANDS or option(args, ("-m", "--labels")) is not None:
            return  # not a run, or envs chosen by label: not resolved here
        config = _config(run, cwd, option(args, ("-c", "--conf")))
        if config is None:
            return
        selected = option(args, ("-e", "--env"))
        if selected is None:
            from_env = run.call.env.get("TOX_ENV") or run.call.env.get("TOXENV")
            selected = substitute(from_env, {}) if from_env else None
        names = config.env_list if selected is None else tuple(n for n in selected.split(",") if n)
        factors = option(args, ("-f", "--factors"))
        if selected is None and factors:
            # `tox run -f 3.13-tests`: the env_list's envs with every factor given (one known only
            # at run time, `${PYTHON}`, does not narrow).
            known = _RUN_TIME.sub("", factors)  # `${{ matrix.python-version }}` holds a hyphen itself
            wanted = [part for part in known.split("-") if part]
            names = tuple(name for name in names if set(wanted) <= set(name.split("-")))
        for name in names:
            for env_name, env in config.select(name, run.call.matrix_values):
                for command in env.commands_for(env_name):
                    run.add(config.file, command.line, env.context, command.text)


def _config(run: Run, cwd: str, explicit: str | None) -> _ToxConfig | None:
    """The first file holding tox configuration; a file that does not parse ends the search."""
    names = (explicit,) if explicit else _CANDIDATES
    for file in (join(cwd, name) for name in names):
        config = run.files.parsed(file, "tox configuration", partial(_parse, file), _ERRORS, run.problems)
        if config is Unparseable.FILE:
            return None
        if config is not None:
            return config
    return None


@dataclass(frozen=True)
class _ToxEnv:
    context: str  # where its commands are written: "[testenv:lint]", "[tool.tox.env.typing]"
    commands: tuple[Command, ...]

    def commands_for(self, env_name: str) -> list[Command]:
        """INI factor conditions (`lint: ruff check .`) kept when the env name has the factors."""
        factors = set(env_name.split("-"))
        kept: list[Command] = []
        for command in self.commands:
            match = FACTOR_CONDITION.match(command.text)
            if match is None:
                kept.append(command)
            elif factors_match(match.group(1), factors):
                kept.append(Command(command.line, command.text[match.end() :]))
        return kept


@dataclass(frozen=True)
class _ToxConfig:
    file: str
    env_list: tuple[str, ...]
    envs: Mapping[str, _ToxEnv]  # envs with their own commands
    base: _ToxEnv | None  # [testenv] / env_run_base: every other env runs these

    def select(self, name: str, matrix_values: frozenset[str]) -> list[tuple[str, _ToxEnv]]:
        """(env name, where its commands are) for one `-e` word."""
        if is_expression(name):
            # Known only at run time: the envs the job's matrix names, and the base env for the
            # generated names (`py{0}` -> py3.12) that have no section of their own.
            named = [(env_name, env) for env_name, env in self.envs.items() if env_name in matrix_values]
            return [*named, *([("", self.base)] if self.base else [])]
        env = self.envs.get(name) or self.base
        return [(name, env)] if env else []


def _parse(file: str, text: str) -> _ToxConfig | None:
    """The tox configuration in `file`, or None when that file holds none (tox looks further)."""
    name = PurePosixPath(file).name
    if name == "pyproject.toml":
        tox = table(tomllib.loads(text), ("tool", "tox"))
        if not tox:
            return None
        if isinstance(tox.get("legacy_tox_ini"), str):
            lines = text.splitlines()
            offset = find_line(lines, 1, r"^\s*legacy_tox_ini\s*=") or 0
            return _parse_ini(file, tox["legacy_tox_ini"], offset, ("tox", "testenv"))
        return _parse_toml(file, text, tox, ("tool", "tox"))
    if name == "tox.toml":
        return _parse_toml(file, text, tomllib.loads(text), ())
    if name == "setup.cfg":
        return _parse_ini(file, text, 0, ("tox:tox", "testenv"))
    return _parse_ini(file, text, 0, ("tox", "testenv"))


def _parse_ini(file: str, text: str, offset: int, sections: tuple[str, str]) -> _ToxConfig | None:
    core, base_name = sections
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(text, source=file)
    if core == "tox:tox" and not parser.has_section(core):
        return None  # a setup.cfg without tox settings: tox looks further
    lines = text.splitlines()

    def env(section: str) -> _ToxEnv | None:
        if not parser.has_option(section, "commands"):
            return None
        header = find_line(lines, 1, rf"^\s*\[\s*{re.escape(section)}\s*\]") or 1
        end = next_header(lines, header)
        start = find_line(lines, header, r"^\s*commands\s*=", end) or header  # not `deps = pytest`
        texts = [text for _, text in logical_lines(parser.get(section, "commands"))]
        found = command_lines(lines, start, end, [text.split()[0] for text in texts])
        commands = [Command((line or header) + offset, text) for text, line in zip(texts, found, strict=True)]
        return _ToxEnv(f"[{section}]", tuple(commands))

    envs = {
        name: found
        for section in parser.sections()
        if section.startswith(f"{base_name}:") and (found := env(section)) is not None
        for name in expand(section.split(":", 1)[1].strip())
    }
    raw_list = str(parser.get(core, "env_list", fallback="") or parser.get(core, "envlist", fallback=""))
    names = env_list(raw_list)
    return _ToxConfig(file, names, envs, env(base_name) if parser.has_section(base_name) else None)


def _parse_toml(file: str, text: str, tox: Mapping[str, Any], prefix: tuple[str, ...]) -> _ToxConfig:
    lines = text.splitlines()
    fallback = toml_header_line(lines, prefix) if prefix else None

    def env(path: tuple[str, ...], raw: Any) -> _ToxEnv | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("commands"), list):
            return None
        header = toml_header_line(lines, (*prefix, *path)) or fallback or 1
        end = next_header(lines, header)
        start = find_line(lines, header, r"^\s*commands\s*=", end) or header
        # `{replace = "posargs"}` parts are dropped
        words = [command for item in raw["commands"] if (command := strings(item))]
        found = command_lines(lines, start, end, [f'"{command[0]}"' for command in words])
        commands = [Command(line or header, " ".join(w)) for w, line in zip(words, found, strict=True)]
        return _ToxEnv(f"[{'.'.join((*prefix, *path))}]", tuple(commands))

    raw_envs = tox.get("env") if isinstance(tox.get("env"), dict) else {}
    envs = {
        str(name): found
        for name, raw in (raw_envs or {}).items()
        if (found := env(("env", str(name)), raw)) is not None
    }
    env_list = tuple(strings(tox.get("env_list", tox.get("envlist"))))
    return _ToxConfig(file, env_list, envs, env(("env_run_base",), tox.get("env_run_base")))
