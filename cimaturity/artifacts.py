"""Reading an artifact file safely: every way it can be unusable is an ArtifactError naming it.

Shared by the checks' gates and the report's loaders, so "missing", "empty", "not JSON" read
the same everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cimaturity.model import ArtifactError


def check_file(path: Path, kind: str) -> None:
    """Missing, a directory, or zero bytes: an ArtifactError naming the file, without reading it."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ArtifactError(f"{path}: {kind} file missing") from None
    except OSError as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({exc.strerror or exc})") from None
    if path.is_dir():
        raise ArtifactError(f"{path}: {kind} path is a directory, not a file")
    if size == 0:
        raise ArtifactError(f"{path}: {kind} file is empty")


def read_bytes(path: Path, kind: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"{path}: {kind} file missing") from None
    except IsADirectoryError:
        raise ArtifactError(f"{path}: {kind} path is a directory, not a file") from None
    except OSError as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({exc.strerror or exc})") from None
    if not data.strip():
        raise ArtifactError(f"{path}: {kind} file is empty")
    return data


def read_json(path: Path, kind: str) -> Any:
    return parse_json(read_bytes(path, kind), path, kind)


def parse_json(data: bytes, path: Path, kind: str) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: {kind} file is not valid JSON ({one_line(str(exc))})") from None
    except RecursionError:
        raise ArtifactError(f"{path}: {kind} file nests too deeply to read") from None


def one_line(text: str) -> str:
    return " ".join(text.split())[:200]
