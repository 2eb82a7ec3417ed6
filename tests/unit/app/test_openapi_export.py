from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app import openapi_export

REPO = Path(__file__).resolve().parents[3]
SPEC = REPO / "docs" / "api_v2_spec.yaml"


def test_committed_spec_matches_the_app() -> None:
    assert SPEC.read_text(encoding="utf-8") == openapi_export.render_spec(), (
        "docs/api_v2_spec.yaml is stale: run `python -m app.openapi_export`"
    )


def test_spec_describes_the_api_and_its_problems() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path in (
        "/api/v1/verifications",
        "/api/v1/verifications/{verification_id}/cancel",
        "/health",
        "/api/v1/webhooks/payments",
        "/api/v1/services",
        "/api/diagnostics",
    ):
        assert path in paths
    assert not any(path in paths for path in ("/dashboard", "/login", "/register"))  # pages are not API
    not_found = paths["/api/v1/verifications/{verification_id}"]["get"]["responses"]["404"]
    assert list(not_found["content"]) == ["application/problem+json"]
    webhook_body = paths["/api/v1/webhooks/payments"]["post"]["requestBody"]["content"]["application/json"]
    assert webhook_body["schema"]["$ref"] == "#/components/schemas/PaymentEventIn"
    assert "PaymentEventData" in spec["components"]["schemas"]


def test_write_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "nested" / "spec.yaml"
    assert openapi_export.main(["--check", "--path", str(target)]) == 1
    assert openapi_export.main(["--path", str(target)]) == 0
    assert openapi_export.main(["--check", "--path", str(target)]) == 0
    target.write_text(target.read_text() + "# drift\n")
    assert openapi_export.main(["--check", "--path", str(target)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == f"{target} is stale: run `python -m app.openapi_export` to regenerate it"
    assert list(tmp_path.joinpath("nested").iterdir()) == [target]  # no temp file left behind


def test_check_passes_on_the_committed_file() -> None:
    assert openapi_export.main(["--check"]) == 0
