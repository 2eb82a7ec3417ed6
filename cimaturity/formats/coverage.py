"""coverage.py's JSON report (`coverage json`, format 2 or 3): the total and each file's numbers.

Read by the `test` check's gate (the total against the threshold) and by the report (the total
and the per-file frame). Where their old readers differed, the stricter rule is kept:

- The document is an object with a `totals` object and a `files` object (both readers).
- `totals.percent_covered` is a percentage from 0 to 100: never a boolean, NaN, infinite or
  out of range (both).
- Every file's `summary` is checked, not only the total (the report's rule: the gate read only
  the total, so a report whose per-file numbers were garbage still passed the gate):
  `num_statements` and `missing_lines` are counts with missing <= statements, `percent_covered`
  a percentage.
- `meta.format`, when present, is 2 or 3, the formats this reader knows (new: neither reader
  looked). A report without `meta` (coverage.py before 6.x, and hand-written fixtures) has the
  same fields and is read the same way; a future format is refused rather than guessed at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.artifacts import COUNT, PERCENT, Range, json_float, json_int, read_json
from cimaturity.formats.fields import require_dict
from cimaturity.model import ArtifactError

KIND = "coverage JSON"
FORMATS = Range("a coverage.py JSON format", 2, 3)


@dataclass(frozen=True)
class FileCoverage:
    file: str  # as coverage.py names it (relative to where it ran)
    statements: int
    missed: int
    percent: float  # coverage's own percentage (includes branches when measured)


@dataclass(frozen=True)
class CoverageReport:
    percent: float  # `totals.percent_covered`, as coverage reports it
    files: tuple[FileCoverage, ...]
    format: int | None  # `meta.format`; None for a report without `meta`


def is_coverage_json(document: Any) -> bool:
    """Whether a parsed JSON document claims to be coverage.py's JSON report."""
    return isinstance(document, dict) and "totals" in document and "files" in document


def read_coverage(path: Path, *, within: Path | None = None) -> CoverageReport:
    """The report at `path`; `within` is the boundary folder (default: the file's own)."""
    return coverage_from_document(path, read_json(path, KIND, within=within))


def coverage_from_document(path: Path, document: Any) -> CoverageReport:
    """The same, for a document already parsed."""
    if not is_coverage_json(document):
        raise ArtifactError(f"{path}: not a coverage JSON report (no 'totals' and 'files')")
    version = _format(path, document.get("meta"))
    totals = require_dict(document["totals"], path, "totals")
    percent = json_float(totals.get("percent_covered"), path, "totals.percent_covered", PERCENT)
    files = tuple(
        _file(path, name, entry) for name, entry in require_dict(document["files"], path, "files").items()
    )
    return CoverageReport(percent, files, version)


def _format(path: Path, meta: object) -> int | None:
    if meta is None:
        return None
    return json_int(require_dict(meta, path, "meta").get("format"), path, "meta.format", FORMATS)


def _file(path: Path, name: str, entry: object) -> FileCoverage:
    key = repr(name) if len(name) <= 80 else f"{name[:60]!r}…"  # a message stays one bounded line
    where = f"files[{key}].summary"
    summary = require_dict(require_dict(entry, path, f"files[{key}]").get("summary"), path, where)
    statements = json_int(summary.get("num_statements"), path, f"{where}.num_statements", COUNT)
    missed = json_int(summary.get("missing_lines"), path, f"{where}.missing_lines", COUNT)
    if missed > statements:
        raise ArtifactError(f"{path}: {where} has {missed} missing of {statements} statements")
    percent = json_float(summary.get("percent_covered"), path, f"{where}.percent_covered", PERCENT)
    return FileCoverage(name, statements, missed, percent)
