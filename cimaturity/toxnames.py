"""tox's env names and factors: generative names (`py{38,39}-dj{42,50}`, `3.1{0-5}-{tests,mypy}`)
expanded as tox expands them, and factor conditions (`dj42: Django<4.3`) matched against an env's
factors; read by the CI follower (which envs a `tox` step runs, which commands), the environment
plan (which deps to install) and the project's settings (which setenv lines apply to every env)."""

from __future__ import annotations

import itertools
import re

_BRACES = re.compile(r"\{([^{}]*)\}")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
# Words of an env_list: commas inside braces belong to the brace.
_WORDS = re.compile(r"(?:[^\s,{]|\{[^{}]*\})+")
# `lint: ruff check .`, `!py38-dj42,py39: X = 1`: the condition, then what it guards.
FACTOR_CONDITION = re.compile(r"^([\w.!{},-]+):\s+(?=\S)")


def expand(name: str) -> list[str]:
    """tox's generative names: `3.1{0-1}-{tests,mypy}` is 3.10-tests, 3.10-mypy, 3.11-tests,
    3.11-mypy (each brace a choice, `{0-5}` a range, `{,-rich}` an empty choice first)."""
    parts = _BRACES.split(name)  # literal, choice, literal, choice, ..., literal
    choices: list[list[str]] = [[parts[0]]]
    for group, literal in zip(parts[1::2], parts[2::2], strict=True):
        options: list[str] = []
        for option_ in (part.strip() for part in group.split(",")):
            bounds = _RANGE.match(option_)
            if bounds and int(bounds.group(1)) <= int(bounds.group(2)):
                options += [str(n) for n in range(int(bounds.group(1)), int(bounds.group(2)) + 1)]
            else:
                options.append(option_)
        choices += [options, [literal]]
    return ["".join(picked) for picked in itertools.product(*choices)]


def env_list(raw: str) -> tuple[str, ...]:
    """An INI `env_list` value (newlines and commas between names), expanded."""
    return tuple(name for word in _WORDS.findall(raw) for name in expand(word))


def factors_match(condition: str, factors: frozenset[str] | set[str]) -> bool:
    """tox's `a-b,c` (a and b, or c; `!x`: not x) for one env's factors. A generative condition
    (`py{38,39}: ...`) is not expanded here, and matches nothing."""
    if "{" in condition:
        return False
    return any(
        all(
            (part[1:] not in factors) if part.startswith("!") else (part in factors)
            for part in group.split("-")
        )
        for group in condition.split(",")
    )
