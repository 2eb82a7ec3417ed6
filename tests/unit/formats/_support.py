"""Shared by the format reader tests: run a real tool, and assert a refusal's message."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cimaturity.model import ArtifactError

BIN = Path(sys.executable).parent


def run_tool(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    """A real tool from the venv, without this pytest's coverage or plugins leaking into it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_", "COVERAGE_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in ok, f"{argv[0]} exited {done.returncode}: {done.stderr[-800:]}"
    return done


def refused(read: Callable[[Path], object], path: Path, message: str) -> str:
    """`read(path)` raises one ArtifactError line naming the file, containing `message`."""
    with pytest.raises(ArtifactError) as caught:
        read(path)
    text = str(caught.value)
    assert text.startswith(f"{path}: "), text
    assert "\n" not in text and "Traceback" not in text
    assert re.search(message, text), f"{message!r} not in {text!r}"
    return text
