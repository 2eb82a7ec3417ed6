"""Where a checked project sits in its repository: the project folder and the git root.

Workflows, CODEOWNERS and history belong to the git root; pyproject, tests and lockfiles to the
project folder (`--project backend` in a monorepo). Pure path logic: no git process is started.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def find_git_root(path: Path) -> Path | None:
    """The nearest folder at or above `path` holding `.git` (a folder, or a worktree's file)."""
    current = path.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


@dataclass(frozen=True)
class RepoLayout:
    """The project folder and the repository root it lives in (the same folder for most repos)."""

    project: Path
    repo: Path  # the git root, or the project folder when it is not in a git repository
    in_git: bool

    @property
    def subfolder(self) -> str:
        """The project folder relative to the repository root ("" at the root), posix style."""
        relative = self.project.relative_to(self.repo).as_posix()
        return "" if relative == "." else relative

    def repo_relative(self, project_relative: str) -> str:
        """A project-relative path as the repository sees it (`backend/` + path)."""
        return f"{self.subfolder}/{project_relative}" if self.subfolder else project_relative


def layout_of(project: Path) -> RepoLayout:
    project = project.resolve()
    root = find_git_root(project)
    return RepoLayout(project=project, repo=root or project, in_git=root is not None)
