"""Opt-in: tests marked `realworld` are deselected unless `-m` selects them by name.

They copy four cloned repositories and run the whole `invoke ci` on each (minutes, not seconds),
so the default test run never runs them: `pytest -m realworld tests/realworld` does.
"""

from __future__ import annotations

import re

import pytest

MARKER = "realworld"


def opted_in(markexpr: str) -> bool:
    """True when a `-m` expression names the marker without negating it."""
    return bool(re.search(rf"\b{MARKER}\b", markexpr)) and not re.search(rf"\bnot\s+{MARKER}\b", markexpr)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if opted_in(str(config.getoption("markexpr", default="") or "")):
        return
    deselected = [item for item in items if item.get_closest_marker(MARKER) is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item.get_closest_marker(MARKER) is None]
