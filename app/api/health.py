"""Liveness (/health), readiness (/api/v1/health) and diagnostics (/api/diagnostics)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import __version__
from app.deps import ContainerDep
from app.health import Probe, Status, git_sha, migration_revision, probes

root_router = APIRouter(tags=["health"])
api_router = APIRouter(tags=["health"])


class Liveness(BaseModel):
    status: Status


class DependencyOut(BaseModel):
    status: Status
    kind: str
    latency_ms: float
    error: str | None = None


class Readiness(BaseModel):
    status: Status
    dependencies: dict[str, DependencyOut]


class Diagnostics(BaseModel):
    version: str
    git_sha: str
    environment: str
    migration_revision: str | None
    sms_provider: str
    payment_provider: str
    dependencies: dict[str, DependencyOut]


def _deps(found: list[Probe]) -> dict[str, DependencyOut]:
    return {
        probe.name: DependencyOut(
            status=probe.status, kind=probe.kind, latency_ms=probe.latency_ms, error=probe.error
        )
        for probe in found
    }


@root_router.get("/health", response_model=Liveness)
async def liveness() -> Liveness:  # async: answered on the event loop, no thread call
    """The process is up; says nothing about its dependencies."""
    return Liveness(status=Status.UP)


@api_router.get(
    "/health",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is down"}},
)
def readiness(container: ContainerDep) -> JSONResponse:
    found = probes(container)
    healthy = all(probe.status is Status.UP for probe in found)
    body = Readiness(status=Status.UP if healthy else Status.DOWN, dependencies=_deps(found))
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if healthy else 503)


@root_router.get("/api/diagnostics", response_model=Diagnostics)
def diagnostics(container: ContainerDep) -> Diagnostics:
    settings = container.settings
    return Diagnostics(
        version=__version__,
        git_sha=git_sha(settings.git_sha),
        environment=settings.app_env.value,
        migration_revision=migration_revision(container),
        sms_provider=container.sms.name,
        payment_provider=container.payments.name,
        dependencies=_deps(probes(container)),
    )
