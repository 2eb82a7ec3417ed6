"""The `deployment` check through the real runner: the real service on a free port is validated,
and health.json is kept as the run's evidence; without a URL there is nothing to validate."""

from __future__ import annotations

from pathlib import Path

from cimaturity.checks.deployment import DEPLOYMENT, HEALTH
from cimaturity.formats.health import Verdict, read_health
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute
from tests.support.deploy_server import SHA
from tests.unit.checks._fast_fixtures import make_context


def _context(tmp_path: Path, **env: str) -> CheckContext:
    ctx = make_context(tmp_path, DEPLOYMENT, {"pyproject.toml": "[project]\nname = 'x'\n"})
    return CheckContext(ctx.config, ctx.artifact_dir, {**ctx.env, **env})


def test_the_real_service_is_validated_and_its_health_kept(tmp_path: Path, service_url: str) -> None:
    ctx = _context(
        tmp_path,
        CIMATURITY_DEPLOY_URL=service_url,
        CIMATURITY_DEPLOY_ENV="staging",
        CIMATURITY_DEPLOY_SHA=SHA,
    )
    result = execute(DEPLOYMENT, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason.startswith(f"{service_url} (staging) healthy")
    assert result.metrics["rounds"] == 2 and result.metrics["endpoints"] == 3
    record = read_health(ctx.artifact(HEALTH))
    assert record.verdict is Verdict.PASSED and record.environment == "staging"


def test_a_url_that_is_not_http_is_an_error_naming_it(tmp_path: Path) -> None:
    ctx = _context(tmp_path, CIMATURITY_DEPLOY_URL="ftp://not-http")
    result = execute(DEPLOYMENT, ctx)
    assert result.status is Status.ERROR
    assert "health_check failed: exit 2" in result.reason and "http(s) URL" in result.reason


def test_without_a_url_there_is_nothing_to_validate(tmp_path: Path) -> None:
    result = execute(DEPLOYMENT, _context(tmp_path))
    assert result.status is Status.SKIPPED and "CIMATURITY_DEPLOY_URL" in result.reason
