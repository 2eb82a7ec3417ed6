"""Throwaway projects and fake tools shared by the typecheck, test and dockerfile check tests."""

from __future__ import annotations

import dataclasses
import os
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from cimaturity.config import load_config
from cimaturity.model import Check, CheckContext
from cimaturity.runner import tool_environment
from cimaturity.targetenv import TargetEnvironment, current

_OWN: list[TargetEnvironment] = []


def own_environment() -> TargetEnvironment:
    """This interpreter as the checked project's environment (probed once per test process)."""
    if not _OWN:
        _OWN.append(current())
    return _OWN[0]


# Variables of the pytest (and pytest-cov, xdist) running *these* tests: a pytest started by a
# check must not inherit them, or it would report into this run instead of its own.
_INHERITED_PREFIXES = ("PYTEST_", "COV_CORE_", "COVERAGE_")


def quiet_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The runner's environment, minus this test run's pytest state, with fast pytest start-up.

    Plugin autoload off (FIELD_NOTES: ~3 s -> ~0.5 s per pytest); the `test` check names the
    plugins it needs with `-p`, so it works either way. `extra` adds variables (MYPY_CACHE_DIR).
    """
    env = {k: v for k, v in tool_environment().items() if not k.startswith(_INHERITED_PREFIXES)}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    # `-n auto` then starts one xdist worker: the suite running these tests already fills the cores.
    env["PYTEST_XDIST_AUTO_NUM_WORKERS"] = "1"
    env.update(extra or {})
    return env


def write_files(root: Path, files: Mapping[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content))


def make_context(
    root: Path, check: Check, files: Mapping[str, str], env: Mapping[str, str] | None = None
) -> CheckContext:
    """Write `files` (a `pyproject.toml` among them, usually) and load the project's config."""
    write_files(root, files)
    artifacts = root / "reports" / "artifacts" / check.name
    target = own_environment() if check.runs_project_code else None
    return CheckContext(load_config(root, environ={}), artifacts, quiet_env() if env is None else env, target)


def fake_tool(bin_dir: Path, name: str, body: str) -> Path:
    """An executable `name` in `bin_dir` running the Python `body` (argv in `sys.argv`)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable}\nimport sys\n" + textwrap.dedent(body))
    path.chmod(0o755)
    return path


def with_path_first(ctx: CheckContext, bin_dir: Path) -> CheckContext:
    """Fake tools in `bin_dir` win: on PATH, and as the project's environment (whose scripts come
    first on PATH for checks that run project code), which then has none of the faked modules."""
    env = {**ctx.env, "PATH": os.pathsep.join([str(bin_dir), ctx.env["PATH"]])}
    if ctx.target is None:
        return dataclasses.replace(ctx, env=env)
    return dataclasses.replace(ctx, env=env, target=project_in(ctx.target, bin_dir))


def project_in(target: TargetEnvironment, bin_dir: Path) -> TargetEnvironment:
    """`target` with its scripts folder moved to `bin_dir` (this interpreter, run by a wrapper
    there), so only what `bin_dir` holds is found first on PATH; modules faked there are not its."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    python = bin_dir / "project-python"
    if not python.exists():
        python.write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
        python.chmod(0o755)
    faked = {entry.name for entry in bin_dir.iterdir()}
    return dataclasses.replace(
        target,
        python=python,
        modules=frozenset(target.modules - faked),
        versions={name: version for name, version in target.versions.items() if name not in faked},
    )


def without_tools(ctx: CheckContext, empty_dir: Path) -> CheckContext:
    empty_dir.mkdir(parents=True, exist_ok=True)
    return dataclasses.replace(ctx, env={**ctx.env, "PATH": str(empty_dir)})
