"""Fake tools for the fault matrix: what a fake does (`Fake`), and writing it as an executable.

A fake is a small Python script (`fake_program.py` behind a generated `SPEC`) placed in a
folder that comes first on PATH, so the runner finds it where it would find the real tool. A
fake interpreter (`python`) answers `python -m MODULE` per module: it stands for the project's
own environment (pytest, uvicorn, alembic) of the checks that run project code.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROGRAM = Path(__file__).with_name("fake_program.py")


@dataclass(frozen=True)
class Fake:
    """One behaviour of a fake tool. `writes` maps an artifact name (in the check's artifact
    folder) to its content; `program` is `serve` or `alembic` (see fake_program.py)."""

    exit: int = 0
    output: str = ""
    stderr: str = ""  # printed to stderr after `output` (a log beside a report on stdout)
    writes: Mapping[str, str] = field(default_factory=dict)
    sleep_s: float = 0.0
    signal: int = 0
    program: str | None = None
    mode: str = "ok"
    missing: bool = False  # a module of a fake interpreter that is not installed

    def describe(self) -> str:
        """What the fake does, for the matrix table (README) and failure messages."""
        if self.missing:
            return "not installed"
        parts = [f"writes {', '.join(self.writes)}"] if self.writes else []
        if self.program:
            parts.append(f"{self.program} ({self.mode})")
        if self.signal:
            parts.append(f"killed by {signal.Signals(self.signal).name}")
        elif self.sleep_s:
            parts.append(f"sleeps {self.sleep_s:g} s")
        else:
            parts.append(f"exit {self.exit}")
        return ", ".join(parts)


def crash(code: int = 2, output: str = "error: the tool crashed (fault injected)") -> Fake:
    return Fake(exit=code, output=output)


def killed(sig: int = signal.SIGKILL) -> Fake:
    return Fake(signal=sig, output="starting...")


HANG = Fake(sleep_s=30.0, output="working...")
MISSING = Fake(missing=True)


@dataclass(frozen=True)
class Tool:
    """A fake executable: its `--version` line, its default behaviour, and (for a fake
    interpreter) the behaviour of `python -m MODULE` for each installed module."""

    version: str
    default: Fake = Fake()
    modules: Mapping[str, Fake] = field(default_factory=dict)


def _behaviour(fake: Fake, artifact_dir: Path, state: Path) -> dict[str, Any]:
    return {
        "exit": fake.exit,
        "output": fake.output,
        "stderr": fake.stderr,
        "writes": {str(artifact_dir / name): text for name, text in fake.writes.items()},
        "sleep": fake.sleep_s,
        "signal": int(fake.signal),
        "program": fake.program,
        "mode": fake.mode,
        "state": str(state),
        "missing": fake.missing,
    }


def install(bin_dir: Path, name: str, tool: Tool, artifact_dir: Path) -> Path:
    """Write `name` into `bin_dir` as an executable behaving as `tool` says."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    state = bin_dir.parent / f"{name}.state"
    spec = {
        "version": tool.version,
        "default": _behaviour(tool.default, artifact_dir, state),
        "modules": {module: _behaviour(fake, artifact_dir, state) for module, fake in tool.modules.items()},
    }
    body = PROGRAM.read_text().replace("SPEC: dict[str, Any] = {}", f"SPEC: dict[str, Any] = {spec!r}", 1)
    path = bin_dir / name
    path.write_text(f"#!{sys.executable} -S\n{body}")
    path.chmod(0o755)
    return path


def spec_json(tool: Tool) -> str:
    """The tool as JSON, for debugging a case (`pytest --showlocals`)."""
    return json.dumps({"version": tool.version, "default": tool.default.describe()})
