from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.factory import create_app
from tests.integration.conftest import ContainerFactory

pytestmark = pytest.mark.integration


def test_readiness_with_postgres_and_redis(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    dependencies = response.json()["dependencies"]
    assert {name: (d["kind"], d["status"]) for name, d in dependencies.items()} == {
        "database": ("postgresql", "up"),
        "cache": ("redis", "up"),
    }


def test_readiness_is_503_when_redis_is_down(make_container: ContainerFactory) -> None:
    container = make_container(redis_url="redis://127.0.0.1:1/0")
    with TestClient(create_app(container=container)) as client:
        response = client.get("/api/v1/health")
        diagnostics = client.get("/api/diagnostics")
    assert response.status_code == 503
    cache = response.json()["dependencies"]["cache"]
    assert (cache["status"], cache["error"]) == ("down", "ConnectionError")
    assert response.json()["dependencies"]["database"]["status"] == "up"
    assert diagnostics.json()["migration_revision"] == "0004"
    assert "127.0.0.1" not in diagnostics.text
    assert "redis://" not in diagnostics.text
    assert "postgres" not in diagnostics.text.replace('"postgresql"', "")
