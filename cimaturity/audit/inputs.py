"""Which workflow files an audit reads: `.github/workflows/*.yml|yaml` of the repository holding
the project (GitHub reads no other), relative to that repository's root."""

from __future__ import annotations

from pathlib import Path

from cimaturity.report.workflows import ci_root


def workflow_files(project: Path) -> tuple[Path, tuple[str, ...]]:
    """(the repository root the paths are relative to, the workflow files, sorted)."""
    root = ci_root(project)
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return root, ()
    paths = sorted(p for p in [*folder.glob("*.yml"), *folder.glob("*.yaml")] if p.is_file())
    return root, tuple(path.relative_to(root).as_posix() for path in paths)
