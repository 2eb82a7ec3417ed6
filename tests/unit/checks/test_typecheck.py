"""The typecheck check on throwaway projects: real mypy for pass/fail/crash, fake mypy for bad evidence."""

from __future__ import annotations

import dataclasses
import sys
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

from cimaturity.checks.typecheck import JUNIT, TYPECHECK
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute
from cimaturity.targetenv import probe
from tests.unit.checks._fast_fixtures import (
    fake_tool,
    make_context,
    quiet_env,
    with_path_first,
    without_tools,
)

PYPROJECT = '[tool.cimaturity]\nsource_paths = ["pkg"]\n'
CLEAN = {
    "pyproject.toml": PYPROJECT,
    "pkg/__init__.py": "",
    "pkg/mod.py": """\
        def double(x: int) -> int:
            return x * 2


        LEGACY: int = "not an int"  # type: ignore[assignment]
        """,
}


Maker = Callable[..., CheckContext]


@pytest.fixture(scope="session")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache per test process: typeshed is analysed once, not once per test (~2 s each)."""
    return tmp_path_factory.mktemp("mypy-cache")


@pytest.fixture
def project(tmp_path: Path, mypy_cache: Path) -> Maker:
    def make(**overrides: str) -> CheckContext:
        env = quiet_env({"MYPY_CACHE_DIR": str(mypy_cache)})
        return make_context(tmp_path, TYPECHECK, {**CLEAN, **overrides}, env)

    return make


def test_clean_project_passes_and_counts_type_ignores(project: Maker) -> None:
    result = execute(TYPECHECK, project())
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["errors"] == 0
    assert result.metrics["files_checked"] == 2
    assert result.metrics["suppressions"] == 1  # the one `# type: ignore[assignment]`
    assert result.tool_version is not None and result.tool_version.startswith("mypy")
    assert result.artifacts == ("artifacts/typecheck/mypy.xml",)


def test_strictness_is_the_projects_choice(project: Maker) -> None:
    """`strict = true` in the project's config: untyped defs count too (3 errors, not 2)."""
    ctx = project(
        **{
            "pyproject.toml": PYPROJECT + "[tool.mypy]\nstrict = true\n",
            "pkg/bad.py": 'def f() -> int:\n    return "a"\n\n\ndef g(x):\n    return x\n',
            "pkg/worse.py": "y: str = 1\n",
        },
    )
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.FAILED, result.reason
    assert result.metrics["errors"] == 3  # return-value, no-untyped-def, assignment
    assert "3 error(s) in 2 file(s) by mypy (pyproject.toml [tool.mypy], strict)" in result.reason


def test_type_errors_fail_with_count_and_location(project: Maker) -> None:
    """The project's own mypy config is lax: mypy runs as configured (no-untyped-def not counted)."""
    ctx = project(
        **{
            "pyproject.toml": PYPROJECT + "[tool.mypy]\nstrict = false\n",
            "pkg/bad.py": 'def f() -> int:\n    return "a"\n\n\ndef g(x):\n    return x\n',
            "pkg/worse.py": "y: str = 1\n",
        },
    )
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.FAILED, result.reason
    assert result.metrics["errors"] == 2  # return-value, assignment
    assert result.metrics["files_with_errors"] == 2
    assert "2 error(s) in 2 file(s) by mypy (pyproject.toml [tool.mypy])," in result.reason
    assert "pkg/bad.py:2: error: Incompatible return value type" in result.reason


def test_mypy_crash_on_invalid_config_is_error(project: Maker) -> None:
    """A plugin mypy cannot import makes it exit 2: a crash, never a pass."""
    ctx = project(**{"mypy.ini": "[mypy]\nplugins = no_such_plugin_module\n"})
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.ERROR
    assert "exit 2" in result.reason


def test_missing_mypy_is_error(tmp_path: Path, project: Maker) -> None:
    """Neither the project's environment (a bare virtualenv) nor PATH has mypy: error, not pass."""
    venv.create(tmp_path / "bare", with_pip=False)
    bare = probe(tmp_path / "bare" / "bin" / "python", "a bare virtualenv")
    assert not bare.has("mypy")
    ctx = dataclasses.replace(without_tools(project(), tmp_path / "empty"), target=bare)
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.ERROR
    assert result.reason == "tool not found on PATH: mypy"


def test_the_projects_own_mypy_runs_when_it_has_one(project: Maker) -> None:
    """Our own interpreter, as the project's environment, has mypy: `python -m mypy` runs it."""
    ctx = project()
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.PASSED, result.reason
    log = (ctx.artifact_dir / "log.txt").read_text()
    assert f"$ {sys.executable} -m mypy --junit-xml" in log


def test_no_python_source_is_not_applicable(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, TYPECHECK, {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["sh"]\n'})
    (tmp_path / "sh").mkdir()
    (tmp_path / "sh" / "run.sh").write_text("echo hi\n")
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.SKIPPED
    assert result.reason.startswith("not applicable")


# A fake mypy that writes `xml` to its --junit-xml path and prints `summary`, exiting `code`.
FAKE_MYPY = """\
    out = sys.argv[sys.argv.index("--junit-xml") + 1]
    with open(out, "w") as handle:
        handle.write({xml!r})
    print({summary!r})
    sys.exit({code})
    """
ONE_ERROR_XML = (
    '<testsuite errors="0" failures="1" name="mypy" skips="0" tests="1">'
    '<testcase classname="mypy" file="pkg/mod.py" line="1" name="mypy-py3_11-linux pkg/mod.py">'
    '<failure message="mypy produced messages">pkg/mod.py:1: error: Boom  [misc]</failure>'
    "</testcase></testsuite>"
)


def run_with_fake(tmp_path: Path, project: Maker, xml: str, summary: str, code: int) -> tuple[Status, str]:
    ctx = project()
    fake_tool(tmp_path / "bin", "mypy", FAKE_MYPY.format(xml=xml, summary=summary, code=code))
    result = execute(TYPECHECK, with_path_first(ctx, tmp_path / "bin"))
    return result.status, result.reason


def test_fake_mypy_sanity_one_error_fails(tmp_path: Path, project: Maker) -> None:
    """The fake itself, with consistent evidence, yields `failed`: the errors below are the evidence's."""
    status, reason = run_with_fake(
        tmp_path, project, ONE_ERROR_XML, "Found 1 error in 1 file (checked 2 source files)", 1
    )
    assert status is Status.FAILED, reason


def test_truncated_junit_is_error(tmp_path: Path, project: Maker) -> None:
    status, reason = run_with_fake(
        tmp_path, project, ONE_ERROR_XML[:90], "Found 1 error in 1 file (checked 2 source files)", 1
    )
    assert status is Status.ERROR
    assert JUNIT in reason and "not well-formed" in reason


def test_foreign_xml_is_error(tmp_path: Path, project: Maker) -> None:
    status, reason = run_with_fake(
        tmp_path, project, '<coverage version="7"/>', "Success: no issues found in 2 source files", 0
    )
    assert status is Status.ERROR
    assert "not a JUnit XML file" in reason


def test_summary_disagreeing_with_junit_is_error(tmp_path: Path, project: Maker) -> None:
    status, reason = run_with_fake(
        tmp_path, project, ONE_ERROR_XML, "Success: no issues found in 2 source files", 0
    )
    assert status is Status.ERROR
    assert "summary says 0 error(s)" in reason and "records 1" in reason


def test_missing_summary_line_is_error(tmp_path: Path, project: Maker) -> None:
    status, reason = run_with_fake(tmp_path, project, ONE_ERROR_XML, "", 1)
    assert status is Status.ERROR
    assert "no summary line" in reason


def test_exit_code_disagreeing_with_errors_is_error(tmp_path: Path, project: Maker) -> None:
    status, reason = run_with_fake(
        tmp_path, project, ONE_ERROR_XML, "Found 1 error in 1 file (checked 2 source files)", 0
    )
    assert status is Status.ERROR
    assert "exited 0 with 1 error(s)" in reason


def test_code_hidden_by_the_config_is_counted_as_suppressed(project: Maker) -> None:
    ctx = project(**{"pyproject.toml": PYPROJECT + "[tool.mypy]\nexclude = ['^pkg/legacy/']\n"})
    result = execute(TYPECHECK, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["config_suppressions"] == 1
    assert result.reason.endswith("; 1 '# type: ignore'; 1 hidden by config (exclude: ^pkg/legacy/)")
