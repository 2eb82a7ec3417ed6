"""A reports folder holds isolated runs; `latest` names the last one that completed.

    reports/
      runs/<run id>/run.json          written last: a folder without it is an incomplete run
      runs/<run id>/artifacts/<check>/...
      runs/<run id>/maturity.md, maturity.html, summary.json    the report of that run
      latest -> runs/<run id>         switched atomically once that run's run.json is written
      run.json -> latest/run.json     fixed links, made once: they follow every switch
      artifacts -> latest/artifacts
      maturity.md -> latest/maturity.md   (and maturity.html, summary.json)
      .cimaturity.lock                one run at a time (`cimaturity.runlock`)

A run writes only into its own folder, so a run that is interrupted (Ctrl-C, kill -9, an
exception) never touches the previous run's evidence and never becomes `latest`: `invoke report`
keeps reading the last completed run. The switch is one `rename(2)` of a relative symlink made
under a temporary name, so a reader sees either the old run or the new one, never a mixture.

The report's outputs are written into the run's own folder and reached through fixed links via
`latest`, rather than copied to the top level: one writer per file, nothing to keep in step, and
the top-level names always show the report of the run `latest` names (a link dangles only until
that run's report is written). A reader resolves `latest` once (`resolve_run`) and reads only
from the run folder it found, with that folder as the boundary of the hardened artifact reader.

Housekeeping happens only while the run lock is held: `prepare` moves a layout written by an
older cimaturity (a real `run.json`, a real `artifacts/`) aside into `runs/` and removes folders
of runs that were killed (no other run can be writing: the lock says so); `publish` switches
`latest`, then keeps the newest `KEEP_RUNS` completed runs and the one `latest` names.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
import shutil
from pathlib import Path

RUNS = "runs"
LATEST = "latest"
RUN_FILE = "run.json"
ARTIFACTS = "artifacts"
REPORT_FILES = ("maturity.md", "maturity.html", "summary.json")
# Top-level names that are fixed links into `latest`, with what each points at.
WELL_KNOWN = (RUN_FILE, ARTIFACTS, *REPORT_FILES)
KEEP_RUNS = 5  # completed runs kept after a switch (besides the one `latest` names)
LEGACY_SUFFIX = "legacy"


class RunsError(Exception):
    """A reports folder whose `latest` cannot be followed to a completed run; one line."""


def new_run_id(now: dt.datetime | None = None) -> str:
    """`20261130T181115.123Z-3f9a1c`: sorts by start time (UTC, milliseconds), unique by its suffix."""
    return f"{_stamp(now or dt.datetime.now(dt.UTC))}-{secrets.token_hex(3)}"


def run_folder(reports_dir: Path, run_id: str) -> Path:
    return reports_dir / RUNS / run_id


def is_complete(folder: Path) -> bool:
    """A run folder is complete once its run.json (written last, atomically) is there."""
    return (folder / RUN_FILE).is_file() and not (folder / RUN_FILE).is_symlink()


def start_run(reports_dir: Path, run_id: str) -> Path:
    """Tidy the reports folder (caller holds the run lock), then make this run's empty folder."""
    prepare(reports_dir)
    folder = run_folder(reports_dir, run_id)
    folder.mkdir(parents=True)  # exists already: a clash of ids is a bug, never a shared folder
    return folder


def prepare(reports_dir: Path) -> None:
    """Migrate a legacy layout, remove killed runs' folders, make the fixed links. Never raises
    for what it finds: whatever stands in the way of a link is moved into `runs/` or removed."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    if not (reports_dir / RUNS).is_dir():  # a file, or a link to nowhere: not a runs folder
        _remove(reports_dir / RUNS)
        (reports_dir / RUNS).mkdir()
    _migrate_legacy(reports_dir)
    sweep_incomplete(reports_dir)
    _remove_stale_temporaries(reports_dir)
    _ensure_links(reports_dir)


def publish(reports_dir: Path, folder: Path, keep: int | None = None) -> None:
    """Make the completed run in `folder` the latest, then prune older runs (`KEEP_RUNS` kept)."""
    if not is_complete(folder):
        raise RunsError(f"{folder}: the run has no {RUN_FILE}; it cannot become {LATEST}")
    switch_latest(reports_dir, folder)
    prune(reports_dir, KEEP_RUNS if keep is None else keep)


def switch_latest(reports_dir: Path, folder: Path) -> None:
    """`latest -> runs/<id>` (relative), made under a temporary name and renamed over the old link."""
    temporary = reports_dir / f".{LATEST}.{os.getpid()}.{secrets.token_hex(3)}.tmp"
    temporary.symlink_to(Path(RUNS) / folder.name)
    try:
        _clear_non_link(reports_dir / LATEST)
        temporary.replace(reports_dir / LATEST)  # rename(2): atomic, never follows the old link
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(reports_dir)


def latest_run(reports_dir: Path) -> Path | None:
    """The run folder `latest` names (resolved), or None when there is no `latest` yet.

    Raises RunsError when `latest` is there but leads nowhere usable: outside `runs/`, to a
    folder that is gone, or to one without a run.json.
    """
    link = reports_dir / LATEST
    if not link.is_symlink() and not link.exists():
        return None
    runs = (reports_dir / RUNS).resolve()
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):  # gone, or a loop (RuntimeError before Python 3.13)
        raise RunsError(f"{link}: points to a run that is gone ({_target(link)})") from None
    if target.parent != runs:
        raise RunsError(f"{link}: leads outside {reports_dir / RUNS} (it resolves to {target})")
    if not is_complete(target):
        raise RunsError(f"{link}: the run it names has no {RUN_FILE}")
    return target


def resolve_run(folder: Path) -> Path:
    """The one folder a reader reads a run from, resolved once.

    A reports folder with `latest` gives that run's folder; anything else (a single run folder
    with its run.json, a reports folder of an older cimaturity, a folder with no run yet) is
    read as it is.
    """
    folder = folder.resolve()
    return latest_run(folder) or folder


def completed_runs(reports_dir: Path) -> list[Path]:
    """Completed run folders, oldest first (ids sort by start time)."""
    runs = reports_dir / RUNS
    if not runs.is_dir():
        return []
    return sorted(
        (entry for entry in runs.iterdir() if _is_run_dir(entry) and is_complete(entry)),
        key=lambda entry: entry.name,
    )


def prune(reports_dir: Path, keep: int) -> list[Path]:
    """Remove completed runs beyond the newest `keep`, never the one `latest` names; the removed."""
    try:
        current = latest_run(reports_dir)
    except RunsError:
        current = None
    completed = completed_runs(reports_dir)
    doomed = [
        folder
        for folder in completed[: max(0, len(completed) - max(keep, 0))]
        if current is None or folder.resolve() != current
    ]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed


def sweep_incomplete(reports_dir: Path) -> list[Path]:
    """Remove run folders without a run.json: runs that were killed (the caller holds the lock,
    so none of them is still being written). The removed."""
    runs = reports_dir / RUNS
    if not runs.is_dir():
        return []
    doomed = [entry for entry in sorted(runs.iterdir()) if _is_run_dir(entry) and not is_complete(entry)]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return doomed


# --- helpers ------------------------------------------------------------------------------------


def _migrate_legacy(reports_dir: Path) -> None:
    """An older cimaturity wrote run.json, artifacts/ and the report at the top level.

    A real run.json means that run completed (it was written last): its files move into
    `runs/<its time>-legacy/` (run.json last, so an interruption leaves an incomplete folder the
    sweep removes and a run.json still at the top to migrate again), and it becomes `latest`
    when there is none. Without a run.json the files are a killed run's leftovers: removed.
    """
    record = reports_dir / RUN_FILE
    legacy = [reports_dir / name for name in WELL_KNOWN if _is_real(reports_dir / name)]
    if not legacy:
        return
    if _is_real(record) and record.is_file():
        stamp = dt.datetime.fromtimestamp(record.stat().st_mtime, dt.UTC)
        target = run_folder(reports_dir, f"{_stamp(stamp)}-{LEGACY_SUFFIX}")
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted(legacy, key=lambda path: path.name == RUN_FILE):  # run.json last
            destination = target / path.name
            if _is_real(destination) or destination.is_symlink():
                _remove(destination)
            path.rename(destination)
        if not (reports_dir / LATEST).is_symlink():
            switch_latest(reports_dir, target)
        return
    for path in legacy:
        _remove(path)


def _ensure_links(reports_dir: Path) -> None:
    """`run.json -> latest/run.json` and the like; anything else standing there is removed."""
    for name in WELL_KNOWN:
        link = reports_dir / name
        wanted = Path(LATEST) / name
        if link.is_symlink() and link.readlink() == wanted:
            continue
        _remove(link)
        link.symlink_to(wanted)


def _remove_stale_temporaries(reports_dir: Path) -> None:
    """Temporary `latest` links of a run killed during its switch."""
    for entry in reports_dir.glob(f".{LATEST}.*.tmp"):
        if entry.is_symlink():
            entry.unlink(missing_ok=True)


def _clear_non_link(path: Path) -> None:
    """rename(2) cannot put a link over a folder: whatever is not a link there goes first."""
    if _is_real(path):
        _remove(path)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():  # a FIFO, a socket: not ours to keep
        path.unlink(missing_ok=True)


def _is_real(path: Path) -> bool:
    """There, and not a symlink."""
    return not path.is_symlink() and path.exists()


def _is_run_dir(entry: Path) -> bool:
    return entry.is_dir() and not entry.is_symlink() and not entry.name.startswith(".")


def _target(link: Path) -> str:
    with contextlib.suppress(OSError):
        return str(link.readlink())
    return "unreadable"


def _sync_folder(folder: Path) -> None:
    """The rename is durable once the folder's entry is on disk (best effort: not every FS can)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _stamp(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y%m%dT%H%M%S") + f".{moment.microsecond // 1000:03d}Z"
