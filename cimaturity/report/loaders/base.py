"""What every loader shares: the artifact being read (parsed at most once) and the frames
collected so far, and the `Loader` interface the registry (`loaders.registry.LOADERS`) holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from cimaturity.artifacts import CSV_MAX_BYTES, read_bytes, read_json
from cimaturity.formats.junit import JUnitReport, root_tag
from cimaturity.formats.sarif import SarifLog
from cimaturity.report import evidence as ev

_UNREAD: Any = object()


@dataclass
class Artifact:
    """One file a check listed in run.json. Its content is read on first use and kept, so the
    loaders asked in turn whether they claim it never read or parse it twice."""

    path: Path
    relative: str  # as run.json lists it
    within: Path  # the run's folder: nothing outside it is read
    check: str
    tools_root: Path  # where the tools ran: file paths in findings are made relative to it
    _json: Any = field(default=_UNREAD, repr=False)
    _root_tag: str | None = field(default=None, repr=False)
    _bytes: bytes | None = field(default=None, repr=False)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    def json(self) -> Any:
        if self._json is _UNREAD:
            self._json = read_json(self.path, "JSON", within=self.within)
        return self._json

    def root_tag(self) -> str:
        """The XML root element's name, from the file's first bytes (the rest is not parsed)."""
        if self._root_tag is None:
            self._root_tag = root_tag(self.path, within=self.within)
        return self._root_tag

    def csv_bytes(self) -> bytes:
        if self._bytes is None:
            self._bytes = read_bytes(self.path, "CSV", within=self.within, max_bytes=CSV_MAX_BYTES)
        return self._bytes

    def csv_header(self) -> list[str]:
        header = self.csv_bytes().split(b"\n", 1)[0].decode("utf-8-sig", "replace")
        return [cell.strip().strip('"') for cell in header.split(",")]


@dataclass
class Collected:
    """What the loaders gathered, artifact by artifact; frames are concatenated once at the end."""

    tests: list[tuple[str, JUnitReport]] = field(default_factory=list)
    findings: list[tuple[str, SarifLog]] = field(default_factory=list)
    coverage: list[pd.DataFrame] = field(default_factory=list)
    coverage_percent: float | None = None
    vulnerabilities: list[pd.DataFrame] = field(default_factory=list)
    skipped: list[pd.DataFrame] = field(default_factory=list)
    licenses: list[pd.DataFrame] = field(default_factory=list)
    performance: list[pd.DataFrame] = field(default_factory=list)
    baseline_entries: int | None = None
    problems: list[ev.ArtifactProblem] = field(default_factory=list)


class Loader(Protocol):
    """One artifact format, as the report reads it.

    `accepts` decides from the artifact's name and content (never from the check's name: a
    project's CI may produce any of them); `load` adds what the artifact holds to `into`. Both
    raise `ArtifactError` (naming the file) when the artifact claims the format but is unusable.
    """

    name: str

    def accepts(self, artifact: Artifact) -> bool: ...

    def load(self, artifact: Artifact, into: Collected) -> None: ...
