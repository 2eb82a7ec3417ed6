"""A throwaway copy of the checked project, for the checks that run its tests.

A project's tests may write where they run: httpx's keylog test leaves a file named `test` in
the working directory, and others write fixtures' output or databases. The checked project must
never change. So these checks run in a copy.

- The copy is a git clone that shares the project's objects (read-only) with the working tree
  copied over it, so uncommitted changes are tested and `git` inside a test sees the same history
  and status.
- The project's environments and reports are left out, and caches (`not_copied`).
- A `src/` layout is put first on PYTHONPATH, so the copy's code is imported and measured
  rather than the project's editable install.
- Paths in the artifacts are written back to the project's own, so the report reads as if the
  tests ran in place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from cimaturity import proc
from cimaturity.atomic import write_bytes_atomic

# Never copied: environments, dependencies and caches anywhere (a `frontend/node_modules` too);
# the repository, the reports and a plain `venv` at the top level only (a test fixture may well
# hold a folder named `reports` or `venv`).
_ANYWHERE = frozenset(
    {".venv", "node_modules", ".tox", ".nox", "__pycache__", ".mypy_cache", ".pytest_cache"}
)
_TOP_LEVEL_ONLY = frozenset({".git", "venv", "reports"})
GIT_TIMEOUT_S = 120.0


def not_copied(root: Path) -> Callable[[str, list[str]], set[str]]:
    """`shutil.copytree`'s `ignore` for a copy of `root`."""

    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = _ANYWHERE | (_TOP_LEVEL_ONLY if Path(folder) == root else frozenset())
        return set(skipped.intersection(names))

    return ignore


class WorkingCopyError(Exception):
    """The copy could not be made (a git clone failed, the disk is full): the check is an error."""


def copy_project(root: Path, copy: Path, env: Mapping[str, str]) -> None:
    """`root` copied to `copy` (not yet there): where `root` is a git repository, a clone sharing
    its objects with the working tree copied over it, so the history, the tags (a version from
    setuptools-scm or hatch-vcs) and uncommitted changes all come along."""
    try:
        if (root / ".git").is_dir():
            clone = ["clone", "--quiet", "--shared", "--no-checkout", str(root), str(copy)]
            _git(clone, copy.parent, env)
            shutil.copytree(root, copy, ignore=not_copied(root), symlinks=True, dirs_exist_ok=True)
            _git(["reset", "--quiet"], copy, env)  # the index as HEAD's; the working tree as copied
        else:
            shutil.copytree(root, copy, ignore=not_copied(root), symlinks=True)
    except OSError as error:
        raise WorkingCopyError(f"could not copy {root}: {error}") from None


@contextmanager
def working_copy(root: Path, env: Mapping[str, str]) -> Iterator[Path]:
    """A copy of `root` for the duration of the block, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="cimaturity-copy-") as folder:
        copy = Path(folder) / root.name
        copy_project(root, copy, env)
        yield copy


def python_path(copy: Path, env: Mapping[str, str]) -> dict[str, str]:
    """PYTHONPATH with a `src/` layout's folder first (the copy's, not the editable install's)."""
    source = copy / "src"
    if not source.is_dir():
        return {}
    existing = env.get("PYTHONPATH")
    return {"PYTHONPATH": os.pathsep.join((str(source), existing)) if existing else str(source)}


def write_back_paths(files: Iterable[Path], copy: Path, root: Path) -> None:
    """Name the project, not the copy, wherever an artifact records an absolute path."""
    old, new = str(copy).encode(), str(root).encode()
    for path in files:
        if not path.is_file():
            continue
        content = path.read_bytes()
        if old in content:
            write_bytes_atomic(path, content.replace(old, new))


def _git(argv: list[str], cwd: Path, env: Mapping[str, str]) -> None:
    try:
        result = proc.run(["git", *argv], cwd=cwd, env=env, timeout_s=GIT_TIMEOUT_S)
    except (proc.ToolMissingError, proc.CommandTimeoutError, OSError) as error:
        raise WorkingCopyError(f"git {argv[0]} failed: {error or 'timed out'}") from None
    if result.exit_code != 0:
        said = proc.first_error_line(result.output) or f"exit {result.exit_code}"
        raise WorkingCopyError(f"git {argv[0]} failed: {said}")
