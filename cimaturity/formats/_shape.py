"""The shape of a parsed JSON document, checked field by field: every mismatch is one
`ArtifactError` line naming the file and the field (shared by the format readers)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cimaturity.artifacts import one_line
from cimaturity.model import ArtifactError


def kind_of(value: object) -> str:
    """A JSON value's kind as a message names it: "null", "an object", "a list", ..."""
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), f"a {type(value).__name__}"
    )


def require_dict(value: object, path: Path, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ArtifactError(f"{path}: {what} is {kind_of(value)}, expected an object")
    return value


def require_list(value: object, path: Path, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ArtifactError(f"{path}: {what} is {kind_of(value)}, expected a list")
    return value


def require_str(value: object, path: Path, what: str) -> str:
    if not isinstance(value, str):
        raise ArtifactError(f"{path}: {what} is {kind_of(value)}, expected a string")
    return value


def optional_str(value: object, path: Path, what: str) -> str | None:
    return None if value is None else require_str(value, path, what)


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
