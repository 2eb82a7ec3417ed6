"""Field checks the format readers share beyond `cimaturity.formats.fields`: a list of strings,
and the exact key set of a record of cimaturity's own formats. Every mismatch is one
`ArtifactError` line naming the file and the field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cimaturity.artifacts import one_line
from cimaturity.formats.fields import require_list, require_str
from cimaturity.model import ArtifactError


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
