"""Read the few SARIF fields a gate needs, refusing files that are not SARIF 2.1.

The file is read by `cimaturity.artifacts.read_json` (a regular file inside the check's artifact
folder, size-capped); a line number outside 1..2^31-1 is refused, naming the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.artifacts import LINE, json_int, read_json
from cimaturity.model import ArtifactError


@dataclass(frozen=True)
class SarifResult:
    tool: str
    rule_id: str
    level: str  # SARIF level: error, warning, note, none
    message: str
    file: str | None
    line: int | None
    properties: dict[str, Any]


@dataclass(frozen=True)
class SarifLog:
    """A SARIF file read once: its results, and its runs as parsed (for run-level properties,
    invocations and notifications that only some gates need)."""

    results: list[SarifResult]
    runs: list[dict[str, Any]]


def read_sarif_log(path: Path, expected_tool: str | None = None, *, within: Path | None = None) -> SarifLog:
    """Every result of every run in `path`. Raises ArtifactError naming the file.

    With `expected_tool`, there must be at least one run and a run written by any other tool is
    refused too (even one with no results: an empty SARIF from the wrong tool is no evidence).
    `within` is the boundary folder (default: the folder holding `path`).
    """
    document = read_json(path, "SARIF", within=within)
    if not isinstance(document, dict) or not isinstance(document.get("runs"), list):
        raise ArtifactError(f"{path}: not a SARIF log (no 'runs' list)")
    if str(document.get("version", "")) != "2.1.0":
        raise ArtifactError(f"{path}: SARIF version {document.get('version')!r}, expected '2.1.0'")
    runs: list[dict[str, Any]] = document["runs"]
    if expected_tool is not None and not runs:
        raise ArtifactError(f"{path}: SARIF has no runs")
    results: list[SarifResult] = []
    for run_index, run in enumerate(runs):
        try:
            tool = str(run["tool"]["driver"]["name"])
            if expected_tool is not None and tool.lower() != expected_tool.lower():
                raise ArtifactError(f"{path}: SARIF written by {tool!r}, expected {expected_tool!r}")
            raw_results = run.get("results", [])
            if not isinstance(raw_results, list):
                raise TypeError("results is not a list")
            results.extend(
                _result(path, f"runs[{run_index}].results[{index}]", tool, raw)
                for index, raw in enumerate(raw_results)
            )
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ArtifactError(f"{path}: runs[{run_index}] is malformed ({exc})") from None
    return SarifLog(results, runs)


def read_sarif(
    path: Path, expected_tool: str | None = None, *, within: Path | None = None
) -> list[SarifResult]:
    """The results of `read_sarif_log`, for gates that need nothing else."""
    return read_sarif_log(path, expected_tool, within=within).results


def _result(path: Path, where: str, tool: str, raw: dict[str, Any]) -> SarifResult:
    message = raw.get("message", {})
    text = str(message.get("text", "")) if isinstance(message, dict) else str(message)
    file: str | None = None
    line: int | None = None
    locations = raw.get("locations") or []
    if locations:
        physical = locations[0].get("physicalLocation", {})
        uri = physical.get("artifactLocation", {}).get("uri")
        file = str(uri).removeprefix("file://") if uri is not None else None
        start = physical.get("region", {}).get("startLine")
        field = f"{where}.locations[0].physicalLocation.region.startLine"
        line = json_int(start, path, field, LINE) if start is not None else None
    return SarifResult(
        tool=tool,
        rule_id=str(raw.get("ruleId", "")),
        level=str(raw.get("level", "warning")),
        message=text,
        file=file,
        line=line,
        properties=dict(raw.get("properties") or {}),
    )
