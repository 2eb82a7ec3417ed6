"""Locust's `--csv PREFIX` files: `PREFIX_stats.csv`, `PREFIX_failures.csv`, `PREFIX_exceptions.csv`.

The stats are read by the `performance` gate (its `Aggregated` row) and by the report (every
row). Times are milliseconds as Locust writes them; p95/p99 are its `95%`/`99%` columns. Where
the two old readers differed, the stricter rule is kept:

- Every row is checked, not only `Aggregated` (the report's rule), and there is exactly one
  `Aggregated` row (the gate's: none means a file cut off, two a file that is not one run).
- Counts are decimal integers within 0..2^53-1 and a row's failures never exceed its requests
  (the gate's consistency check, now for every row; Locust counts a failed request as a request).
- Times and rates are finite numbers within their ranges (the report's `Range`s; the gate had
  no upper bound). NaN, infinities and `1e999` never pass.
- "No sample" is explicit: Locust writes `N/A` for a percentile it has no sample for, and that
  is `None`, never NaN or zero, so no consumer can compare it with a threshold and find it
  within. A blank cell is refused (the report used to read it as "no sample"; Locust never
  writes one, so a blank is a damaged file).
- The failures and exceptions CSVs: counts are range-checked (the gate used to accept a
  negative count and any text in `Count`).

The columns required are the union of the two old readers'; a `Timestamp` column means the
`_stats_history.csv`, which is refused rather than read as the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cimaturity.artifacts import (
    COUNT,
    CSV_MAX_BYTES,
    MILLISECONDS,
    RATE,
    parse_csv_records,
    read_bytes,
    read_csv_records,
    text_float,
    text_int,
)
from cimaturity.model import ArtifactError

STATS_KIND = "Locust stats CSV"
FAILURES_KIND = "Locust failures CSV"
EXCEPTIONS_KIND = "Locust exceptions CSV"
AGGREGATED = "Aggregated"
NO_SAMPLE = "N/A"  # what Locust writes for a percentile of a row without a request
HISTORY_COLUMN = "Timestamp"  # only in `_stats_history.csv`
STATS_COLUMNS = (
    "Type",
    "Name",
    "Request Count",
    "Failure Count",
    "Median Response Time",
    "95%",
    "99%",
    "Requests/s",
)
FAILURES_COLUMNS = ("Method", "Name", "Error", "Occurrences")
EXCEPTIONS_COLUMNS = ("Count", "Message")


@dataclass(frozen=True)
class StatsRow:
    """One row of the stats: a request type and name, or the `Aggregated` totals."""

    method: str  # Locust's `Type` column: GET, POST, ...; "" on the Aggregated row
    name: str
    requests: int
    failures: int  # <= requests
    median_ms: float | None  # None: no sample (N/A)
    p95_ms: float | None
    p99_ms: float | None
    rps: float

    @property
    def label(self) -> str:
        """`GET /ok`, or `Aggregated` for the totals."""
        return f"{self.method} {self.name}" if self.method else self.name

    @property
    def sampled(self) -> bool:
        """Whether there is a measured latency: at least one request and both percentiles."""
        return self.requests > 0 and self.p95_ms is not None and self.p99_ms is not None


@dataclass(frozen=True)
class LocustStats:
    rows: tuple[StatsRow, ...]  # in file order, the Aggregated row included
    aggregated: StatsRow  # the one `Aggregated` row of `rows`


@dataclass(frozen=True)
class FailedEndpoint:
    """One row of `_failures.csv`: an error a request name met, and how often."""

    method: str
    name: str
    error: str
    occurrences: int

    @property
    def label(self) -> str:
        return f"{self.method} {self.name} ({self.occurrences}x: {self.error[:200]})"


@dataclass(frozen=True)
class LocustException:
    """One row of `_exceptions.csv`: an exception the load script itself raised."""

    count: int
    message: str


def is_locust_stats(header: list[str]) -> bool:
    """Whether a CSV header (its cells) is a Locust stats file's (not its stats history)."""
    return all(column in header for column in STATS_COLUMNS) and HISTORY_COLUMN not in header


def read_locust_stats(path: Path, *, within: Path | None = None) -> LocustStats:
    """The stats at `path`; `within` is the boundary folder (default: the file's own)."""
    return locust_stats_from_bytes(path, read_bytes(path, STATS_KIND, within=within, max_bytes=CSV_MAX_BYTES))


def locust_stats_from_bytes(path: Path, data: bytes) -> LocustStats:
    """The same, for a file already read (the report reads it once to tell its kind)."""
    records = parse_csv_records(data, path, STATS_KIND, STATS_COLUMNS)
    if records and HISTORY_COLUMN in records[0][1]:
        raise ArtifactError(f"{path}: not a {STATS_KIND} file (a stats history: it has {HISTORY_COLUMN!r})")
    rows = tuple(_stats_row(path, number, record) for number, record in records)
    aggregated = [row for row in rows if row.label == AGGREGATED]
    if not aggregated:
        raise ArtifactError(f"{path}: {STATS_KIND} file has no {AGGREGATED!r} row (truncated?)")
    if len(aggregated) > 1:
        raise ArtifactError(
            f"{path}: {STATS_KIND} file has {len(aggregated)} {AGGREGATED!r} rows, expected one"
        )
    return LocustStats(rows, aggregated[0])


def read_locust_failures(path: Path, *, within: Path | None = None) -> tuple[FailedEndpoint, ...]:
    """`_failures.csv` rows in file order."""
    return tuple(
        FailedEndpoint(
            row["Method"],
            row["Name"],
            row["Error"],
            text_int(row["Occurrences"], path, f"line {number} Occurrences", COUNT),
        )
        for number, row in read_csv_records(path, FAILURES_KIND, FAILURES_COLUMNS, within=within)
    )


def read_locust_exceptions(path: Path, *, within: Path | None = None) -> tuple[LocustException, ...]:
    """`_exceptions.csv` rows in file order."""
    return tuple(
        LocustException(text_int(row["Count"], path, f"line {number} Count", COUNT), row["Message"])
        for number, row in read_csv_records(path, EXCEPTIONS_KIND, EXCEPTIONS_COLUMNS, within=within)
    )


def _stats_row(path: Path, line: int, row: dict[str, str]) -> StatsRow:
    requests = text_int(row["Request Count"], path, f"line {line} Request Count", COUNT)
    failures = text_int(row["Failure Count"], path, f"line {line} Failure Count", COUNT)
    if failures > requests:
        raise ArtifactError(f"{path}: line {line} has {failures} failures of {requests} requests")
    return StatsRow(
        method=row["Type"].strip(),
        name=row["Name"].strip(),
        requests=requests,
        failures=failures,
        median_ms=_sample(row["Median Response Time"], path, line, "Median Response Time"),
        p95_ms=_sample(row["95%"], path, line, "95%"),
        p99_ms=_sample(row["99%"], path, line, "99%"),
        rps=text_float(row["Requests/s"], path, f"line {line} Requests/s", RATE),
    )


def _sample(cell: str, path: Path, line: int, column: str) -> float | None:
    """A latency; None for Locust's "N/A" (no sample), never NaN or zero."""
    if cell.strip() == NO_SAMPLE:
        return None
    return text_float(cell, path, f"line {line} {column}", MILLISECONDS)
