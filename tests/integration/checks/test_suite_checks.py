"""Service-stage pytest suites (the integration check) on throwaway projects."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from cimaturity.checks.suites import INTEGRATION
from cimaturity.model import Status
from cimaturity.runner import execute
from cimaturity.tools.with_server import free_port
from tests.unit.checks._fast_fixtures import make_context

# These run the checks against the real PostgreSQL (and Redis) servers.
pytestmark = pytest.mark.integration

BROKEN = "def test_ok():\n    pass\n\ndef test_broken():\n    assert 1 == 2\n"
PYPROJECT = {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n', "pkg/__init__.py": ""}


def _run(root: Path, tests: dict[str, str]) -> tuple[Status, str, dict[str, float]]:
    ctx = make_context(root, INTEGRATION, {**PYPROJECT, **tests})
    result = execute(INTEGRATION, ctx)
    return result.status, result.reason, dict(result.metrics)


def test_passing_suite_passes_with_its_count(tmp_path: Path) -> None:
    status, reason, metrics = _run(
        tmp_path,
        {"tests/integration/test_db.py": "def test_a():\n    pass\n\ndef test_b():\n    pass\n"},
    )
    assert status is Status.PASSED, reason
    assert reason == "2 integration tests passed in tests/integration"
    assert metrics["tests"] == 2


def test_failing_test_fails_and_is_named(tmp_path: Path) -> None:
    status, reason, metrics = _run(
        tmp_path,
        {"tests/integration/test_db.py": BROKEN},
    )
    assert status is Status.FAILED
    assert "1 of 2 integration test(s) failed" in reason and "test_broken" in reason
    assert metrics["failures"] == 1


def test_only_skipped_tests_is_error(tmp_path: Path) -> None:
    body = "import pytest\n\n@pytest.mark.skip(reason='no db')\ndef test_db():\n    pass\n"
    status, reason, _ = _run(tmp_path, {"tests/integration/test_db.py": body})
    assert status is Status.ERROR
    assert "every integration test was skipped" in reason


def test_empty_suite_is_error(tmp_path: Path) -> None:
    status, reason, _ = _run(tmp_path, {"tests/integration/helpers.py": "X = 1\n"})
    assert status is Status.ERROR
    assert reason.startswith("no tests ran (pytest exit 5)")


def test_no_suite_folder_is_not_applicable(tmp_path: Path) -> None:
    status, reason, _ = _run(tmp_path, {"tests/unit/test_x.py": "def test_x():\n    pass\n"})
    assert status is Status.SKIPPED
    assert reason == "not applicable: no integration suite (tests/integration not found)"


def test_configured_folder_is_used(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n'
        '[tool.cimaturity.suite_paths]\nintegration = ["it"]\n',
        "pkg/__init__.py": "",
        "it/test_db.py": "def test_a():\n    pass\n",
    }
    ctx = make_context(tmp_path, INTEGRATION, files)
    result = execute(INTEGRATION, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason.endswith("in it")


def test_unreachable_database_is_error_and_runs_nothing(tmp_path: Path) -> None:
    port = free_port()  # bound, read and closed: nobody listens there
    files = {**PYPROJECT, "tests/integration/test_db.py": "def test_a():\n    pass\n"}
    ctx = make_context(tmp_path, INTEGRATION, files)
    config = dataclasses.replace(ctx.config, database_url=f"postgresql://127.0.0.1:{port}/x")
    result = execute(INTEGRATION, dataclasses.replace(ctx, config=config))
    assert result.status is Status.ERROR
    assert result.reason.startswith(f"needs postgres at 127.0.0.1:{port}")
    assert not (ctx.artifact_dir / "junit.xml").exists()
