"""Which workflow files an audit reads: `.github/workflows/*.yml|yaml` of the repository holding
the project (GitHub reads no other), relative to that repository's root."""

from __future__ import annotations

from pathlib import Path

from cimaturity.report.workflows import ci_root, workflow_files


def audited_workflows(project: Path) -> tuple[Path, tuple[str, ...]]:
    """(the repository root the paths are relative to, the workflow files, sorted)."""
    root = ci_root(project)
    return root, workflow_files(root)
