"""The sast check (bandit SARIF) on throwaway projects: planted issues fail, bandit's silent skips error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cimaturity.checks.sast import SARIF, SAST, load_bandit
from cimaturity.model import ArtifactError, Status
from cimaturity.runner import execute
from tests.unit.checks._security_fixtures import context, new_repo, without_tool

CLEAN = """\
def add(a: int, b: int) -> int:
    return a + b
"""
SHELL_TRUE = """\
import subprocess


def run(command: str) -> int:
    return subprocess.call(command, shell=True)
"""


def test_source_paths_without_python_are_an_error_not_a_pass(tmp_path: Path) -> None:
    """bandit reports "no issues" over a folder of shell scripts: that scanned nothing."""
    root = new_repo(tmp_path / "p", {"pkg/run.sh": "echo hi\n"})
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.ERROR
    assert result.reason == "no Python file in the source paths (pkg): nothing was scanned"


def test_clean_source_passes(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": CLEAN})
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["blocking_findings"] == 0
    assert result.metrics["files_scanned"] == 2
    assert result.tool_version is not None and "bandit" in result.tool_version


def test_shell_true_fails_at_high_severity(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": SHELL_TRUE})
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.FAILED, result.reason
    assert "B602" in result.reason and "pkg/mod.py:5" in result.reason
    assert result.metrics["severity_high"] == 1
    assert result.metrics["blocking_findings"] == 1


def test_low_severity_only_passes_and_nosec_is_counted(tmp_path: Path) -> None:
    source = SHELL_TRUE.replace("shell=True)", "shell=True)  # nosec B602")
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": source})
    result = execute(SAST, context(root, SAST))
    # B404 (import subprocess) stays, at LOW: below the gate; the suppressed B602 is counted.
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["severity_low"] == 1
    assert result.metrics["suppressions_nosec"] == 1


def test_unparseable_file_is_an_error_not_a_pass(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "", "pkg/mod.py": CLEAN, "pkg/broken.py": "def broken(:\n    pass\n"}
    root = new_repo(tmp_path / "p", files)
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.ERROR
    assert "pkg/broken.py" in result.reason and "syntax error" in result.reason


def test_missing_source_paths_are_skipped_with_reason(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"other.txt": "x\n"})
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.SKIPPED
    assert "pkg" in result.reason


def test_bandit_missing_from_path_is_an_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": CLEAN})
    ctx = without_tool(context(root, SAST), "bandit", tmp_path / "bin")
    result = execute(SAST, ctx)
    assert result.status is Status.ERROR
    assert "bandit" in result.reason and "not found" in result.reason


def _real_sarif(tmp_path: Path) -> Path:
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/mod.py": SHELL_TRUE})
    ctx = context(root, SAST)
    execute(SAST, ctx)
    return ctx.artifact(SARIF)


def test_truncated_sarif_raises_artifact_error_naming_the_file(tmp_path: Path) -> None:
    path = _real_sarif(tmp_path)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(ArtifactError, match=r"bandit\.sarif"):
        load_bandit(path)


def test_sarif_from_another_tool_is_refused(tmp_path: Path) -> None:
    path = _real_sarif(tmp_path)
    document = json.loads(path.read_text())
    document["runs"][0]["tool"]["driver"]["name"] = "ruff"
    path.write_text(json.dumps(document))
    with pytest.raises(ArtifactError, match="expected 'bandit'"):
        load_bandit(path)


def test_a_finding_inside_a_long_literal_is_reported_not_a_crash(tmp_path: Path) -> None:
    """bandit's SARIF formatter indexes past a finding's excerpt when the finding starts lines
    before it (a B105 in a dict literal, as in Textualize/rich's emoji table: bandit#1311) and
    exits 2 with no report; the check gets the report, and the finding in it."""
    table = "CODES = {\n" + "".join(f'    "name_{i}": "value_{i}",\n' for i in range(20))
    table += '    "secret_button": "x",\n}\n'
    root = new_repo(tmp_path / "p", {"pkg/__init__.py": "", "pkg/codes.py": table})
    result = execute(SAST, context(root, SAST))
    assert result.status is Status.PASSED, result.reason
    assert "(1 below MEDIUM" in result.reason
    [finding] = load_bandit(root / "reports" / "artifacts" / "sast" / SARIF).results
    assert finding.rule_id == "B105" and finding.file is not None and finding.file.endswith("codes.py")
