"""Throwaway git repositories for the security-stage check tests (sast, deps, secrets, sbom)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import textwrap
from collections.abc import Mapping
from pathlib import Path

from cimaturity.config import load_config
from cimaturity.model import Check, CheckContext
from cimaturity.runner import tool_environment
from tests.unit.checks._fast_fixtures import own_environment, project_in

_GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env={**os.environ, **_GIT_ENV}, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def write(root: Path, files: Mapping[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content))


def commit(root: Path, files: Mapping[str, str], message: str, delete: tuple[str, ...] = ()) -> str:
    """Write `files`, delete `delete`, commit everything; the new commit's sha."""
    write(root, files)
    for name in delete:
        (root / name).unlink()
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)
    return git(root, "rev-parse", "HEAD")


def new_repo(root: Path, files: Mapping[str, str], pyproject: str = "") -> Path:
    """A git repository with `pyproject.toml` (`[tool.cimaturity]` + `pyproject`) and `files`."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    table = '[tool.cimaturity]\nsource_paths = ["pkg"]\n' + textwrap.dedent(pyproject)
    commit(root, {"pyproject.toml": table, **files}, "initial")
    return root


def context(root: Path, check: Check, env: Mapping[str, str] | None = None) -> CheckContext:
    """The context the runner would build, with CIMATURITY_OSV_URL and SAFETY_API_KEY removed."""
    base = {k: v for k, v in tool_environment().items() if k not in ("CIMATURITY_OSV_URL", "SAFETY_API_KEY")}
    environment = {**base, **(env or {})}
    config = load_config(root, environ=environment)
    target = own_environment() if check.runs_project_code else None
    return CheckContext(config, root / "reports" / "artifacts" / check.name, environment, target)


def without_tool(ctx: CheckContext, tool: str, bin_dir: Path) -> CheckContext:
    """The same context with a PATH holding git and python but not `tool`."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("git", "python", "python3"):
        for folder in os.environ.get("PATH", "").split(os.pathsep):
            found = Path(folder) / name
            if found.is_file() and not (bin_dir / name).exists():
                (bin_dir / name).symlink_to(found)
                break
    assert not (bin_dir / tool).exists()
    target = None if ctx.target is None else project_in(ctx.target, bin_dir)
    return dataclasses.replace(ctx, env={**ctx.env, "PATH": str(bin_dir)}, target=target)
