"""make and just: the recipe lines of the goals a step names (the default goal when none), with one
level of prerequisites, which run in the same invocation."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .base import Follower, Run
from .lines import Command
from .shell import join, logical_lines, option, positional

_MAKE_RULE = re.compile(r"^([^\s:#=][^:=]*?)\s*::?(?!=)\s*([^;]*)")
_MAKE_VALUE_OPTIONS = frozenset(
    {"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs", "-I", "-o", "-W"}
)
_JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)\b([^:]*?):(?!=)\s*(.*)$")
_JUST_NOT_RECIPE = re.compile(r"^(?:set|alias|export|import|mod)\s")
_JUST_VALUE_OPTIONS = frozenset({"-f", "--justfile", "-d", "--working-directory", "--set", "--shell"})


@dataclass(frozen=True)
class _Target:
    name: str
    prerequisites: tuple[str, ...]
    commands: tuple[Command, ...]
    default_candidate: bool  # may be the default goal (not `.PHONY`, not a pattern rule)


class Make(Follower):
    """`make [-C dir] [-f file] [goal ...]` over GNUmakefile, makefile or Makefile."""

    programs = frozenset({"make", "gmake"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        directory = join(cwd, option(args, ("-C", "--directory")) or "")
        explicit = option(args, ("-f", "--file", "--makefile"))
        names = [explicit] if explicit else ["GNUmakefile", "makefile", "Makefile"]
        goals = [goal for goal in positional(args, _MAKE_VALUE_OPTIONS) if "=" not in goal]
        _run_targets(run, directory, names, "Makefile", _parse_make, lambda _targets: goals)


class Just(Follower):
    """`just [-d dir] [-f file] [recipe [args]]` over justfile, Justfile or .justfile."""

    programs = frozenset({"just"})

    def follow(self, run: Run, words: list[str], cwd: str, depth: int) -> None:
        args = words[1:]
        directory = join(cwd, option(args, ("-d", "--working-directory")) or "")
        explicit = option(args, ("-f", "--justfile"))
        names = [explicit] if explicit else ["justfile", "Justfile", ".justfile"]
        given = positional(args, _JUST_VALUE_OPTIONS)

        def goals(recipes: Sequence[_Target]) -> list[str]:
            # later words are the recipe's arguments unless they name recipes too
            return given[:1] + [w for w in given[1:] if any(r.name == w for r in recipes)]

        _run_targets(run, directory, names, "justfile", _parse_just, goals)


def _run_targets(
    run: Run,
    directory: str,
    names: Sequence[str],
    what: str,
    parse: Callable[[str], list[_Target]],
    goals_of: Callable[[Sequence[_Target]], list[str]],
) -> None:
    """The commands of the goals in the first of `names` that exists in `directory`."""
    for name in names:
        file = join(directory, name)
        text = run.text(file, what)
        if text is None:
            continue
        targets = parse(text)
        by_name = {target.name: target for target in targets}
        goals = goals_of(targets)
        if not goals:
            default = next((t for t in targets if t.default_candidate), None)
            goals = [default.name] if default else []
        for goal in goals:
            target = by_name.get(goal)
            if target is None:
                continue
            # prerequisites run in the same invocation: one level of them, no deeper
            for part_name in (*target.prerequisites, goal):
                if (part := by_name.get(part_name)) is not None:
                    for command in part.commands:
                        run.add(file, command.line, f"{part.name}:", command.text)
        return


def _parse_make(text: str) -> list[_Target]:
    targets: list[_Target] = []
    default_goal = re.search(r"^\.DEFAULT_GOAL\s*:?=\s*(\S+)", text, re.MULTILINE)
    current: tuple[list[str], list[str], list[Command]] | None = None

    def close() -> None:
        if current is not None:
            names, prerequisites, commands = current
            for name in names:
                candidate = not name.startswith(".") and "%" not in name
                targets.append(_Target(name, tuple(prerequisites), tuple(commands), candidate))

    lines = text.splitlines()
    for line, raw in logical_lines(text):
        if lines[line - 1].startswith("\t"):
            if current is not None:
                current[2].append(Command(line, raw.lstrip("@-+ \t")))
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
    current: tuple[str, list[str], list[Command]] | None = None
    lines = text.splitlines()
    for line, raw in logical_lines(text):
        if lines[line - 1][:1] in (" ", "\t"):
            if current is not None:
                current[2].append(Command(line, raw.lstrip("@-")))
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
