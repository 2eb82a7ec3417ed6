"""Shared by every suite: Playwright drives the system Chromium (its own download is offline here)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import CHROMIUM_ARGS, chromium_executable


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright has no CLI option for the browser binary: point it at the system one."""
    return {**browser_type_launch_args, "executable_path": chromium_executable(), "args": CHROMIUM_ARGS}
