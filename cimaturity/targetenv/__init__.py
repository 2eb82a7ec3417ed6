"""The checked project's own Python environment: checks that run its code run in it, never in ours.

Which one, in order: `--python PATH`; `[tool.cimaturity] python`; an activated virtualenv that is
not cimaturity's; the project's `.venv`; else one provisioned by uv from the project's lockfile
or manifests (`provision.py`), cached by their content so a second run re-uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cimaturity.targetenv import interpreters, plan, provision

# Modules whose presence decides how a check runs (xdist only where installed, ...), with the
# distribution that carries each (for its version).
PROBED = {
    "pytest": "pytest",
    "pytest_cov": "pytest-cov",
    "xdist": "pytest-xdist",
    "coverage": "coverage",
    "mypy": "mypy",
    "alembic": "alembic",
    "uvicorn": "uvicorn",
    "django": "Django",
}


class TargetEnvError(Exception):
    """No usable environment for the project; one line saying what is needed and what exists."""


@dataclass(frozen=True)
class TargetEnvironment:
    python: Path
    origin: str  # how it was chosen, for the run record and reasons
    version: str
    modules: frozenset[str]
    own: bool = False  # cimaturity's own environment (when checking this repository)
    versions: Mapping[str, str] = field(default_factory=dict)  # module -> its distribution's version

    @property
    def bin_dir(self) -> Path:
        return self.python.parent

    def has(self, module: str) -> bool:
        return module in self.modules

    def version_of(self, module: str) -> tuple[int, ...]:
        """(major, minor, ...) of the module's distribution; () when unknown or not installed."""
        parts: list[int] = []
        for part in self.versions.get(module, "").split("."):
            if not part.isdigit():
                break
            parts.append(int(part))
        return tuple(parts)

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with this environment's scripts first on PATH, as an activated virtualenv."""
        env = dict(base)
        env["PATH"] = os.pathsep.join([str(self.bin_dir), env.get("PATH", os.defpath)])
        if (self.bin_dir.parent / "pyvenv.cfg").is_file():
            env["VIRTUAL_ENV"] = str(self.bin_dir.parent)
        env.pop("PYTHONHOME", None)
        return env


def probe(python: Path, origin: str) -> TargetEnvironment:
    code = (
        "import importlib.metadata as md, importlib.util as u, json, sys\n"
        "def v(d):\n"
        "    try:\n"
        "        return md.version(d)\n"
        "    except md.PackageNotFoundError:\n"
        "        return ''\n"
        f"found = {{m: v(d) for m, d in {PROBED!r}.items() if u.find_spec(m)}}\n"
        "print(json.dumps([sys.version.split()[0], found]))"
    )
    try:
        result = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
        version, modules = json.loads(result.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError):
        raise TargetEnvError(f"the interpreter {origin} does not run ({python})") from None
    own = Path(sys.prefix).resolve() == python.parent.parent.resolve()
    return TargetEnvironment(python, origin, str(version), frozenset(modules), own, dict(modules))


def current() -> TargetEnvironment:
    """cimaturity's own interpreter as a project environment (for this repository and tests)."""
    return probe(Path(sys.executable), "cimaturity's own interpreter")


def _shown(path: Path, project: Path) -> str:
    """A path as a stranger's report shows it: relative to the project, or under ~."""
    for base, label in ((project, "."), (Path.home(), "~")):
        try:
            return f"{label}/{path.relative_to(base).as_posix()}"
        except ValueError:
            continue
    return str(path)


def resolve(
    project: Path,
    *,
    explicit: str | None,
    configured: str | None,
    environ: Mapping[str, str],
    say: Callable[[str], None] = lambda _message: None,
) -> TargetEnvironment:
    """The project's environment, provisioning one when it has none. Raises TargetEnvError."""
    project = project.resolve()
    for value, where in ((explicit, "--python"), (configured, "[tool.cimaturity] python")):
        if value:
            path = Path(value) if Path(value).is_absolute() else project / value
            if not path.is_file():
                raise TargetEnvError(f"{where} {value}: no such interpreter")
            return probe(path, f"{where} {value}")
    active = environ.get("VIRTUAL_ENV")
    if active and Path(active).resolve() != Path(sys.prefix).resolve():
        python = Path(active) / "bin" / "python"
        if python.is_file():
            return probe(python, f"the activated virtualenv {_shown(Path(active), project)}")
    local = project / ".venv" / "bin" / "python"
    if local.is_file():
        return probe(local, "the project's .venv")
    return _provisioned(project, environ, say)


def _provisioned(project: Path, environ: Mapping[str, str], say: Callable[[str], None]) -> TargetEnvironment:
    uv = provision.uv_executable(environ)
    if uv is None:
        raise TargetEnvError("the project has no environment and uv is not installed to provision one")
    try:
        install = plan.make_plan(project)
        available = interpreters.installed(environ)
        interpreter = interpreters.choose(available, install.requires_python, install.python_pin)
        say(f"project environment: Python {interpreter.version} from {install.described}")
        python, reused = provision.provision(install, interpreter, project, uv=uv, environ=environ, say=say)
    except (plan.PlanError, interpreters.InterpreterError, provision.ProvisionError) as exc:
        raise TargetEnvError(str(exc)) from None
    state = "re-used" if reused else "provisioned"
    # The cache key, not the cache path: a report shows no machine paths.
    return probe(
        python, f"{state} by uv from {install.described} (environment {python.parent.parent.parent.name})"
    )
