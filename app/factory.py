"""Builds the FastAPI application from settings (or a ready container, in tests)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
import psycopg
import redis
import sqlalchemy.exc
from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from app import __version__, domain, migrate
from app.api import auth, catalogue, health, verifications, wallet
from app.api.schemas import PaymentEventIn
from app.container import Container, build_container
from app.db import DatabaseBusy
from app.errors import PROBLEM_MEDIA_TYPE, install_error_handlers, problem_response, unexpected_error
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
        domain.IdempotencyConflict: (409, "idempotency-key-reused", "Idempotency key reused"),
        domain.InvalidTransition: (409, "conflict", "Conflict"),
        domain.InvalidAmount: (422, "validation-error", "Invalid request"),
    }
    for kind, (status, slug, title) in mapping.items():
        if isinstance(exc, kind):
            return problem_response(status, slug, title, str(exc))
    return problem_response(400, "bad-request", "Bad request", str(exc))


def _redis_down(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning("redis unavailable: %s", type(exc).__name__)
    return problem_response(
        503,
        "unavailable",
        "Service unavailable",
        "a dependency is unavailable; retry shortly",
        headers={"Retry-After": "5"},
    )


def _database_busy(_request: Request, exc: Exception) -> JSONResponse:
    """Every request slot or pooled connection stayed taken for the pool timeout: shed the load
    with a retryable answer instead of queueing without bound."""
    retry_after = exc.retry_after if isinstance(exc, DatabaseBusy) else 1
    logger.warning("database busy: %s", type(exc).__name__)
    return problem_response(
        503,
        "unavailable",
        "Service unavailable",
        "the service is at capacity; retry shortly",
        headers={"Retry-After": str(retry_after)},
    )


def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    """A connection cut while in use (a database restart): SQLAlchemy has invalidated the pool
    (or, for a read on the event loop, psycopg's pool discards the connection), so a retry gets
    a fresh connection; any other database error is a 500."""
    lost = isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated
    if lost or isinstance(exc, psycopg.OperationalError):
        cause = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
        logger.warning("database connection lost: %s", type(cause).__name__)
        return problem_response(
            503,
            "unavailable",
            "Service unavailable",
            "the database connection was lost; retry shortly",
            headers={"Retry-After": "1"},
        )
    return unexpected_error(exc)


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """FastAPI's document, adjusted: problems are `application/problem+json` only, and schemas
    that routes reference by hand (the raw-body webhook) are registered as components."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        for model in (PaymentEventIn,):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[model.__name__] = schema
        for path_item in spec.get("paths", {}).values():
            for operation in path_item.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    if PROBLEM_MEDIA_TYPE in content and "application/json" in content:
                        content[PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        app.openapi_schema = spec
        return spec

    return build


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
        # The threads that run the routes' blocking work: the concurrency the pool is sized from.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        if settings.should_auto_migrate:
            # The embedded SQLite database is brought to head on start-up (same migrations as
            # production, so it also gets the seeded catalogue). A real database is migrated by
            # the deploy step (`alembic upgrade head`), never by every worker racing at boot.
            migrate.upgrade(ready.engine)
        if ready.loop_reads is not None:
            await ready.loop_reads.open()
        try:
            yield
        finally:
            if ready.loop_reads is not None:
                await ready.loop_reads.close()
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
    app.add_exception_handler(redis.RedisError, _redis_down)
    app.add_exception_handler(DatabaseBusy, _database_busy)
    app.add_exception_handler(sqlalchemy.exc.TimeoutError, _database_busy)
    app.add_exception_handler(sqlalchemy.exc.DBAPIError, _database_error)
    app.add_exception_handler(psycopg.OperationalError, _database_error)
    app.include_router(health.root_router)
    app.include_router(api_router())
    app.include_router(pages_router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app
