"""`invoke report --merge DIR...`: the runs of several CI jobs as one run, for one report.

Each job of the workflow runs some checks and uploads its run folder; the report job downloads
them all. A DIR is a run folder (it holds `run.json`) or a folder holding run folders (one
downloaded artifact, or all of them). The merged run is a new run folder in the reports folder:
every check's entry and the files it lists (artifacts and log) copied with their paths, its
run.json written last, then made `latest` as a run of `invoke ci` would be.

Refused, with one line naming both places: two results for one check (two jobs ran it), runs
of different commits, and a DIR holding no run at all. Links are copied as links, never
followed, so the report's reader still refuses one that leads outside the run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity import runs
from cimaturity.atomic import write_text_atomic
from cimaturity.formats.runjson import RunFile, read_run
from cimaturity.model import ArtifactError
from cimaturity.runfile import FORMAT_VERSION


class MergeError(Exception):
    """The runs cannot be merged; one line naming the folders."""


@dataclass(frozen=True)
class _Part:
    folder: Path
    run: RunFile
    document: dict[str, Any]  # run.json as written, its check entries copied as they are


def find_runs(source: Path) -> list[Path]:
    """The run folders in `source`: itself, or those one or two levels down (a downloaded artifact
    holds `<run id>/`, a folder of downloads holds `reports-lint/<run id>/`)."""
    if (source / runs.RUN_FILE).is_file():
        return [source]
    found = sorted(
        {path.parent for pattern in ("*/run.json", "*/*/run.json") for path in source.glob(pattern)}
    )
    return [folder for folder in found if runs.is_complete(folder)]


def merge_runs(sources: Sequence[Path], reports_dir: Path) -> Path:
    """The new run folder holding every source run's checks (the caller holds the run lock)."""
    parts = [_part(folder) for source in sources for folder in _runs_in(source)]
    owner: dict[str, Path] = {}
    for part in parts:
        for check in part.run.checks:
            if check.name in owner:
                raise MergeError(
                    f"two results for check {check.name!r}: {owner[check.name]} and {part.folder}"
                )
            owner[check.name] = part.folder
    shas = {part.run.info.git_sha for part in parts if part.run.info.git_sha}
    if len(shas) > 1:
        raise MergeError(
            f"the runs are of different commits ({', '.join(sorted(shas))}); merge one commit's runs"
        )
    folder = runs.start_run(reports_dir, runs.new_run_id())
    try:
        for part in parts:
            for check in part.run.checks:
                for relative in (*check.artifacts, *([check.log] if check.log else [])):
                    _copy(part.folder / relative, folder / relative)
        write_text_atomic(folder / runs.RUN_FILE, json.dumps(_merged(parts, folder.name), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never a half-merged run
        raise
    runs.publish(reports_dir, folder)
    return folder


def _runs_in(source: Path) -> list[Path]:
    if not source.is_dir():
        raise MergeError(f"{source}: not a folder")
    found = find_runs(source)
    if not found:
        raise MergeError(f"{source}: no run.json in it or in the folders below it")
    return found


def _part(folder: Path) -> _Part:
    try:
        run = read_run(folder / runs.RUN_FILE, within=folder)
    except ArtifactError as exc:
        raise MergeError(str(exc)) from None
    document = json.loads((folder / runs.RUN_FILE).read_text(encoding="utf-8"))  # read_run checked it
    return _Part(folder, run, document)


def _copy(source: Path, target: Path) -> None:
    """One listed file; a missing one stays missing (the report lists it as a problem)."""
    if not source.is_symlink() and not source.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target, follow_symlinks=False)


def _merged(parts: Sequence[_Part], run_id: str) -> dict[str, Any]:
    first = parts[0].document
    started = min(part.run.info.started_at for part in parts)
    finished = max(part.run.info.finished_at for part in parts)
    checks = [entry for part in parts for entry in part.document["checks"]]
    return {
        "format_version": FORMAT_VERSION,
        "run_id": run_id,
        "project": first["project"],
        "profile": "merged",
        "jobs": len(parts),
        "git": first.get("git") or {},
        "started_at": started,
        "finished_at": finished,
        "duration_s": max(part.run.info.duration_s for part in parts),
        "tool": first.get("tool", ""),
        "ok": not any(entry.get("status") in ("failed", "error") for entry in checks),
        "merged_from": [part.run.info.run_id for part in parts],
        "checks": checks,
    }
