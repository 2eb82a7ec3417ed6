"""Checks for the fields of a parsed JSON document (types, enum values, exact key sets): a
mismatch is one `ArtifactError` line naming the file and the field (the number checks, with
ranges, are in `cimaturity.artifacts`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from cimaturity.artifacts import one_line
from cimaturity.model import ArtifactError

T = TypeVar("T")


def require_dict(value: object, path: Path, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArtifactError(f"{path}: {field} is {kind_of(value)}, expected an object")
    return value


def require_list(value: object, path: Path, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise ArtifactError(f"{path}: {field} is {kind_of(value)}, expected a list")
    return value


def require_str(value: object, path: Path, field: str) -> str:
    if not isinstance(value, str):
        raise ArtifactError(f"{path}: {field} is {kind_of(value)}, expected a string")
    return value


def optional_str(value: object, path: Path, field: str) -> str | None:
    return None if value is None else require_str(value, path, field)


def one_of(members: Mapping[str, T], value: object, path: Path, field: str) -> T:
    """The member named by a string field (an enum's value, say); anything else is refused."""
    text = require_str(value, path, field)
    if text not in members:
        raise ArtifactError(f"{path}: {field} is {text[:40]!r}, expected one of {sorted(members)}")
    return members[text]


def kind_of(value: object) -> str:
    """What a JSON value is, in words, for an error message."""
    if value is None:
        return "null"
    kinds = {
        dict: "an object",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
    }
    return kinds.get(type(value), f"a {type(value).__name__}")


def str_tuple(value: object, path: Path, what: str) -> tuple[str, ...]:
    """A JSON list of strings (ids, versions, file names)."""
    items = require_list(value, path, what)
    return tuple(require_str(item, path, f"{what}[{index}]") for index, item in enumerate(items))


def exact_keys(entry: dict[str, Any], keys: Iterable[str], path: Path, where: str) -> None:
    """`entry` has exactly `keys`: for cimaturity's own formats, where a missing or unknown field
    means a writer of another version."""
    wanted = tuple(keys)
    missing = [key for key in wanted if key not in entry]
    if missing:
        raise ArtifactError(f"{path}: {where} has no {missing[0]!r}")
    unknown = sorted(key for key in entry if key not in wanted)
    if unknown:
        raise ArtifactError(f"{path}: {where} has an unknown field {one_line(repr(unknown[0]))[:60]}")
