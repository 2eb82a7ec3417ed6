"""Shared helpers for the loaders: reading a file safely and building typed frames.

Every helper raises `ArtifactError` with a one-line message naming the file, never anything else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

# The file readers and number checks live in cimaturity.artifacts (the checks use them too);
# re-exported for loaders.
from cimaturity.artifacts import COUNT as COUNT
from cimaturity.artifacts import EXIT_CODE as EXIT_CODE
from cimaturity.artifacts import LINE as LINE
from cimaturity.artifacts import METRIC as METRIC
from cimaturity.artifacts import MILLISECONDS as MILLISECONDS
from cimaturity.artifacts import PERCENT as PERCENT
from cimaturity.artifacts import RATE as RATE
from cimaturity.artifacts import SECONDS as SECONDS
from cimaturity.artifacts import json_float as json_float
from cimaturity.artifacts import json_int as json_int
from cimaturity.artifacts import one_line
from cimaturity.artifacts import parse_json as parse_json
from cimaturity.artifacts import read_bytes as read_bytes
from cimaturity.artifacts import read_json as read_json
from cimaturity.artifacts import text_float as text_float
from cimaturity.artifacts import text_int as text_int
from cimaturity.formats.fields import optional_str as optional_str
from cimaturity.formats.fields import require_dict as require_dict
from cimaturity.formats.fields import require_list as require_list
from cimaturity.formats.fields import require_str as require_str

# dtypes per column; columns not listed are strings. The column order comes from evidence.py.
_DTYPES: dict[str, str] = {
    "duration_s": "float64",
    "exit_code": "Int64",
    "time_s": "float64",
    "line": "Int64",
    "suppressed": "bool",
    "statements": "int64",
    "missed": "int64",
    "percent": "float64",
    "requests": "int64",
    "failures": "int64",
    "median_ms": "float64",
    "p95_ms": "float64",
    "p99_ms": "float64",
    "rps": "float64",
    "count": "int64",
}

MAX_MESSAGE = 500  # a message is a summary; a whole traceback belongs in the tool's own output
_CREDENTIAL_WORDS = ("passw", "passphrase", "secret", "token", "api", "credential", "private")
# A quoted value right after a credential word, e.g. bandit B105 "Possible hardcoded password: 'hunter2'".
_CREDENTIAL_QUOTE = re.compile(
    r"(?i)(passw(?:or)?d|passphrase|secret|token|api[_-]?key|credential|private[_ ]key)"
    r"([^'\"`\n]{0,40}?)(['\"`])([^'\"`\n]*)\3"
)


def frame(columns: tuple[str, ...], data: Mapping[str, Any]) -> pd.DataFrame:
    """A frame with exactly `columns`, in order, each with its schema dtype."""
    if set(data) != set(columns):
        raise ValueError(f"frame columns {sorted(data)} differ from schema {sorted(columns)}")
    series = {column: pd.Series(data[column], dtype=_DTYPES.get(column, "str")) for column in columns}
    return pd.DataFrame(series, copy=False)  # the Series are new: copying them again doubles the peak


def empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return frame(columns, {column: [] for column in columns})


def concat(columns: tuple[str, ...], frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate loader frames, keeping the schema dtypes (an empty list gives an empty frame)."""
    parts = [part for part in frames if not part.empty]
    if not parts:
        return empty(columns)
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    joined = pd.concat(parts, ignore_index=True)
    return joined.astype({column: _DTYPES.get(column, "str") for column in columns})


def short(text: str) -> str:
    """First line of a message, bounded, so frames stay small and one-line."""
    if len(text) <= MAX_MESSAGE and text.isascii() and "\n" not in text:
        return text.strip()  # the common case, without the work below
    first = text.strip().split("\n", 1)[0].strip()
    # a lone surrogate (legal in JSON escapes) would break every UTF-8 writer downstream
    first = first.encode("utf-8", "replace").decode("utf-8")
    return first if len(first) <= MAX_MESSAGE else first[: MAX_MESSAGE - 1] + "…"


def redact(text: str) -> str:
    """Defence in depth: secret scanners redact, but other tools quote a hard-coded credential."""
    if "'" not in text and '"' not in text and "`" not in text:  # cheap tests first: 50,000 findings
        return text
    lowered = text.lower()
    if not any(word in lowered for word in _CREDENTIAL_WORDS):
        return text
    return _CREDENTIAL_QUOTE.sub(r"\1\2\3***\3", text)


def fingerprint(key: str) -> str:
    """A stable id for a finding from its identifying fields joined by the caller; a hash, so
    nothing it is built from can be read back."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_one_line = one_line
