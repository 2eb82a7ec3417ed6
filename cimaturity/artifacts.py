"""Reading an artifact file safely: every way it can be unusable is an ArtifactError naming it.

Shared by the checks' gates and the report's loaders, so "missing", "empty", "not JSON" read
the same everywhere.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
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


def read_csv_records(path: Path, kind: str, required: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, as (line number, {column: cell}).

    The header must hold every `required` column; a row with another field count (a file cut
    off mid-write) is an error naming the line. Blank lines are skipped.
    """
    try:
        text = read_bytes(path, kind).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArtifactError(f"{path}: {kind} file is not UTF-8 text") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ArtifactError(f"{path}: {kind} file is not valid CSV ({exc})") from None
    header = rows[0] if rows else []
    missing = [column for column in required if column not in header]
    if missing:
        raise ArtifactError(f"{path}: not a {kind} file (no {', '.join(repr(m) for m in missing)} column)")
    records: list[tuple[int, dict[str, str]]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(header):
            raise ArtifactError(
                f"{path}: line {number} has {len(row)} fields, the header {len(header)} (truncated?)"
            )
        records.append((number, dict(zip(header, row, strict=True))))
    return records
