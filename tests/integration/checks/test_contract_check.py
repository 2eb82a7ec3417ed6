"""The contract check on tiny FastAPI projects: spec validation, then Schemathesis against the app."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from cimaturity.checks.contract import CONTRACT, JUNIT, SPEC
from cimaturity.model import ArtifactError, CheckContext, Command, CommandOutcome, Status
from cimaturity.runner import execute
from tests.unit.checks._fast_fixtures import make_context

# These start a web service and fuzz it over HTTP.
pytestmark = pytest.mark.integration

PYPROJECT = """\
[tool.cimaturity]
source_paths = ["svc.py"]

[tool.cimaturity.service]
app = "{app}"
health = "/health"
"""

APP = """\
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel

app = FastAPI(title="tiny", version="1.0.0")


class Item(BaseModel):
    id: int
    name: str


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/items/{item_id}", response_model=Item)
def item(item_id: int) -> object:
    return BODY
"""
CONFORMING = 'Item(id=item_id, name="widget")'
# Declares an integer id, answers a string: a response-schema violation.
VIOLATING = 'JSONResponse({"id": "not-a-number", "name": "widget"})'


def _spec_of(source: str) -> str:
    namespace: dict[str, Any] = {}
    exec(compile(source, "svc.py", "exec"), namespace)  # noqa: S102 - the test's own app source
    return json.dumps(namespace["app"].openapi())  # JSON is YAML: the validator reads it as such


def _project(tmp_path: Path, body: str, *, app: str = "svc:app", spec: str | None = None) -> CheckContext:
    source = APP.replace("BODY", body)
    files = {
        "pyproject.toml": PYPROJECT.format(app=app),
        "svc.py": source,
        SPEC: _spec_of(source) if spec is None else spec,
    }
    return make_context(tmp_path, CONTRACT, files)


def test_conforming_app_passes(tmp_path: Path) -> None:
    result = execute(CONTRACT, _project(tmp_path, CONFORMING))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["operations"] == 2  # GET /health and GET /items/{item_id}
    assert result.metrics["failures"] == 0
    assert result.reason.startswith(f"{SPEC} is valid; 2 operations passed every schemathesis check")
    assert result.artifacts == ("artifacts/contract/schemathesis.xml",)


def test_response_violating_its_schema_fails_naming_the_operation(tmp_path: Path) -> None:
    result = execute(CONTRACT, _project(tmp_path, VIOLATING))
    assert result.status is Status.FAILED, result.reason
    assert result.reason.startswith("1 of 2 operations break the contract, first: GET /items/{item_id}: ")
    assert result.reason.endswith('Response violates schema: "not-a-number" is not of type "integer"')
    assert result.metrics["failures"] == 1


def test_invalid_spec_fails_with_the_validator_message(tmp_path: Path) -> None:
    broken = "openapi: 3.1.0\ninfo: {title: tiny}\npaths: {}\n"  # info.version is required
    result = execute(CONTRACT, _project(tmp_path, CONFORMING, spec=broken))
    assert result.status is Status.FAILED
    assert result.reason == (
        f'{SPEC} is not a valid OpenAPI document: {SPEC}: Validation Error: "version" is a required property'
    )


def test_no_service_declared_is_not_applicable(tmp_path: Path) -> None:
    ctx = make_context(tmp_path, CONTRACT, {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["x"]\n'})
    result = execute(CONTRACT, ctx)
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no web service declared ([tool.cimaturity.service])"


def test_missing_spec_is_error(tmp_path: Path) -> None:
    ctx = _project(tmp_path, CONFORMING)
    (tmp_path / SPEC).unlink()
    result = execute(CONTRACT, ctx)
    assert result.status is Status.ERROR
    assert result.reason == f"no OpenAPI spec at {SPEC}"


def test_service_that_cannot_start_is_error(tmp_path: Path) -> None:
    result = execute(CONTRACT, _project(tmp_path, CONFORMING, app="no_such_module:app"))
    assert result.status is Status.ERROR
    assert "with_server failed: exit 2 (expected 0 or 1)" in result.reason


def test_empty_report_is_error_not_pass(tmp_path: Path) -> None:
    ctx = _project(tmp_path, CONFORMING)
    ctx.artifact_dir.mkdir(parents=True)
    ctx.artifact("schemathesis.xml").write_text(
        textwrap.dedent("""\
            <testsuites><testsuite name="schemathesis" tests="0"></testsuite></testsuites>
        """)
    )
    outcomes = [
        CommandOutcome(Command(("openapi-spec-validator",)), 0, 0.1, f"{SPEC}: OK\n"),
        CommandOutcome(Command(("schemathesis",)), 0, 0.1, ""),
    ]
    with pytest.raises(ArtifactError, match="schemathesis tested nothing"):
        CONTRACT.gate(ctx, outcomes)


def test_every_operation_skipped_is_no_evidence_not_a_pass(tmp_path: Path) -> None:
    """A JUnit file whose every operation was skipped tested nothing: the gate refuses it."""
    ctx = _project(tmp_path, CONFORMING)
    ctx.artifact_dir.mkdir(parents=True)
    cases = "".join(
        f'<testcase name="GET /x{i}"><skipped message="unsupported"/></testcase>' for i in range(2)
    )
    ctx.artifact(JUNIT).write_text(
        f'<testsuites><testsuite name="schemathesis" tests="2">{cases}</testsuite></testsuites>'
    )
    validator = CommandOutcome(Command(("openapi-spec-validator", SPEC)), 0, 0.1, f"{SPEC}: OK\n")
    fuzz = CommandOutcome(Command(("schemathesis", "run")), 0, 1.0, "2 generated\n")
    with pytest.raises(ArtifactError, match="all 2 operation"):
        CONTRACT.gate(ctx, [validator, fuzz])
