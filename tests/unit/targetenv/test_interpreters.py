"""Choosing the project's interpreter: its pin, else the newest that its requires-python allows."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.version import Version

from cimaturity.targetenv.interpreters import Interpreter, InterpreterError, choose, installed

AVAILABLE = tuple(
    Interpreter(Path(f"/opt/python{version}/bin/python3"), Version(version))
    for version in ("3.13.0", "3.12.1", "3.11.7", "3.10.13")
)


@pytest.mark.parametrize(
    ("requires", "pin", "chosen"),
    [
        (None, None, "3.13.0"),
        (">=3.10,<3.12", None, "3.11.7"),
        (">=3.10", "3.10", "3.10.13"),
        (">=3.12", "3.10", "3.13.0"),  # a pin requires-python forbids does not win
        ("~=3.12.0", None, "3.12.1"),
    ],
)
def test_choice(requires: str | None, pin: str | None, chosen: str) -> None:
    assert str(choose(AVAILABLE, requires, pin).version) == chosen


def test_nothing_fits_names_what_is_needed_and_what_exists() -> None:
    with pytest.raises(InterpreterError) as caught:
        choose(AVAILABLE, ">=3.14,<4.0", "3.14")
    assert str(caught.value) == (
        "the project needs requires-python >=3.14,<4.0 (.python-version 3.14); "
        "installed here: 3.10, 3.11, 3.12, 3.13"
    )


def test_a_bad_specifier_is_a_one_line_error() -> None:
    with pytest.raises(InterpreterError, match="requires-python 'three' is not a version specifier"):
        choose(AVAILABLE, "three")


def test_installed_finds_this_interpreter_and_skips_pyenv_shims(tmp_path: Path) -> None:
    shims = tmp_path / "shims"
    shims.mkdir()
    broken = shims / "python3.10"
    broken.write_text("#!/bin/sh\nexit 127\n")
    broken.chmod(0o755)
    found = installed({"PATH": str(shims), "PYENV_ROOT": str(tmp_path / "no-pyenv")})
    assert any(item.path == Path(sys.executable) for item in found)
    assert all("shims" not in item.path.parts for item in found)
    assert [item.version for item in found] == sorted((item.version for item in found), reverse=True)
