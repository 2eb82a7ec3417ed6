"""Builds the FastAPI application from settings (or a ready container, in tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from app import __version__, domain, migrate
from app.api import auth, catalogue, health, verifications, wallet
from app.container import Container, build_container
from app.errors import install_error_handlers, problem_response
from app.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from app.pages import router as pages_router
from app.settings import Settings, load_settings

logger = logging.getLogger(__name__)

DESCRIPTION = """Buy a phone number for a service and country, receive the one-time SMS code.

Money is in integer minor units (cents). Errors are `application/problem+json` (RFC 9457).
Authenticate with `Authorization: Bearer <token>` from `POST /api/v1/auth/login`."""


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    """Domain errors that escaped a route's own mapping still become problems, never a 500."""
    mapping: dict[type[domain.DomainError], tuple[int, str, str]] = {
        domain.InsufficientFunds: (402, "insufficient-funds", "Insufficient funds"),
        domain.IdempotencyConflict: (422, "idempotency-key-reused", "Idempotency key reused"),
        domain.InvalidTransition: (409, "conflict", "Conflict"),
        domain.InvalidAmount: (422, "validation-error", "Invalid request"),
    }
    for kind, (status, slug, title) in mapping.items():
        if isinstance(exc, kind):
            return problem_response(status, slug, title, str(exc))
    return problem_response(400, "bad-request", "Bad request", str(exc))


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1")
    router.include_router(auth.router)
    router.include_router(wallet.router)
    router.include_router(catalogue.router)
    router.include_router(verifications.router)
    router.include_router(health.api_router)
    return router


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> FastAPI:
    settings = container.settings if container is not None else (settings or load_settings())
    ready = container or build_container(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.should_auto_migrate:
            # The embedded SQLite database is brought to head on start-up (same migrations as
            # production, so it also gets the seeded catalogue). A real database is migrated by
            # the deploy step (`alembic upgrade head`), never by every worker racing at boot.
            migrate.upgrade(ready.engine)
        yield
        ready.close()

    app = FastAPI(
        title="SMS verification service",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.container = ready
    install_error_handlers(app)
    app.add_exception_handler(domain.DomainError, _domain_error)
    app.include_router(health.root_router)
    app.include_router(api_router())
    app.include_router(pages_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    return app
