"""The lint check on throwaway projects: clean passes, violations fail, broken evidence errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cimaturity.checks.lint import LINT, SARIF, _ruff_problems
from cimaturity.config import load_config
from cimaturity.model import ArtifactError, CheckContext, Status
from cimaturity.runner import execute, tool_environment

RUFF_AND_FORMAT = "[tool.ruff]\nline-length = 100\n[tool.ruff.format]\n"


def make_project(root: Path, source: str, config: str = RUFF_AND_FORMAT) -> CheckContext:
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(source)
    (root / "pyproject.toml").write_text('[tool.cimaturity]\nsource_paths = ["pkg"]\n' + config)
    return CheckContext(load_config(root), root / "reports" / "artifacts" / "lint", tool_environment())


def test_clean_project_passes(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, 'def greet(name: str) -> str:\n    return f"hi {name}"\n')
    result = execute(LINT, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["violations"] == 0
    assert result.tool_version is not None and result.tool_version.startswith("ruff")


def test_violation_fails_and_names_rule(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "import os\n")  # F401: unused import
    result = execute(LINT, ctx)
    assert result.status is Status.FAILED
    assert "F401" in result.reason
    assert result.metrics["violations"] == 1


def test_unformatted_file_fails(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = {  'a':1 }\n")
    result = execute(LINT, ctx)
    assert result.status is Status.FAILED
    assert "need formatting" in result.reason
    assert "mod.py" in result.reason


def test_without_a_configured_formatter_formatting_is_not_imposed(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = {  'a':1 }\n", config="[tool.ruff]\n")
    result = execute(LINT, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason == (
        "no violations, formatting clean: ruff (pyproject.toml [tool.ruff]); "
        "no formatter configured, formatting not checked"
    )


def test_nothing_configured_says_ruff_baseline_was_used(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "import os\n", config="")
    result = execute(LINT, ctx)
    assert result.status is Status.FAILED
    assert result.reason.startswith("1 violation(s), first: pkg/mod.py: F401")
    assert "[ruff baseline E4,E7,E9,F (no linter configured); no formatter configured" in result.reason


def test_nothing_configured_judges_by_the_baseline_not_the_installed_ruff_defaults(tmp_path: Path) -> None:
    """Rules outside the baseline (pyupgrade's PEP 604 rewrite, isort's order, bare `except
    Exception`) are not imposed on a project that chose no linter, whatever ruff's defaults are;
    the baseline's own rules still count."""
    source = (
        "from typing import Optional\nimport sys\n\n\n"
        "def f(x: Optional[int]) -> None:\n"
        "    try:\n        print(x, sys.argv)\n    except Exception:\n        pass\n"
    )
    (tmp_path / "clean").mkdir()
    (tmp_path / "dirty").mkdir()
    clean = make_project(tmp_path / "clean", source, config="")
    assert execute(LINT, clean).status is Status.PASSED
    dirty = make_project(tmp_path / "dirty", source + "\n\nif x == None:\n    pass\n", config="")
    result = execute(LINT, dirty)
    assert result.status is Status.FAILED
    assert sorted(problem.split(": ")[-1] for problem in _ruff_problems(dirty, None)) == ["E711", "F821"]


def test_a_project_that_asks_ruff_to_fix_is_never_modified(tmp_path: Path) -> None:
    """`fix = true` in the project's config: the check reports the violation and changes nothing."""
    ctx = make_project(tmp_path, "import os\n", config="[tool.ruff]\nfix = true\n")
    before = (tmp_path / "pkg" / "mod.py").read_text()
    result = execute(LINT, ctx)
    assert result.status is Status.FAILED
    assert "F401" in result.reason
    assert (tmp_path / "pkg" / "mod.py").read_text() == before == "import os\n"
    assert not (tmp_path / ".ruff_cache").exists()


def test_missing_ruff_is_error(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = 1\n")
    no_tools = CheckContext(ctx.config, ctx.artifact_dir, {**ctx.env, "PATH": str(tmp_path / "empty")})
    result = execute(LINT, no_tools)
    assert result.status is Status.ERROR
    assert result.reason == "tool not found on PATH: ruff"


def test_crashing_ruff_is_error(tmp_path: Path) -> None:
    """A ruff that exits 2 (its crash code) is an error, even though nothing was reported."""
    ctx = make_project(tmp_path, "x = 1\n")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake = fake_bin / "ruff"
    fake.write_text(f"#!{sys.executable}\nimport sys\nprint('ruff: panic')\nsys.exit(2)\n")
    fake.chmod(0o755)
    env = {**ctx.env, "PATH": os.pathsep.join([str(fake_bin), ctx.env["PATH"]])}
    result = execute(LINT, CheckContext(ctx.config, ctx.artifact_dir, env))
    assert result.status is Status.ERROR
    assert "exit 2" in result.reason and "ruff: panic" in result.reason


@pytest.mark.parametrize(
    "content",
    ['{"version": "2.1.0", "runs": [', "", '{"testsuites": []}', '{"version": "2.0.0", "runs": []}'],
    ids=["truncated", "empty", "foreign", "old-version"],
)
def test_gate_refuses_bad_sarif(tmp_path: Path, content: str) -> None:
    ctx = make_project(tmp_path, "x = 1\n")
    ctx.artifact_dir.mkdir(parents=True)
    ctx.artifact(SARIF).write_text(content)
    with pytest.raises(ArtifactError, match=r"ruff\.sarif"):
        LINT.gate(ctx, [])


def test_sarif_from_another_tool_is_refused(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = 1\n")
    ctx.artifact_dir.mkdir(parents=True)
    ctx.artifact(SARIF).write_text(
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Bandit"}}, "results": []}]}'
    )
    with pytest.raises(ArtifactError, match="Bandit"):
        LINT.gate(ctx, [])


def test_a_configured_linter_this_check_cannot_run_is_named_not_hidden(tmp_path: Path) -> None:
    """Only pylint configured: ruff's baseline judges, and the reason says pylint was not run."""
    ctx = make_project(tmp_path, "x = 1\n", config="")
    (tmp_path / ".pylintrc").write_text("[MAIN]\n")
    result = execute(LINT, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason == (
        "no violations, formatting clean: ruff baseline E4,E7,E9,F (no linter configured); pylint "
        "(.pylintrc) is "
        "configured but not run; no formatter configured, formatting not checked"
    )


def test_an_unreadable_pre_commit_config_is_an_error_not_ruff_defaults(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = 1\n", config="")
    (tmp_path / ".pre-commit-config.yaml").write_text("repos: [\n")
    result = execute(LINT, ctx)
    assert result.status is Status.ERROR
    assert result.reason.startswith(".pre-commit-config.yaml: not readable (")


def _ci_runs_script(root: Path, script: str) -> None:
    (root / ".github" / "workflows").mkdir(parents=True)
    (root / ".github" / "workflows" / "ci.yml").write_text(
        "on: [push]\njobs:\n  check:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n      - run: scripts/check\n"
    )
    (root / "scripts").mkdir()
    (root / "scripts" / "check").write_text(script)


def test_a_formatter_the_ci_runs_is_checked_without_a_config_section(tmp_path: Path) -> None:
    """httpx: no [tool.ruff.format], but `scripts/check` (run by its workflow) runs ruff format."""
    ctx = make_project(tmp_path, "x = {  'a':1 }\n", config="[tool.ruff]\n")
    _ci_runs_script(tmp_path, "#!/bin/sh -e\nruff format pkg --diff\nruff check pkg\n")
    result = execute(LINT, ctx)
    assert result.status is Status.FAILED, result.reason
    assert "1 file(s) need formatting, first: pkg/mod.py" in result.reason
    assert "ruff-format (run by CI: scripts/check:2)" in result.reason


def test_a_ci_script_that_only_lints_adds_no_formatter(tmp_path: Path) -> None:
    ctx = make_project(tmp_path, "x = {  'a':1 }\n", config="[tool.ruff]\n")
    _ci_runs_script(tmp_path, "#!/bin/sh -e\nruff check pkg\n")
    result = execute(LINT, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason.endswith("no formatter configured, formatting not checked")


def test_the_ruff_the_project_pins_is_the_one_run(tmp_path: Path) -> None:
    """A newer ruff judges differently (0.17 formats Markdown's Python blocks; httpx pins 0.12.11)."""
    ctx = make_project(tmp_path, "x = 1\n")
    (tmp_path / "requirements.txt").write_text("-e .\nruff==0.12.11  # tooling\n")
    commands = LINT.commands(ctx)
    assert [command.argv[:7] for command in commands] == [
        ("uv", "tool", "run", "--python", sys.executable, "--from", "ruff==0.12.11")
    ] * 2
    assert [command.argv[7:9] for command in commands] == [("ruff", "check"), ("ruff", "format")]
