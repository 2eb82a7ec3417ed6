"""JUnit XML (pytest, mypy --junit-xml, schemathesis, the migration cycle): every test case, read
in one streaming pass.

The gates need counts and the broken cases with their whole text; the report needs one row per
case. Both come from `read_junit`. The file is fed to lxml's `iterparse` as it is read (through
`cimaturity.artifacts.open_artifact`: a regular file inside the boundary folder, size-capped),
with no entity expanded, no DTD loaded and nothing fetched; each `<testcase>` is dropped from the
tree once read, so memory grows with the columns kept, not with the document (a 1,000,000-case
file stays near 200 MB in all, where a whole tree took 1.1 GB).

Counts come from the test cases themselves, never from the suite attributes a writer may have
left stale. A case's outcome is its worst result (error > failed > skipped > passed); its
message is the first result's `message` (else its text), one line, bounded. A case's `time` is
range-checked (0 to ~116 days); "soon", "nan", "1e999" or -1 is an `ArtifactError` naming it.
"""

from __future__ import annotations

import contextlib
import math
from array import array
from collections.abc import Generator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lxml import etree

from cimaturity.artifacts import (
    MAX_SECONDS,
    SECONDS,
    XML_MAX_BYTES,
    one_line,
    open_artifact,
    text_float,
)
from cimaturity.model import ArtifactError

KIND = "JUnit XML"
ROOTS = frozenset({"testsuites", "testsuite"})
MAX_MESSAGE = 500  # a message is a summary; the whole traceback stays in the case's `text`
MAX_TEXT = 64 * 1024  # the text kept per broken case: enough for mypy's error lines, never a whole log


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


_RESULT_TAGS = {"error": Outcome.ERROR, "failure": Outcome.FAILED, "skipped": Outcome.SKIPPED}
_RANK = {Outcome.PASSED: 0, Outcome.SKIPPED: 1, Outcome.FAILED: 2, Outcome.ERROR: 3}


@dataclass(frozen=True)
class JUnitCase:
    """A failed or errored case, with what a gate quotes from it."""

    suite: str
    classname: str
    name: str
    file: str | None  # mypy writes the checked file here
    outcome: Outcome
    text: str  # every result's message and body, joined; bounded by MAX_TEXT

    @property
    def label(self) -> str:
        """`module.Class::test`, or the bare name of a collection error (it has no class)."""
        return f"{self.classname}::{self.name}" if self.classname else self.name


@dataclass(frozen=True)
class TestColumns:
    """Every case, column by column (one list per field, not one object per case: a 1M-case file
    would need ~400 MB of objects)."""

    __test__ = False  # not a pytest class, despite the name

    suite: list[str] = field(default_factory=list)
    case: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    time_s: array[float] = field(default_factory=lambda: array("d"))
    message: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.case)


@dataclass(frozen=True)
class JUnitReport:
    path: Path
    columns: TestColumns
    broken: tuple[JUnitCase, ...]  # failed and errored cases, in file order
    counts: dict[Outcome, int]

    @property
    def tests(self) -> int:
        return len(self.columns)

    @property
    def failures(self) -> int:
        return self.counts[Outcome.FAILED]

    @property
    def errors(self) -> int:
        return self.counts[Outcome.ERROR]

    @property
    def skipped(self) -> int:
        return self.counts[Outcome.SKIPPED]

    @property
    def passed(self) -> int:
        return self.counts[Outcome.PASSED]


def root_tag(path: Path, *, within: Path | None = None, kind: str = "XML") -> str:
    """The root element's name, read from the file's first bytes (to dispatch without parsing it)."""
    with contextlib.closing(_events(path, kind, within, ("start",), chunk=_PEEK)) as events:
        for _event, element in events:
            return _local(element.tag)  # closing the generator closes the file
    raise ArtifactError(f"{path}: {kind} file has no element")  # the parser raises first


def read_junit(path: Path, *, within: Path | None = None) -> JUnitReport:
    """Every test case of `path`; `within` is the boundary folder (default: the file's own)."""
    columns = TestColumns()
    broken: list[JUnitCase] = []
    counts = dict.fromkeys(Outcome, 0)
    statuses = {outcome: outcome.value for outcome in Outcome}  # plain str in the columns
    interned: dict[str, str] = {}  # one string object per distinct suite name
    tag = root_tag(path, within=within, kind=KIND)  # a peek at the first bytes: a foreign file is not walked
    if tag not in ROOTS:
        raise ArtifactError(
            f"{path}: not a {KIND} file (root element is not <testsuites> or <testsuite>, but <{tag}>)"
        )
    try:
        # only the cases are handed to Python: no proxy object is made for any other element
        for _event, case in _events(path, KIND, within, ("end",), tag="testcase"):
            parent = case.getparent()
            if parent is not None and parent.tag == "testsuite":
                name = parent.get("name") or ""
                suite = interned.setdefault(name, name)
                _add_case(path, case, suite, columns, broken, counts, statuses)
            _drop(case)
    except ValueError as exc:  # lxml refuses some attribute values (e.g. a NUL)
        raise ArtifactError(f"{path}: {KIND} file is malformed ({one_line(str(exc))})") from None
    return JUnitReport(path, columns, tuple(broken), counts)


def _add_case(
    path: Path,
    element: Any,
    suite: str,
    columns: TestColumns,
    broken: list[JUnitCase],
    counts: dict[Outcome, int],
    statuses: dict[Outcome, str],
) -> None:
    outcome, message = Outcome.PASSED, ""
    texts: list[str] = []
    for child in element if len(element) else ():  # most cases have no child: skip the iterator
        result = _RESULT_TAGS.get(child.tag)
        if result is None:
            continue
        if _RANK[result] > _RANK[outcome]:
            outcome = result
        said, body = child.get("message") or "", child.text or ""
        if not message:
            message = said or body
        texts.extend(part for part in (said, body) if part)
    classname, name = element.get("classname") or "", element.get("name") or ""
    label = f"{classname}::{name}" if classname else name
    counts[outcome] += 1
    columns.suite.append(suite)
    columns.case.append(label)
    columns.status.append(statuses[outcome])
    columns.time_s.append(_time(element.get("time"), path, label))
    columns.message.append(_short(message) if message else "")
    if outcome in (Outcome.FAILED, Outcome.ERROR):
        text = "\n".join(texts)
        broken.append(JUnitCase(suite, classname, name, element.get("file"), outcome, text[:MAX_TEXT]))


def _time(text: str | None, path: Path, case: str) -> float:
    """A test case's `time` in seconds (absent: 0); "soon", "nan", "1e999" or -1 is refused."""
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if 0.0 <= value <= MAX_SECONDS:  # the hot path: one comparison; False for NaN
        return value
    return text_float(text, path, f"testcase {case[:100]!r} time", SECONDS)  # raises, naming the field


def _short(text: str) -> str:
    """First line of a message, bounded."""
    if len(text) <= MAX_MESSAGE and "\n" not in text:
        return text.strip()
    first = text.strip().split("\n", 1)[0].strip()
    return first if len(first) <= MAX_MESSAGE else first[: MAX_MESSAGE - 1] + "…"


def _drop(element: Any) -> None:
    """Free a read case and the siblings before it: the tree never holds more than one case."""
    element.clear()
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else str(tag)


# the same safety as `cimaturity.artifacts.safe_xml_parser`: no entity expanded, no DTD, no network
_SAFE: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "remove_comments": True,
    "remove_pis": True,
    "huge_tree": False,
}
_CHUNK = 1024 * 1024
_PEEK = 4096  # enough for an XML declaration, a comment or two and the root's start tag


def _events(
    path: Path,
    kind: str,
    within: Path | None,
    events: tuple[str, ...],
    *,
    tag: str | None = None,
    chunk: int = _CHUNK,
) -> Generator[tuple[str, Any], None, None]:
    """lxml's pull parser fed as the file is read: events arrive while the file streams in.

    A pull parser, not `iterparse`: it costs a tenth as much to set up (a run has hundreds of
    small JUnit files), and a peek at the root stops after the first chunk.
    """
    parser = etree.XMLPullParser(events=events, tag=tag, **_SAFE)
    blank = True
    try:
        with open_artifact(path, kind, within=within, max_bytes=XML_MAX_BYTES) as file:
            while data := file.read(chunk):
                blank = blank and not data.strip()
                parser.feed(data)
                yield from parser.read_events()
            if blank:
                raise ArtifactError(f"{path}: {kind} file is empty")
            parser.close()
            yield from parser.read_events()
    except etree.XMLSyntaxError as exc:
        if blank:
            raise ArtifactError(f"{path}: {kind} file is empty") from None
        raise ArtifactError(f"{path}: not well-formed XML ({one_line(exc.msg or str(exc))})") from None
    except OSError as exc:
        raise ArtifactError(f"{path}: {kind} file unreadable ({one_line(str(exc))})") from None
