"""`docs.json`, the `docs` check's artifact: what was compared and what did not match.

Written by `python -m cimaturity.tools.workflow_docs`, read back by the check's gate. Versioned;
a file that is not this report (another tool's JSON, a truncated write) is refused naming it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cimaturity.model import ArtifactError

FORMAT = "cimaturity-workflow-docs"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class DocsReport:
    doc: str | None  # the documentation compared (repository-relative), None: there is none
    workflows: tuple[str, ...]  # the workflow files read
    jobs: int
    secrets: int
    phantom_jobs: tuple[str, ...]
    undocumented_jobs: tuple[str, ...]
    phantom_secrets: tuple[str, ...]
    undocumented_secrets: tuple[str, ...]
    stale: bool  # the file is not what `invoke docs` generates (only with a descriptions file)
    problems: tuple[str, ...]  # unreadable workflows or descriptions: no trustworthy comparison

    @property
    def mismatches(self) -> int:
        named = (self.phantom_jobs, self.undocumented_jobs, self.phantom_secrets, self.undocumented_secrets)
        return sum(len(names) for names in named) + int(self.stale)


def docs_json(report: DocsReport) -> str:
    return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(report)}, indent=2) + "\n"


def read_docs_report(path: Path) -> DocsReport:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path}: not readable ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ArtifactError(f"{path}: not a workflow-docs report (no format {FORMAT!r})")
    if data.get("format_version") != FORMAT_VERSION:
        raise ArtifactError(
            f"{path}: format_version {data.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    try:
        return DocsReport(
            doc=_optional_text(data, "doc"),
            workflows=_names(data, "workflows"),
            jobs=_count(data, "jobs"),
            secrets=_count(data, "secrets"),
            phantom_jobs=_names(data, "phantom_jobs"),
            undocumented_jobs=_names(data, "undocumented_jobs"),
            phantom_secrets=_names(data, "phantom_secrets"),
            undocumented_secrets=_names(data, "undocumented_secrets"),
            stale=_flag(data, "stale"),
            problems=_names(data, "problems"),
        )
    except ValueError as exc:
        raise ArtifactError(f"{path}: {exc}") from None


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key!r} is not a string")
    return value


def _names(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{key!r} is not a list of names")
    return tuple(value)


def _count(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{key!r} is not a count")
    return value


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"{key!r} is not true or false")
    return value
