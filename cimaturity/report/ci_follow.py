"""What a workflow step reaches one hop away: tox envs, nox sessions, pre-commit hooks, make and
just targets, hatch and pdm scripts, shell scripts.

Real projects run their checks indirectly (`tox run -e typing`, `pre-commit run --all-files`,
`bash scripts/test.sh`), so the step's own text says little. This module reads the file the step
hands over to and lists the commands found there, each with the file:line it comes from and what
kind of check it is. Raw data only, like workflows.py: nothing here judges.

One hop only: a script calling another script, a tox env running pre-commit, a nox session
running make are not followed further. Project files are parsed (tomllib, configparser, PyYAML,
ast), never imported or executed. An unreadable file is a problem string, never an exception.
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

# libyaml's loader when PyYAML was built with it
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INSTALL = re.compile(r"^\s*(?:python3?\s+-m\s+)?(?:uv\s+)?pip3?\s+install\b|^\s*install\b", re.IGNORECASE)


class Kind(StrEnum):
    LINT = "lint"
    FORMAT = "format"
    TYPECHECK = "typecheck"
    TESTS = "tests"
    COVERAGE_GATE = "coverage gate"
    SECURITY = "security"
    SECRETS = "secrets"


# By command words and pre-commit hook ids, so `ruff-check` (a hook) and `ruff check` (a command)
# are both lint, and `ruff-format` / `ruff format --check` are format only.
_KINDS: tuple[tuple[Kind, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            Kind.LINT,
            r"\bruff\b(?![\s-]+format\b)|\bflake8\b|\bpylint\b|\bpyflakes\b|\bpycodestyle\b|"
            r"\bpydocstyle\b|\bcodespell\b|\btypos\b|\byamllint\b|\bshellcheck\b|\bhadolint\b|"
            r"\bactionlint\b|\beslint\b|\bbiome\b|\bvulture\b",
        ),
        (
            Kind.FORMAT,
            r"\bruff[\s-]+format\b|\bblack\b|\bisort\b|\bautopep8\b|\byapf\b|\bblacken-docs\b|"
            r"\bprettier\b|\bdocformatter\b",
        ),
        (Kind.TYPECHECK, r"\bmypy\b|\b(?:based)?pyright\b|\bpytype\b|\bpyre\b|\bty\s+check\b|\bstubtest\b"),
        (
            Kind.TESTS,
            r"\bpytest\b|\bpy\.test\b|\bunittest\b|\bnose2\b|\bmanage\.py\s+test\b|"
            r"\bplaywright\s+test\b|\bbehave\b",
        ),
        (Kind.COVERAGE_GATE, r"--cov-fail-under\b|\b(?:coverage|diff-cover)\b.*--fail-under\b"),
        (
            Kind.SECURITY,
            r"\bbandit\b|\bsemgrep\b|\bpip-audit\b|\bsafety\b|\bcodeql\b|\btrivy\b|\bosv-scanner\b|"
            r"\bzizmor\b|\bcheckov\b|\bgrype\b",
        ),
        (Kind.SECRETS, r"\bdetect-secrets\b|\bgitleaks\b|\btrufflehog\b|\bdetect-private-key\b|\bggshield\b"),
    )
)


def is_install(command: str) -> bool:
    """`pip install mypy` installs a tool; it does not run it."""
    return _INSTALL.match(command) is not None


def classify(command: str) -> tuple[Kind, ...]:
    """What kind of check a command line (or pre-commit hook id) is; empty when none."""
    if is_install(command):
        return ()
    return tuple(kind for kind, pattern in _KINDS if pattern.search(command))


@dataclass(frozen=True)
class Reached:
    """One command a step reaches, and where it is written."""

    file: str  # repository-relative, posix
    line: int | None
    context: str  # "[tool.tox.env.typing]", "hook", "lint:", "session test:"; "" for a script line
    command: str
    kinds: tuple[Kind, ...]

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return " ".join(part for part in (place, self.context, self.command) if part)


@dataclass(frozen=True)
class StepCall:
    """What the follower needs to know about one workflow step."""

    run: str | None
    uses: str | None = None
    with_: Mapping[str, str] = field(default_factory=dict)
    working_directory: str = ""  # repository-relative; "" is the repository root
    env: Mapping[str, str] = field(default_factory=dict)  # workflow, job and step `env:` merged
    matrix_values: frozenset[str] = frozenset()  # every value the job's matrix can take


@dataclass(frozen=True)
class Followed:
    reached: tuple[Reached, ...]
    problems: tuple[str, ...]


def follow_step(repo: Path, call: StepCall) -> Followed:
    """The commands `call` reaches one hop away, relative to the repository root `repo`."""
    return CiFollower(repo).follow(call)


class CiFollower:
    """Follows steps of one repository; keeps each file's text so a workflow reads it once."""

    def __init__(self, repo: Path) -> None:
        self._repo = repo.resolve()
        self._texts: dict[str, str | None] = {}
        self._unreadable: dict[str, str] = {}

    def follow(self, call: StepCall) -> Followed:
        run = _Run(self, call, [])
        if call.uses and call.uses.split("@")[0].strip().lower() == "pre-commit/action":
            # the action runs `pre-commit run --show-diff-on-failure --color=always <extra_args>`
            extra = call.with_.get("extra_args", "--all-files")
            run.pre_commit(["run", *_split(extra)], "")
        for command in _simple_commands(_substitute(call.run or "", call.env)):
            run.dispatch(command, _join(call.working_directory))
        unique = tuple(dict.fromkeys(run.reached))
        return Followed(unique, tuple(dict.fromkeys(run.problems)))

    def text(self, relative: str, problems: list[str], what: str) -> str | None:
        """The file's text; None when it does not exist (silently) or is unreadable (a problem)."""
        inside = self.inside(relative)
        if inside is None:
            return None  # outside the repository: not part of what is scored
        relative = inside
        if relative in self._unreadable:
            problems.append(self._unreadable[relative])
            return None
        if relative not in self._texts:
            path = self._repo / relative
            try:
                self._texts[relative] = path.read_text(encoding="utf-8") if path.is_file() else None
            except (OSError, UnicodeDecodeError) as exc:
                self._unreadable[relative] = f"{relative}: unreadable {what} ({_first_line(exc)})"
                problems.append(self._unreadable[relative])
                return None
        return self._texts[relative]

    def inside(self, relative: str) -> str | None:
        """`relative` normalised, or None when it leaves the repository (`../x`, `/etc/x`)."""
        try:
            resolved = (self._repo / relative).resolve()
            return resolved.relative_to(self._repo).as_posix()
        except (ValueError, OSError):
            return None

    def is_shell_script(self, relative: str) -> bool:
        path = self._repo / relative
        if relative.endswith((".sh", ".bash")):
            return path.is_file()
        try:
            with path.open("rb") as handle:
                first = handle.readline(200)
        except OSError:
            return False
        return first.startswith(b"#!") and re.search(rb"\b(?:ba|da|z|k)?sh\b", first) is not None


# --- shell text -----------------------------------------------------------------------------

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_SHELL_VAR = re.compile(r"\$\{(\w+)\}|\$(\w+)")
_OPERATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "(", ")", "|&"})
_PREFIX_WORDS = frozenset({"env", "exec", "time", "command", "nohup", "then", "do", "else", "!"})


def _substitute(text: str, env: Mapping[str, str]) -> str:
    """`${{ ... }}` becomes one space-free word (it stays recognisable as an expression);
    `$NAME` is replaced by the step's `env:` value when the workflow sets it."""

    def expression(match: re.Match[str]) -> str:
        return "${{" + re.sub(r"[^\w.\-]", "", match.group(1)) + "}}"

    def variable(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return _EXPRESSION.sub(expression, env[name]) if name in env else match.group(0)

    return _SHELL_VAR.sub(variable, _EXPRESSION.sub(expression, text))


def is_expression(word: str) -> bool:
    """A value only known at run time (`${{ matrix.env }}`, `$TOXENV`)."""
    return "${{" in word or word.startswith("$")


def _split(text: str) -> list[str]:
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        return list(lexer)
    except ValueError:  # an unbalanced quote: words are still worth reading
        return text.split()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Non-blank, non-comment lines with backslash continuations joined, with 1-based lines."""
    lines: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
        if raw.rstrip().endswith("\\"):
            pending.append(raw.rstrip()[:-1])
            continue
        pending.append(raw)
        lines.append((start, " ".join(part.strip() for part in pending)))
        pending = []
    if pending:
        lines.append((start, " ".join(part.strip() for part in pending)))
    return lines


def _simple_commands(text: str) -> list[list[str]]:
    """Each command of a shell text as words, split at `&&`, `||`, `;`, `|`, leading
    `VAR=value` assignments and `env`/`time`/`exec` removed."""
    commands: list[list[str]] = []
    for _, line in _logical_lines(text):
        current: list[str] = []
        for word in [*_split(line), ";"]:
            if word in _OPERATORS:
                if current:
                    commands.append(current)
                current = []
            elif current or not (re.match(r"^\w+=", word) or word in _PREFIX_WORDS):
                current.append(word)
    return commands


def _join(*parts: str) -> str:
    """Repository-relative posix path of joined parts ("" is the root)."""
    joined = PurePosixPath(*[part for part in parts if part and part != "."]).as_posix()
    return "" if joined == "." else joined


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- dispatch -------------------------------------------------------------------------------

# Options of `uv run` that take a value (the next word is not the command).
_UV_VALUE_OPTIONS = frozenset(
    {
        "--group", "--only-group", "--no-group", "--extra", "--with", "--with-editable",
        "--with-requirements", "--python", "-p", "--package", "--env-file", "--index",
        "--default-index", "--index-url", "--extra-index-url", "-i", "--find-links", "-f",
        "--python-platform", "--config-file", "--cache-dir", "--from",
    }
)  # fmt: skip
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "source", "."})
_MAX_RUNNER_DEPTH = 5  # `uv run python -m tox` is two runners; more means a loop in our reading


@dataclass
class _Run:
    """One step being followed: collects what it reaches and the problems met."""

    follower: CiFollower
    call: StepCall
    problems: list[str]
    reached: list[Reached] = field(default_factory=list)

    def add(self, file: str, line: int | None, context: str, command: str) -> None:
        command = " ".join(command.split())
        if command and not is_install(command):
            self.reached.append(Reached(file, line, context, command, classify(command)))

    def dispatch(self, words: list[str], cwd: str, depth: int = 0) -> None:
        if not words or depth > _MAX_RUNNER_DEPTH:
            return
        program = PurePosixPath(words[0]).name.lower()
        args = words[1:]
        if program in ("uv", "uvx", "poetry", "pipenv") or re.fullmatch(r"python[\d.]*", program):
            inner, cwd = _see_through(program, args, cwd)
            self.dispatch(inner, cwd, depth + 1)
        elif program == "hatch":
            self.hatch(args, cwd, depth)
        elif program == "pdm":
            self.pdm(args, cwd, depth)
        elif program == "tox":
            self.tox(args, cwd)
        elif program == "nox":
            self.nox(args, cwd)
        elif program in ("pre-commit", "pre_commit", "prek"):
            self.pre_commit(args, cwd)
        elif program in ("make", "gmake"):
            self.make(args, cwd)
        elif program == "just":
            self.just(args, cwd)
        elif program in _SHELLS:
            script = next((word for word in args if not word.startswith("-")), None)
            if script is not None and "-c" not in args:
                self.script(script, cwd, require_shell=False)
        elif "/" in words[0] or words[0].endswith(".sh"):
            self.script(words[0], cwd, require_shell=True)

    # --- runners whose scripts live in pyproject.toml ---

    def hatch(self, args: list[str], cwd: str, depth: int) -> None:
        """`hatch run [env:]script`: the script from `[tool.hatch.envs.<env>.scripts]`."""
        if not args or args[0] != "run":
            return
        rest = [word for word in args[1:] if not word.startswith(("-", "+"))]
        if not rest:
            return
        env, _, name = rest[0].rpartition(":")
        env = env or "default"
        for file, table in (
            (_join(cwd, "pyproject.toml"), ("tool", "hatch", "envs")),
            (_join(cwd, "hatch.toml"), ("envs",)),
        ):
            config = self.toml(file)
            for env_name in dict.fromkeys((env, "default")):  # envs inherit the default env's scripts
                scripts = _table(config, (*table, env_name, "scripts"))
                if name in scripts:
                    value = scripts[name]
                    commands = [value] if isinstance(value, str) else _strings(value)
                    self.add_toml_commands(file, (*table, env_name, "scripts"), name, commands)
                    return
        self.dispatch(args[args.index(rest[0]) :], cwd, depth + 1)  # not a script: a command

    def pdm(self, args: list[str], cwd: str, depth: int) -> None:
        """`pdm run name`: the script from `[tool.pdm.scripts]`, else the command itself."""
        if not args or args[0] != "run":
            return
        rest = args[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        if not rest:
            return
        file = _join(cwd, "pyproject.toml")
        commands = _pdm_commands(_table(self.toml(file), ("tool", "pdm", "scripts")).get(rest[0]))
        if commands:
            self.add_toml_commands(file, ("tool", "pdm", "scripts"), rest[0], commands)
            return
        self.dispatch(rest, cwd, depth + 1)

    def add_toml_commands(self, file: str, table: tuple[str, ...], key: str, commands: list[str]) -> None:
        lines = (self.follower.text(file, self.problems, "TOML file") or "").splitlines()
        start = _toml_header_line(lines, table) or _toml_header_line(lines, table[:-1]) or 1
        key_line = _find_line(lines, start, rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        context = f"[{'.'.join(table)}] {key}:"
        found = _command_lines(lines, key_line or start, None, [command.split()[0] for command in commands])
        for command, line in zip(commands, found, strict=True):
            self.add(file, line or key_line, context, command)

    # --- tox ---

    def tox(self, args: list[str], cwd: str) -> None:
        subcommand = next(iter(_positional(args, _TOX_VALUE_OPTIONS)), None)
        if subcommand in _TOX_OTHER_SUBCOMMANDS or _option(args, ("-m", "--labels")) is not None:
            return  # not a run, or envs chosen by label: not resolved here
        config = self.tox_config(cwd, _option(args, ("-c", "--conf")))
        if config is None:
            return
        selected = _option(args, ("-e", "--env"))
        if selected is None:
            from_env = self.call.env.get("TOX_ENV") or self.call.env.get("TOXENV")
            selected = _substitute(from_env, {}) if from_env else None
        names = config.env_list if selected is None else tuple(n for n in selected.split(",") if n)
        for name in names:
            for env_name, env in config.select(name, self.call.matrix_values):
                for command in env.commands_for(env_name):
                    self.add(config.file, command.line, env.context, command.text)

    def tox_config(self, cwd: str, explicit: str | None) -> _ToxConfig | None:
        candidates = (
            [_join(cwd, explicit)]
            if explicit
            else [_join(cwd, name) for name in ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")]
        )
        for file in candidates:
            text = self.follower.text(file, self.problems, "tox configuration")
            if text is None:
                continue
            try:
                config = _parse_tox(file, text)
            except (tomllib.TOMLDecodeError, configparser.Error, ValueError) as exc:
                self.problems.append(f"{file}: unreadable tox configuration ({_first_line(exc)})")
                return None
            if config is not None:
                return config
        return None

    # --- nox ---

    def nox(self, args: list[str], cwd: str) -> None:
        file = _join(cwd, _option(args, ("-f", "--noxfile")) or "noxfile.py")
        text = self.follower.text(file, self.problems, "noxfile")
        if text is None:
            return
        try:
            noxfile = _parse_noxfile(text)
        except (SyntaxError, ValueError) as exc:
            self.problems.append(f"{file}: unreadable noxfile ({_first_line(exc)})")
            return
        if _option(args, ("-t", "--tags", "-k", "--keywords")) is not None:
            return  # selection by tag or keyword expression: not worth guessing
        selectors = _option_words(args, ("-s", "--session", "--sessions", "-e"))
        if not selectors:
            selectors = list(noxfile.defaults or [s.name for s in noxfile.sessions if s.default])
        for selector in selectors:
            session = noxfile.session(selector)
            if session is not None:
                for command in session.commands:
                    self.add(file, command.line, f"session {session.name}:", command.text)

    # --- pre-commit ---

    def pre_commit(self, args: list[str], cwd: str) -> None:
        if args and args[0] != "run":
            return  # install, autoupdate, ...: no hook runs
        positional, stage = _pre_commit_args(args[1:])
        file = _join(cwd, _option(args, ("-c", "--config")) or ".pre-commit-config.yaml")
        text = self.follower.text(file, self.problems, "pre-commit configuration")
        if text is None:
            return
        try:
            hooks = _parse_pre_commit(text)
        except (yaml.YAMLError, ValueError) as exc:
            self.problems.append(f"{file}: unreadable pre-commit configuration ({_first_line(exc)})")
            return
        for hook in hooks:
            if (positional is None or positional in (hook.id, hook.alias)) and stage in hook.stages:
                command = f"{hook.id}: {hook.entry}" if hook.entry else hook.id
                self.add(file, hook.line, "hook", command)

    # --- make, just ---

    def make(self, args: list[str], cwd: str) -> None:
        directory = _join(cwd, _option(args, ("-C", "--directory")) or "")
        explicit = _option(args, ("-f", "--file", "--makefile"))
        names = [explicit] if explicit else ["GNUmakefile", "makefile", "Makefile"]
        value_options = {"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-I", "-o", "-W"}
        goals = _positional(args, value_options)
        for name in names:
            file = _join(directory, name)
            text = self.follower.text(file, self.problems, "Makefile")
            if text is not None:
                self.targets(file, _parse_make(text), [g for g in goals if "=" not in g])
                return

    def just(self, args: list[str], cwd: str) -> None:
        directory = _join(cwd, _option(args, ("-d", "--working-directory")) or "")
        explicit = _option(args, ("-f", "--justfile"))
        names = [explicit] if explicit else ["justfile", "Justfile", ".justfile"]
        value_options = {"-f", "--justfile", "-d", "--working-directory", "--set", "--shell"}
        for name in names:
            file = _join(directory, name)
            text = self.follower.text(file, self.problems, "justfile")
            if text is not None:
                recipes = _parse_just(text)
                words = _positional(args, value_options)
                # later words are the recipe's arguments unless they name recipes too
                goals = words[:1] + [w for w in words[1:] if any(r.name == w for r in recipes)]
                self.targets(file, recipes, goals)
                return

    def targets(self, file: str, targets: Sequence[_Target], goals: list[str]) -> None:
        by_name = {target.name: target for target in targets}
        if not goals:
            default = next((t for t in targets if t.default_candidate), None)
            goals = [default.name] if default else []
        for goal in goals:
            target = by_name.get(goal)
            if target is None:
                continue
            # prerequisites run in the same invocation: one level of them, no deeper
            for name in (*target.prerequisites, goal):
                if (part := by_name.get(name)) is not None:
                    for command in part.commands:
                        self.add(file, command.line, f"{part.name}:", command.text)

    # --- scripts ---

    def script(self, path: str, cwd: str, *, require_shell: bool) -> None:
        if is_expression(path):
            return
        relative = self.follower.inside(_join(cwd, path) if not path.startswith("/") else path)
        if relative is None or (require_shell and not self.follower.is_shell_script(relative)):
            return
        text = self.follower.text(relative, self.problems, "script")
        if text is None:
            return
        for line, command in _logical_lines(text):
            if not re.match(r"^set\s", command):  # `set -ex` configures the shell; it runs nothing
                self.add(relative, line, "", command)

    def toml(self, file: str) -> dict[str, Any]:
        text = self.follower.text(file, self.problems, "TOML file")
        if text is None:
            return {}
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            self.problems.append(f"{file}: unreadable TOML ({_first_line(exc)})")
            return {}


def _see_through(program: str, args: list[str], cwd: str) -> tuple[list[str], str]:
    """The command a runner prefix runs (`uv run --group dev tox` -> `tox`), and its folder."""
    if program.startswith("python"):
        return (args[1:] if args[:1] == ["-m"] else []), cwd  # `python x.py` is Python, not followed
    rest = args
    if program != "uvx":
        if program == "uv" and rest[:2] == ["tool", "run"]:
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
        if word in ("--directory", "--project", "--cwd") and index + 1 < len(rest):
            cwd = _join(cwd, rest[index + 1])
        if word in _UV_VALUE_OPTIONS or word in ("--directory", "--project", "--cwd"):
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
        return [" ".join(_strings(command))]
    return _strings(value.get("composite"))


def _option(args: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value of the first of `names` in `args` (`-e X`, `-eX`, `--env=X`), if given."""
    for index, word in enumerate(args):
        for name in names:
            if word == name and index + 1 < len(args):
                return args[index + 1]
            if name.startswith("--") and word.startswith(name + "="):
                return word[len(name) + 1 :]
            if len(name) == 2 and word.startswith(name) and len(word) > 2 and not word.startswith("--"):
                return word[2:]
    return None


def _option_words(args: Sequence[str], names: tuple[str, ...]) -> list[str]:
    """Every value after any of `names` up to the next option (nox's `-s a b -s c`)."""
    words: list[str] = []
    taking = False
    for word in args:
        if word in names:
            taking = True
        elif word.startswith("-"):
            taking = False
            if any(word.startswith(name + "=") for name in names if name.startswith("--")):
                words.extend(part for part in word.split("=", 1)[1].split(",") if part)
        elif taking:
            words.extend(part for part in word.split(",") if part)
    return words


def _positional(args: Sequence[str], value_options: set[str]) -> list[str]:
    words: list[str] = []
    skip = False
    for word in args:
        if skip:
            skip = False
        elif word in value_options:
            skip = True
        elif not word.startswith("-"):
            words.append(word)
    return words


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _table(data: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    current: Any = data
    for key in path:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def _find_line(lines: Sequence[str], start: int, pattern: str, end: int | None = None) -> int | None:
    """The first 1-based line at or after `start` (and before `end`) matching `pattern`."""
    compiled = re.compile(pattern)
    for number in range(max(start, 1), (end or len(lines) + 1)):
        if number <= len(lines) and compiled.search(lines[number - 1]):
            return number
    return None


def _command_lines(
    lines: Sequence[str], start: int, end: int | None, first_words: Sequence[str]
) -> list[int | None]:
    """The line of each command, in order, found by its first word from line `start` on. Each
    match is used up, so two commands starting alike (`ruff check`, `ruff format`) get their own."""
    found: list[int | None] = []
    line, column = start, 0
    for word in first_words:
        quoted = word.startswith('"') and word.endswith('"') and len(word) > 1
        pattern = (
            re.compile(rf"[\"']{re.escape(word[1:-1])}[\"']")
            if quoted
            else re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
        )
        hit = _search_from(lines, line, column, pattern, end)
        if hit is not None:
            line, column = hit
        found.append(hit[0] if hit else None)
    return found


def _search_from(
    lines: Sequence[str], line: int, column: int, pattern: re.Pattern[str], end: int | None
) -> tuple[int, int] | None:
    """The line of the first match at or after (line, column), and the column just past it."""
    for number in range(max(line, 1), min(end or len(lines) + 1, len(lines) + 1)):
        match = pattern.search(lines[number - 1], column if number == line else 0)
        if match is not None:
            return number, match.end()
    return None


def _toml_header_line(lines: Sequence[str], table: tuple[str, ...]) -> int | None:
    keys = r"\s*\.\s*".join(rf"(?:{re.escape(k)}|\"{re.escape(k)}\"|'{re.escape(k)}')" for k in table)
    return _find_line(lines, 1, rf"^\s*\[\s*{keys}\s*\]\s*(?:#.*)?$")


def _next_header(lines: Sequence[str], after: int) -> int | None:
    # at column 0: an indented `["mypy"],` inside a commands array is not a table header
    return _find_line(lines, after + 1, r"^\[")


# --- tox configuration ----------------------------------------------------------------------

_TOX_OTHER_SUBCOMMANDS = frozenset(
    {"list", "l", "config", "c", "depends", "de", "devenv", "d", "exec", "e", "quickstart", "q", "schema"}
)
_TOX_VALUE_OPTIONS = {"-e", "--env", "-c", "--conf", "-m", "--labels", "-f", "--factors", "--workdir", "-x"}
_FACTOR_CONDITION = re.compile(r"^([\w.!{},-]+):\s+(\S.*)$")


@dataclass(frozen=True)
class _Command:
    line: int | None
    text: str


@dataclass(frozen=True)
class _ToxEnv:
    context: str  # where its commands are written: "[testenv:lint]", "[tool.tox.env.typing]"
    commands: tuple[_Command, ...]

    def commands_for(self, env_name: str) -> list[_Command]:
        """INI factor conditions (`lint: ruff check .`) kept when the env name has the factors."""
        factors = set(env_name.split("-"))
        kept: list[_Command] = []
        for command in self.commands:
            match = _FACTOR_CONDITION.match(command.text)
            if match is None:
                kept.append(command)
            elif _factors_match(match.group(1), factors):
                kept.append(_Command(command.line, match.group(2)))
        return kept


def _factors_match(condition: str, factors: set[str]) -> bool:
    if "{" in condition:
        return False  # generative conditions: not expanded here
    return any(
        all(
            (part[1:] not in factors) if part.startswith("!") else (part in factors)
            for part in group.split("-")
        )
        for group in condition.split(",")
    )


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


def _parse_tox(file: str, text: str) -> _ToxConfig | None:
    """The tox configuration in `file`, or None when that file holds none (tox looks further)."""
    name = PurePosixPath(file).name
    if name == "pyproject.toml":
        tox = _table(tomllib.loads(text), ("tool", "tox"))
        if not tox:
            return None
        if isinstance(tox.get("legacy_tox_ini"), str):
            lines = text.splitlines()
            offset = _find_line(lines, 1, r"^\s*legacy_tox_ini\s*=") or 0
            return _parse_tox_ini(file, tox["legacy_tox_ini"], offset, ("tox", "testenv"))
        return _parse_tox_toml(file, text, tox, ("tool", "tox"))
    if name == "tox.toml":
        return _parse_tox_toml(file, text, tomllib.loads(text), ())
    if name == "setup.cfg":
        return _parse_tox_ini(file, text, 0, ("tox:tox", "testenv"))
    return _parse_tox_ini(file, text, 0, ("tox", "testenv"))


def _parse_tox_ini(file: str, text: str, offset: int, sections: tuple[str, str]) -> _ToxConfig | None:
    core, base_name = sections
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(text, source=file)
    if core == "tox:tox" and not parser.has_section(core):
        return None  # a setup.cfg without tox settings: tox looks further
    lines = text.splitlines()

    def env(section: str) -> _ToxEnv | None:
        if not parser.has_option(section, "commands"):
            return None
        header = _find_line(lines, 1, rf"^\s*\[\s*{re.escape(section)}\s*\]") or 1
        end = _next_header(lines, header)
        start = _find_line(lines, header, r"^\s*commands\s*=", end) or header  # not `deps = pytest`
        texts = [text for _, text in _logical_lines(parser.get(section, "commands"))]
        found = _command_lines(lines, start, end, [text.split()[0] for text in texts])
        commands = [
            _Command((line or header) + offset, text) for text, line in zip(texts, found, strict=True)
        ]
        return _ToxEnv(f"[{section}]", tuple(commands))

    envs = {
        section.split(":", 1)[1].strip(): found
        for section in parser.sections()
        if section.startswith(f"{base_name}:") and (found := env(section)) is not None
    }
    raw_list = str(parser.get(core, "env_list", fallback="") or parser.get(core, "envlist", fallback=""))
    env_list = tuple(word for word in re.split(r"[\s,]+", raw_list) if word)
    return _ToxConfig(file, env_list, envs, env(base_name) if parser.has_section(base_name) else None)


def _parse_tox_toml(file: str, text: str, tox: Mapping[str, Any], prefix: tuple[str, ...]) -> _ToxConfig:
    lines = text.splitlines()
    fallback = _toml_header_line(lines, prefix) if prefix else None

    def env(table: tuple[str, ...], raw: Any) -> _ToxEnv | None:
        if not isinstance(raw, dict) or not isinstance(raw.get("commands"), list):
            return None
        header = _toml_header_line(lines, (*prefix, *table)) or fallback or 1
        end = _next_header(lines, header)
        start = _find_line(lines, header, r"^\s*commands\s*=", end) or header
        # `{replace = "posargs"}` parts are dropped
        words = [command for item in raw["commands"] if (command := _strings(item))]
        found = _command_lines(lines, start, end, [f'"{command[0]}"' for command in words])
        commands = [_Command(line or header, " ".join(w)) for w, line in zip(words, found, strict=True)]
        return _ToxEnv(f"[{'.'.join((*prefix, *table))}]", tuple(commands))

    raw_envs = tox.get("env") if isinstance(tox.get("env"), dict) else {}
    envs = {
        str(name): found
        for name, raw in (raw_envs or {}).items()
        if (found := env(("env", str(name)), raw)) is not None
    }
    env_list = tuple(_strings(tox.get("env_list", tox.get("envlist"))))
    return _ToxConfig(file, env_list, envs, env(("env_run_base",), tox.get("env_run_base")))


# --- noxfile --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _NoxSession:
    name: str
    default: bool
    commands: tuple[_Command, ...]


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


def _parse_noxfile(text: str) -> _NoxFile:
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
            session = _nox_session(node)
            if session is not None:
                sessions.append(session)
    return _NoxFile(tuple(sessions), defaults)


def _nox_session(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _NoxSession | None:
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
        _Command(call.lineno, " ".join(_constant_strings(call.args)))
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


# --- pre-commit configuration ---------------------------------------------------------------


@dataclass(frozen=True)
class _Hook:
    id: str
    alias: str | None
    entry: str | None  # local hooks say what they run; remote ones are named by id
    stages: frozenset[str]
    line: int


_ALL_STAGES = frozenset(
    {"pre-commit", "commit", "manual", "pre-push", "push", "pre-merge-commit", "commit-msg"}
)
_DEFAULT_RUN_STAGES = frozenset({"pre-commit", "commit"})


def _pre_commit_args(args: Sequence[str]) -> tuple[str | None, str]:
    """The hook id given (None: every hook) and the stage `pre-commit run` runs."""
    value_options = {"--hook-stage", "--from-ref", "--source", "-s", "--to-ref", "--origin", "-o",
                     "-c", "--config", "--color", "--remote-branch", "--local-branch",
                     "--remote-name", "--remote-url", "--commit-msg-filename"}  # fmt: skip
    stage = _option(args, ("--hook-stage",)) or "pre-commit"
    words: list[str] = []
    skip = False
    in_files = False
    for word in args:
        if skip:
            skip = False
        elif word in value_options:
            skip = True
        elif word == "--files":
            in_files = True
        elif word.startswith("-"):
            in_files = False
        elif not in_files:
            words.append(word)
    return (words[0] if words else None), ("pre-commit" if stage == "commit" else stage)


def _parse_pre_commit(text: str) -> list[_Hook]:
    root = yaml.compose(text, Loader=_LOADER)
    if root is None:
        return []
    if not isinstance(root, yaml.MappingNode):
        raise ValueError("top level is not a mapping")
    default_stages = _node_strings(_node_get(root, "default_stages")) or _ALL_STAGES
    repos = _node_get(root, "repos")
    hooks: list[_Hook] = []
    for repo in repos.value if isinstance(repos, yaml.SequenceNode) else []:
        repo_hooks = _node_get(repo, "hooks")
        for hook in repo_hooks.value if isinstance(repo_hooks, yaml.SequenceNode) else []:
            hook_id = _node_scalar(_node_get(hook, "id"))
            if hook_id is None:
                continue
            stages = _node_strings(_node_get(hook, "stages")) or default_stages
            if "commit" in stages:  # the stage's legacy name
                stages = stages | {"pre-commit"}
            hooks.append(
                _Hook(
                    id=hook_id,
                    alias=_node_scalar(_node_get(hook, "alias")),
                    entry=_node_scalar(_node_get(hook, "entry")),
                    stages=stages,
                    line=hook.start_mark.line + 1,
                )
            )
    return hooks


def _node_get(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((value for name, value in node.value if name.value == key), None)


def _node_scalar(node: yaml.Node | None) -> str | None:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) and str(node.value).strip() else None


def _node_strings(node: yaml.Node | None) -> frozenset[str]:
    if isinstance(node, yaml.SequenceNode):
        return frozenset(str(item.value) for item in node.value if isinstance(item, yaml.ScalarNode))
    return frozenset()


# --- Makefile, justfile ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    name: str
    prerequisites: tuple[str, ...]
    commands: tuple[_Command, ...]
    default_candidate: bool  # may be the default goal (not `.PHONY`, not a pattern rule)


_MAKE_RULE = re.compile(r"^([^\s:#=][^:=]*?)\s*::?(?!=)\s*([^;]*)")
_JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)\b([^:]*?):(?!=)\s*(.*)$")
_JUST_NOT_RECIPE = re.compile(r"^(?:set|alias|export|import|mod)\s")


def _parse_make(text: str) -> list[_Target]:
    targets: list[_Target] = []
    default_goal = re.search(r"^\.DEFAULT_GOAL\s*:?=\s*(\S+)", text, re.MULTILINE)
    current: tuple[list[str], list[str], list[_Command]] | None = None

    def close() -> None:
        if current is not None:
            names, prerequisites, commands = current
            for name in names:
                candidate = not name.startswith(".") and "%" not in name
                targets.append(_Target(name, tuple(prerequisites), tuple(commands), candidate))

    lines = text.splitlines()
    for line, raw in _logical_lines(text):
        if lines[line - 1].startswith("\t"):
            if current is not None:
                current[2].append(_Command(line, raw.lstrip("@-+ \t")))
            continue
        match = _MAKE_RULE.match(raw)
        close()
        current = None
        if match is not None:
            prerequisites = match.group(2).split("#")[0].split("|")[0].split()
            current = (match.group(1).split(), prerequisites, [])
    close()
    if default_goal is not None:
        goal = default_goal.group(1)
        targets.sort(key=lambda t: t.name != goal)
    return targets


def _parse_just(text: str) -> list[_Target]:
    targets: list[_Target] = []
    current: tuple[str, list[str], list[_Command]] | None = None
    lines = text.splitlines()
    for line, raw in _logical_lines(text):
        if lines[line - 1][:1] in (" ", "\t"):
            if current is not None:
                current[2].append(_Command(line, raw.lstrip("@-")))
            continue
        if current is not None:
            targets.append(_Target(current[0], tuple(current[1]), tuple(current[2]), True))
            current = None
        match = _JUST_RECIPE.match(raw)
        if match is not None and not _JUST_NOT_RECIPE.match(raw) and not raw.startswith("["):
            prerequisites = [word for word in match.group(3).split() if not word.startswith("(")]
            current = (match.group(1), prerequisites, [])
    if current is not None:
        targets.append(_Target(current[0], tuple(current[1]), tuple(current[2]), True))
    return targets
