"""Build a project's environment with uv, in a cache keyed by what it is made of.

Nothing is written into the project: the virtualenv, exported pins and uv's own project
environment live under the cache folder, and the project itself is built from a copy (setuptools
writes `*.egg-info` into the tree it builds), whose editable hooks are then pointed back at the
project, so its tests import the repository's own source. An environment counts only once its
marker file is written (last), so a provisioning killed halfway is rebuilt, never reused half-made.
A file lock keeps two runs from building the same environment at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.proc import first_error_line
from cimaturity.targetenv.interpreters import Interpreter
from cimaturity.targetenv.plan import InstallPlan, Source
from cimaturity.workcopy import WorkingCopyError, copy_project

FORMAT = 1  # bump when the layout of a cached environment changes
MARKER = "cimaturity-env.json"
# What every test run needs even where the project's manifests forget it (tox/nox install them).
TEST_TOOLS = ("pytest", "coverage")


class ProvisionError(Exception):
    """uv could not build the environment; the message quotes uv's own error line."""


def uv_executable(environ: Mapping[str, str]) -> str | None:
    """uv beside cimaturity's interpreter (installed with it), else on PATH."""
    return shutil.which(
        "uv", path=os.pathsep.join([str(Path(sys.executable).parent), environ.get("PATH", "")])
    )


def cache_root(environ: Mapping[str, str]) -> Path:
    if environ.get("CIMATURITY_CACHE_DIR"):
        return Path(environ["CIMATURITY_CACHE_DIR"])
    base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cimaturity" / "envs"


def environment_key(plan: InstallPlan, interpreter: Interpreter, project: Path) -> str:
    digest = hashlib.sha256()
    digest.update(f"{FORMAT}\0{interpreter.version}\0{interpreter.path}\0{project}\0".encode())
    digest.update(plan.described.encode())
    # What is installed, as planned from those files: a change in how cimaturity reads them (tox's
    # factor-conditional deps) is a new environment too, not a stale one re-used.
    digest.update("\0".join((*plan.pinned, *plan.extra_requirements)).encode())
    for path in sorted(plan.inputs):
        digest.update(str(path).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:20]


def python_in(venv: Path) -> Path:
    return venv / "bin" / "python"


def ready(venv_home: Path) -> bool:
    return (venv_home / MARKER).is_file() and python_in(venv_home / "venv").is_file()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def provision(
    plan: InstallPlan,
    interpreter: Interpreter,
    project: Path,
    *,
    uv: str,
    environ: Mapping[str, str],
    say: Callable[[str], None],
    timeout_s: float = 1200.0,
) -> tuple[Path, bool]:
    """The environment's interpreter, and whether it was re-used from the cache."""
    home = cache_root(environ) / environment_key(plan, interpreter, project)
    with _locked(home.parent / f"{home.name}.lock"):
        if ready(home):
            return python_in(home / "venv"), True
        if home.exists():
            shutil.rmtree(home)  # a half-built environment from a killed run
        home.mkdir(parents=True)
        venv = home / "venv"
        env = _uv_environment(environ, venv)
        deadline = time.monotonic() + timeout_s
        source = _build_root(plan, project)
        say(f"copying {source.name}/ to build it there (the project is never written to)")
        copy = home / "source"
        try:
            copy_project(source, copy, environ)  # with git: a version from its tags (hatch-vcs) builds
        except WorkingCopyError as error:
            raise ProvisionError(str(error)) from None
        project_copy = copy / project.relative_to(source)
        for label, argv in _steps(
            _rebased(plan, project, project_copy), interpreter, project_copy, venv, home, uv
        ):
            say(label)
            _run(argv, project_copy, env, deadline, home / "provision.log")
        _repoint(venv, copy, source)
        shutil.rmtree(copy)
        record = {"format": FORMAT, "plan": plan.described, "python": str(interpreter.version)}
        write_text_atomic(home / MARKER, json.dumps(record, indent=2) + "\n")
        return python_in(venv), False


def _build_root(plan: InstallPlan, project: Path) -> Path:
    """The folder to copy: the uv workspace holding the lock, else the project folder."""
    lock = next((path for path in plan.inputs if path.name == "uv.lock"), None)
    return lock.parent if lock is not None and project.is_relative_to(lock.parent) else project


def _rebased(plan: InstallPlan, project: Path, copy: Path) -> InstallPlan:
    """The plan with every path into the project pointing into its copy instead."""

    def moved(line: str) -> str:
        return line.replace(str(project), str(copy))

    return dataclasses.replace(
        plan,
        uv_project=copy if plan.uv_project is not None else None,
        requirement_files=tuple(copy / path.relative_to(project) for path in plan.requirement_files),
        pinned=tuple(moved(line) for line in plan.pinned),
        extra_requirements=tuple(moved(line) for line in plan.extra_requirements),
    )


def _repoint(venv: Path, copy: Path, source: Path) -> None:
    """Editable installs name the folder they were built from: make that the project's own."""
    for site in venv.glob("lib/python*/site-packages"):
        hooks = [
            *site.glob("*.pth"),
            *site.glob("__editable__*"),
            *site.glob("*.egg-link"),
            *site.glob("*.dist-info/direct_url.json"),
        ]
        for hook in hooks:
            if hook.is_file():
                text = hook.read_text(encoding="utf-8", errors="surrogateescape")
                if str(copy) in text:
                    hook.write_text(
                        text.replace(str(copy), str(source)), encoding="utf-8", errors="surrogateescape"
                    )


def _uv_environment(environ: Mapping[str, str], venv: Path) -> dict[str, str]:
    env = {k: v for k, v in environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    env.update(
        UV_PYTHON_DOWNLOADS="never",  # a download would fail offline, slowly; say what is missing
        UV_PROJECT_ENVIRONMENT=str(venv),  # `uv sync` must not create the project's .venv
        VIRTUAL_ENV=str(venv),  # `uv pip` installs here
        UV_NO_PROGRESS="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _steps(
    plan: InstallPlan, interpreter: Interpreter, project: Path, venv: Path, home: Path, uv: str
) -> list[tuple[str, Sequence[str]]]:
    python = str(python_in(venv))
    create = [uv, "venv", "-q", "--python", str(interpreter.path), str(venv)]
    steps: list[tuple[str, Sequence[str]]] = [(f"creating a Python {interpreter.version} virtualenv", create)]
    pip = [uv, "pip", "install", "-q", "--python", python]
    if Source.UV_LOCK in plan.sources and plan.uv_project is not None:
        groups = [part for group in plan.groups for part in ("--group", group)]
        sync = [uv, "sync", "-q", "--frozen", "--project", str(plan.uv_project), "--python", python]
        steps.append(("uv sync --frozen from uv.lock", [*sync, *groups]))
    else:
        pinned = [*plan.pinned, *plan.extra_requirements]
        if pinned:
            exported = home / "requirements.txt"
            exported.write_text("\n".join(pinned) + "\n", encoding="utf-8")
            steps.append((f"installing {len(pinned)} pinned requirement(s)", [*pip, "-r", str(exported)]))
        if plan.requirement_files:
            files = [part for path in plan.requirement_files for part in ("-r", str(path))]
            names = ", ".join(path.relative_to(project).as_posix() for path in plan.requirement_files)
            steps.append((f"installing {names}", [*pip, *files]))
        if plan.editable:
            target = f"{project}[{','.join(plan.extras)}]" if plan.extras else str(project)
            no_deps = [] if plan.project_deps else ["--no-deps"]
            steps.append(("installing the project (editable)", [*pip, *no_deps, "-e", target]))
        if plan.groups:
            groups = [part for group in plan.groups for part in ("--group", group)]
            label = f"installing groups {', '.join(plan.groups)}"
            steps.append((label, [*pip, "--project", str(project), *groups]))
    if plan.typecheck_requirements:
        label = "installing the pre-commit mypy hook's additional_dependencies"
        steps.append((label, [*pip, *plan.typecheck_requirements]))
    steps.append(("adding pytest and coverage where missing", [*pip, *TEST_TOOLS]))
    return steps


def _run(argv: Sequence[str], cwd: Path, env: Mapping[str, str], deadline: float, log: Path) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ProvisionError("provisioning timed out")
    try:
        result = subprocess.run(
            list(argv), cwd=cwd, env=dict(env), capture_output=True, text=True, timeout=remaining, check=False
        )
    except subprocess.TimeoutExpired:
        raise ProvisionError(f"provisioning timed out during: {' '.join(argv[:3])}") from None
    except OSError as exc:
        raise ProvisionError(f"could not start {argv[0]}: {exc}") from None
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}[exit {result.returncode}]\n")
    if result.returncode != 0:
        command = " ".join(["uv", *argv[1:3]])
        raise ProvisionError(f"`{command}` failed: {first_error_line(result.stderr or result.stdout)}")
