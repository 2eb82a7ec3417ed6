"""Where the system Chromium is, and how to start it here (Playwright cannot download its own)."""

from __future__ import annotations

import shutil

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_executable() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if path is None:
        pytest.fail("Chromium is not installed: run ./scripts/setup.sh (installs Debian's chromium)")
    return path
