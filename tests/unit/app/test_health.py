from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.db import make_engine
from app.factory import create_app
from app.health import git_sha
from tests.support.fakes import JWT_SECRET, WEBHOOK_SECRET
from tests.unit.app.conftest import ContainerFactory


def test_liveness(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "up"}


def test_readiness_reports_each_dependency_with_latency(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert body["dependencies"]["database"]["kind"] == "sqlite"
    assert body["dependencies"]["cache"]["kind"] == "in-process"
    assert all(dep["latency_ms"] >= 0 and dep["status"] == "up" for dep in body["dependencies"].values())


def test_readiness_is_503_when_the_database_is_down(make_container: ContainerFactory, tmp_path: Path) -> None:
    container = make_container()
    container.engine = make_engine(f"sqlite:///{tmp_path}/missing-dir/x.db")  # cannot be opened
    with TestClient(create_app(container=container)) as client:
        response = client.get("/api/v1/health")
        assert response.status_code == 503
        database = response.json()["dependencies"]["database"]
        assert (database["status"], database["error"]) == ("down", "OperationalError")
        assert client.get("/health").status_code == 200  # liveness does not depend on it
        diagnostics = client.get("/api/diagnostics").json()
        assert diagnostics["migration_revision"] is None


def test_diagnostics_reports_versions_and_never_a_secret(make_container: ContainerFactory) -> None:
    container = make_container(git_sha="abc123", payment_provider_api_key="pay-key-SECRET-1")
    with TestClient(create_app(container=container)) as client:
        response = client.get("/api/diagnostics")
    body = response.json()
    assert body["version"] == "1.0.0"
    assert body["git_sha"] == "abc123"
    assert body["migration_revision"] == "0004"
    assert body["dependencies"]["database"]["status"] == "up"
    for secret in (JWT_SECRET, WEBHOOK_SECRET, "pay-key-SECRET-1", str(container.engine.url.database)):
        assert secret not in response.text
    assert "sqlite:" not in response.text
    assert "://" not in response.text


def test_git_sha_falls_back_to_the_repository_then_unknown(tmp_path: Path) -> None:
    assert git_sha("from-env") == "from-env"
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text("deadbeef\n")
    assert git_sha(None, tmp_path) == "deadbeef"
    (tmp_path / ".git" / "HEAD").write_text("cafe\n")
    assert git_sha(None, tmp_path) == "cafe"
    assert git_sha(None, tmp_path / "nowhere") == "unknown"
