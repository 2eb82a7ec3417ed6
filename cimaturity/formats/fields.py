"""Type checks for fields of a parsed JSON document: a wrong type is one `ArtifactError` line
naming the file and the field (the number checks, with ranges, are in `cimaturity.artifacts`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

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
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )
