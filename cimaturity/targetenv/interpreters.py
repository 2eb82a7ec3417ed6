"""Python interpreters installed on this machine, and the one a project asks for.

uv cannot be left to find them: it stops at pyenv's shims (which fail for any version that is
not the global one) and it must never download one. So we look in the usual places ourselves
and hand uv an explicit path.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

_NAME = re.compile(r"^python3(\.\d+)?$")


class InterpreterError(Exception):
    """No installed interpreter satisfies what the project requires; the message says both."""


@dataclass(frozen=True)
class Interpreter:
    path: Path
    version: Version

    @property
    def minor(self) -> str:
        return f"{self.version.major}.{self.version.minor}"


def _candidates(environ: Mapping[str, str]) -> Iterable[Path]:
    yield Path(sys.executable)
    pyenv_root = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    yield from sorted((pyenv_root / "versions").glob("*/bin/python3"))
    for folder in environ.get("PATH", os.defpath).split(os.pathsep):
        if not folder or "shims" in Path(folder).parts:  # pyenv shims answer for one version only
            continue
        try:
            names = sorted(entry.name for entry in Path(folder).iterdir() if _NAME.match(entry.name))
        except OSError:
            continue
        yield from (Path(folder) / name for name in names)


def _version_of(path: Path) -> Version | None:
    try:
        result = subprocess.run(
            [str(path), "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        return Version(result.stdout.strip()) if result.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, InvalidVersion):
        return None


def installed(environ: Mapping[str, str] | None = None) -> tuple[Interpreter, ...]:
    """Every distinct working CPython 3 found (by resolved path), newest first."""
    seen: set[Path] = set()
    found: list[Interpreter] = []
    for candidate in _candidates(os.environ if environ is None else environ):
        try:
            resolved = candidate.resolve(strict=True)
        except OSError:
            continue
        if resolved in seen:
            continue
        seen.add(resolved)
        version = _version_of(candidate)
        if version is not None and version.major == 3:
            found.append(Interpreter(candidate, version))
    return tuple(sorted(found, key=lambda item: item.version, reverse=True))


def choose(
    available: Iterable[Interpreter], requires_python: str | None, pinned: str | None = None
) -> Interpreter:
    """The interpreter for a project: its `.python-version` pin when installed and allowed, else
    the newest that satisfies `requires-python` (every one when the project says nothing)."""
    options = tuple(available)
    try:
        allowed = SpecifierSet(requires_python or "")
    except InvalidSpecifier:
        raise InterpreterError(f"requires-python {requires_python!r} is not a version specifier") from None
    fitting = [item for item in options if allowed.contains(item.version, prereleases=True)]
    if pinned:
        pinned_match = [item for item in fitting if str(item.version).startswith(pinned.strip())]
        if pinned_match:
            return pinned_match[0]
    if fitting:
        return fitting[0]
    have = ", ".join(sorted({item.minor for item in options}, key=Version)) or "none"
    wanted = f"requires-python {requires_python}" if requires_python else "a Python 3 interpreter"
    pin = f" (.python-version {pinned})" if pinned else ""
    raise InterpreterError(f"the project needs {wanted}{pin}; installed here: {have}")
