"""The installed command (`cimaturity`, `python -m cimaturity`): the invoke tasks as one program,
the version from one place, and a missing extra named in the error."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

import pytest

import cimaturity
from cimaturity.cli import REPOSITORY_ONLY, collection
from cimaturity.config import load_config
from cimaturity.formats.runjson import read_run
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Status, Verdict
from cimaturity.registry import CHECKS
from cimaturity.runfile import GitInfo, RunRecord, write_run
from cimaturity.runner import execute, tool_environment
from cimaturity.tasks import ns

ROOT = Path(__file__).resolve().parents[2]


def cimaturity_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cimaturity", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_the_command_offers_every_invoke_task_but_the_reference_services() -> None:
    assert set(collection().tasks) == set(ns.tasks) - REPOSITORY_ONLY
    assert {"ci", "report", "pr-comment", "weekly", "history", "audit", "lint"} <= set(collection().tasks)
    assert set(ns.tasks) >= REPOSITORY_ONLY  # the names left out are real task names


def test_the_command_runs_the_same_task_objects_as_invoke() -> None:
    assert collection().tasks["ci"] is ns.tasks["ci"]
    assert collection().tasks["pr-comment"] is ns.tasks["pr-comment"]


def test_python_dash_m_lists_the_tasks_and_the_version() -> None:
    listed = cimaturity_module("--list", "--list-format=json")
    assert listed.returncode == 0, listed.stderr
    names = {task["name"] for task in json.loads(listed.stdout)["tasks"]}
    assert names == set(ns.tasks) - REPOSITORY_ONLY
    version = cimaturity_module("--version")
    assert version.stdout.strip() == f"cimaturity {cimaturity.__version__}"


def test_each_task_has_its_help() -> None:
    helped = cimaturity_module("ci", "--help")
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("Usage: cimaturity [--core-opts] ci [--options]")
    assert "--profile=STRING" in helped.stdout and "--project=STRING" in helped.stdout
    comment = cimaturity_module("pr-comment", "--help")
    assert comment.returncode == 0 and "Usage: cimaturity [--core-opts] pr-comment" in comment.stdout


def test_a_repository_only_task_is_unknown_to_the_command() -> None:
    served = cimaturity_module("serve")
    assert served.returncode == 1
    assert "No idea what 'serve' is!" in served.stderr


def test_the_command_imports_no_heavy_library_before_a_task_runs() -> None:
    code = (
        "import sys, cimaturity.cli\n"
        "cimaturity.cli.collection()\n"
        "print(','.join(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# --- the version: one place, recorded in run.json -----------------------------------------------


def test_the_package_version_is_read_from_the_module() -> None:
    document = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert document["project"]["dynamic"] == ["version"]
    assert "version" not in document["project"]
    assert document["tool"]["hatch"]["version"]["path"] == "cimaturity/__init__.py"


def _record(version: str) -> RunRecord:
    return RunRecord("r1", "/p", "full", 1, GitInfo(None, None, None), "t0", "t1", 1.0, version, ())


def test_run_json_records_the_cimaturity_version(tmp_path: Path) -> None:
    write_run(tmp_path / "run.json", _record("9.8.7"))
    document = json.loads((tmp_path / "run.json").read_text())
    assert document["cimaturity_version"] == "9.8.7" and document["tool"] == "cimaturity 9.8.7"
    assert read_run(tmp_path / "run.json").info.cimaturity_version == "9.8.7"


def test_a_run_json_from_before_the_version_field_still_reads(tmp_path: Path) -> None:
    document = _record("0.1.0").to_json()
    del document["cimaturity_version"]
    (tmp_path / "run.json").write_text(json.dumps(document))
    assert read_run(tmp_path / "run.json").info.cimaturity_version is None


def test_a_non_text_version_is_refused(tmp_path: Path) -> None:
    document = {**_record("0.1.0").to_json(), "cimaturity_version": 7}
    (tmp_path / "run.json").write_text(json.dumps(document))
    with pytest.raises(Exception, match="cimaturity_version"):
        read_run(tmp_path / "run.json")


# --- extras: declared in pyproject, named when their tool is missing -----------------------------


def _gate(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
    return Verdict.passed("ran")


def test_a_missing_tool_of_an_extra_names_the_extra(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    check = Check(
        name="needs-extra",
        stage=Stage.SERVICE,
        summary="fake",
        commands=lambda _ctx: [Command((sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"))],
        artifacts=(),
        gate=_gate,
        tools=("no-such-tool-for-cimaturity",),
        extra="load",
    )
    (tmp_path / "project").mkdir()
    config = load_config(tmp_path / "project", environ={})
    ctx = CheckContext(config, config.root / "reports" / "artifacts" / check.name, tool_environment())
    result = execute(check, ctx)
    assert (result.status, result.reason) == (
        Status.ERROR,
        'tool not found on PATH: no-such-tool-for-cimaturity; install the "load" extra: '
        'pip install "cimaturity[load]"',
    )
    assert not marker.exists()
    without = execute(dataclasses.replace(check, extra=None), ctx)
    assert without.reason == "tool not found on PATH: no-such-tool-for-cimaturity"


def test_every_extra_a_check_names_is_declared_and_provides_its_tools() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    named = {check.name: check.extra for check in CHECKS if check.extra is not None}
    assert named == {"performance": "load", "contract": "contract"}
    # the distribution that installs each tool, by the extra's requirement names
    provides = {
        "locust": "locust",
        "schemathesis": "schemathesis",
        "openapi-spec-validator": "openapi-spec-validator",
    }
    for check in CHECKS:
        if check.extra is None:
            continue
        requirements = {req.split(">")[0].split("[")[0].strip() for req in extras[check.extra]}
        assert {provides[tool] for tool in check.tools} <= requirements, check.name
    assert set(extras["all"][0].split("[")[1].rstrip("]").split(",")) == set(extras) - {"all"}
