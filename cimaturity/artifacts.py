"""Reading an artifact file safely: every way it can be unusable is an ArtifactError naming it.

Shared by the checks' gates and the report's loaders, so every artifact is read by the same rules:

- Only a regular file is opened (never a FIFO, a device, a socket or a directory), and only one
  inside its boundary folder once symlinks are resolved: the run's reports folder for the report,
  the check's artifact folder for a gate (`within`; by default the folder holding the file). A
  link leading outside is refused.
- The size is capped per format (`JSON_MAX_BYTES`, `XML_MAX_BYTES`, `CSV_MAX_BYTES`), checked
  before reading and enforced while reading, so a file that grows, or lies about its size, stops
  at the cap.
- XML is parsed without resolving entities, loading a DTD or touching the network.
- Numbers are range-checked where they are used (`json_int`, `json_float`, `text_int`,
  `text_float` with a `Range`: line numbers, counts, percentages, durations, latencies); NaN and
  infinities never pass.
- Every failure is one `ArtifactError` line naming the file (and the field), never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from lxml import etree

from cimaturity.model import ArtifactError

MIB = 1024 * 1024
JSON_MAX_BYTES = 256 * MIB  # SARIF of 50,000 results is ~25 MiB; coverage JSON of a large project less
XML_MAX_BYTES = 256 * MIB  # a 1,000,000-case JUnit file is ~83 MiB
CSV_MAX_BYTES = 64 * MIB  # a Locust stats CSV has one row per endpoint
_CHUNK = MIB


# --- opening ------------------------------------------------------------------------------------


class ArtifactFile:
    """An open artifact: `read` never returns more than the cap in total, and raises past it."""

    def __init__(self, raw: io.FileIO, path: Path, kind: str, max_bytes: int) -> None:
        self._raw = raw
        self._path = path
        self._kind = kind
        self._max_bytes = max_bytes
        self._total = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        # one byte past what is left tells "exactly at the cap" from "over it"
        data = self._raw.read(min(size, self._max_bytes - self._total + 1)) or b""
        self._total += len(data)
        if self._total > self._max_bytes:
            raise too_large(self._path, self._kind, self._max_bytes)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> ArtifactFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_artifact(
    path: Path, kind: str, *, within: Path | None = None, max_bytes: int = JSON_MAX_BYTES
) -> ArtifactFile:
    """`path` opened for reading, once it is a regular file inside `within` and under the cap.

    `within` is the boundary folder (default: the folder holding `path`); `path` and `within`
    are both resolved, so a symlink (of the file or of a folder on the way) leading outside is
    refused. Nothing but a regular file is ever opened, so a FIFO cannot block and a device
    cannot be read.
    """
    boundary = path.parent if within is None else within
    try:
        real = path.resolve(strict=True)
        root = boundary.resolve(strict=True)
        before = real.stat()
    except FileNotFoundError:
        raise ArtifactError(f"{path}: {kind} file missing") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop is RuntimeError before Python 3.13
        raise ArtifactError(f"{path}: {kind} file unreadable ({_reason(exc)})") from None
    if not real.is_relative_to(root):
        raise ArtifactError(f"{path}: {kind} file leads outside {boundary} (it resolves to {real})")
    if stat.S_ISDIR(before.st_mode):
        raise ArtifactError(f"{path}: {kind} path is a directory, not a file")
    if not stat.S_ISREG(before.st_mode):
        raise ArtifactError(f"{path}: {kind} file is not a regular file ({_file_type(before.st_mode)})")
    if before.st_size > max_bytes:
        raise too_large(path, kind, max_bytes)
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC  # never blocks, never follows
    try:
        fd = os.open(real, flags)
    except OSError as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({_reason(exc)})") from None
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (before.st_dev, before.st_ino) or not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise ArtifactError(f"{path}: {kind} file was replaced while being opened")
    os.set_blocking(fd, True)
    return ArtifactFile(io.FileIO(fd, "rb", closefd=True), path, kind, max_bytes)


def too_large(path: Path, kind: str, max_bytes: int) -> ArtifactError:
    cap = f"{max_bytes // MIB} MiB" if max_bytes % MIB == 0 else f"{max_bytes} bytes"
    return ArtifactError(f"{path}: {kind} file is larger than the {cap} cap")


def read_bytes(
    path: Path, kind: str, *, within: Path | None = None, max_bytes: int = JSON_MAX_BYTES
) -> bytes:
    """The whole file, by the rules of `open_artifact`; blank is an error too."""
    with open_artifact(path, kind, within=within, max_bytes=max_bytes) as file:
        try:
            data = file.read()
        except OSError as exc:
            raise ArtifactError(f"{path}: {kind} file unreadable ({_reason(exc)})") from None
    if not data.strip():
        raise ArtifactError(f"{path}: {kind} file is empty")
    return data


# --- formats ------------------------------------------------------------------------------------


def read_json(path: Path, kind: str, *, within: Path | None = None, max_bytes: int = JSON_MAX_BYTES) -> Any:
    return parse_json(read_bytes(path, kind, within=within, max_bytes=max_bytes), path, kind)


def parse_json(data: bytes, path: Path, kind: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, an integer of 4,300+ digits
        raise ArtifactError(f"{path}: {kind} file is not valid JSON ({one_line(str(exc))})") from None
    except RecursionError:
        raise ArtifactError(f"{path}: {kind} file nests too deeply to read") from None


def one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def safe_xml_parser() -> Any:
    """An lxml parser that expands no entity (no billion laughs), loads no DTD and no URL (no XXE)."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True)


def parse_xml(path: Path, kind: str, *, within: Path | None = None, max_bytes: int = XML_MAX_BYTES) -> Any:
    """The root element of a well-formed XML file, fed to `safe_xml_parser` as it is read."""
    parser = safe_xml_parser()
    blank = True
    try:
        with open_artifact(path, kind, within=within, max_bytes=max_bytes) as file:
            while chunk := file.read(_CHUNK):
                blank = blank and not chunk.strip()
                parser.feed(chunk)
        if blank:
            raise ArtifactError(f"{path}: {kind} file is empty")
        return parser.close()
    except etree.XMLSyntaxError as exc:
        raise ArtifactError(f"{path}: not well-formed XML ({one_line(exc.msg or str(exc))})") from None
    except OSError as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({_reason(exc)})") from None


def read_csv_records(
    path: Path,
    kind: str,
    required: Sequence[str],
    *,
    within: Path | None = None,
    max_bytes: int = CSV_MAX_BYTES,
) -> list[tuple[int, dict[str, str]]]:
    return parse_csv_records(read_bytes(path, kind, within=within, max_bytes=max_bytes), path, kind, required)


def parse_csv_records(
    data: bytes, path: Path, kind: str, required: Sequence[str]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV file with a header, as (line number, {column: cell}).

    The header must hold every `required` column; a row with another field count (a file cut
    off mid-write) is an error naming the line. Blank lines are skipped.
    """
    try:
        text = data.decode("utf-8-sig")
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


# --- numbers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    """What a number read from an artifact may be: `noun` names it in the error message."""

    noun: str
    low: int
    high: int

    @property
    def expected(self) -> str:
        return f"{self.noun} from {self.low} to {self.high}"


MAX_COUNT = 2**53 - 1  # the largest count float64 holds exactly (metrics are float64)
MAX_SECONDS = 10_000_000  # ~116 days: no CI run, test or request lasts longer
LINE = Range("a line number", 1, 2**31 - 1)  # SARIF 3.30.5: startLine >= 1
COUNT = Range("a count", 0, MAX_COUNT)
PERCENT = Range("a percentage", 0, 100)
SECONDS = Range("a duration in seconds", 0, MAX_SECONDS)
MILLISECONDS = Range("a time in ms", 0, MAX_SECONDS * 1000)
RATE = Range("a rate per second", 0, MAX_COUNT)
EXIT_CODE = Range("an exit code", -(2**31), 2**32 - 1)
METRIC = Range("a metric value", -MAX_COUNT, MAX_COUNT)


def json_int(value: object, path: Path, field: str, allowed: Range) -> int:
    """A JSON integer (not a boolean, not a float) within `allowed`."""
    if isinstance(value, bool) or not isinstance(value, int) or not allowed.low <= value <= allowed.high:
        _refuse(path, field, value, allowed)
    return value


def json_float(value: object, path: Path, field: str, allowed: Range) -> float:
    """A JSON number (int or float, not a boolean, never NaN or infinite) within `allowed`."""
    # compared before any float() conversion: float(10**400) would raise OverflowError
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not allowed.low <= value <= allowed.high
    ):
        _refuse(path, field, value, allowed)
    return float(value)


def text_int(text: str, path: Path, field: str, allowed: Range) -> int:
    """A decimal integer written as text (a CSV cell, an XML attribute) within `allowed`."""
    cell = text.strip()
    digits = cell[1:] if cell.startswith(("+", "-")) else cell
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):  # int() of 4,300 digits raises
        _refuse(path, field, text, allowed)
    value = int(cell)
    if not allowed.low <= value <= allowed.high:
        _refuse(path, field, text, allowed)
    return value


def text_float(text: str, path: Path, field: str, allowed: Range) -> float:
    """A decimal number written as text within `allowed`: 'nan', 'inf' and '1e999' never pass."""
    try:
        value = float(text)
    except ValueError:
        _refuse(path, field, text, allowed)
    if not allowed.low <= value <= allowed.high:  # False for NaN
        _refuse(path, field, text, allowed)
    return value


def _refuse(path: Path, field: str, value: object, allowed: Range) -> NoReturn:
    raise ArtifactError(f"{path}: {field} is {_shown(value)}, expected {allowed.expected}")


def _shown(value: object) -> str:
    """The offending value in a message: bounded, one line; its JSON kind when not a number."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # nan, inf, -inf
    text = repr(value) if isinstance(value, str) else str(value)
    unit = "digits" if isinstance(value, int) else "characters"
    return one_line(text) if len(text) <= 40 else f"{one_line(text[:20])}… ({len(text)} {unit})"


# --- helpers ------------------------------------------------------------------------------------


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def _reason(exc: BaseException) -> str:
    return one_line(exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc))
