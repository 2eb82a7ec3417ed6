"""RFC 9457 problem responses for every error; a stack trace never leaves the process."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://sms-verification.example/problems/"

logger = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str = Field(description="Dotted location of the offending input, e.g. body.amount")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details body."""

    type: str
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    """Base class of errors the API reports; subclasses fix status, slug and title."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str = "a valid bearer token is required") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class InvalidCredentials(AppError):
    status, slug, title = 401, "invalid-credentials", "Invalid credentials"


class PaymentRequired(AppError):
    status, slug, title = 402, "insufficient-funds", "Insufficient funds"


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Forbidden"


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class EmailTaken(AppError):
    status, slug, title = 409, "email-taken", "Email already registered"


class IdempotencyKeyReused(AppError):
    status, slug, title = 409, "idempotency-key-reused", "Idempotency key reused"


class InvalidRequest(AppError):
    status, slug, title = 422, "validation-error", "Invalid request"

    def __init__(self, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.field = field


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class RateLimited(AppError):
    status, slug, title = 429, "rate-limited", "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limit exceeded; retry in {retry_after} s")
        self.headers = {"Retry-After": str(retry_after)}


class ProviderFailed(AppError):
    status, slug, title = 502, "provider-error", "Upstream provider error"


class ServiceUnavailable(AppError):
    status, slug, title = 503, "unavailable", "Service unavailable"


class ProviderTimeout(AppError):
    status, slug, title = 504, "provider-timeout", "Upstream provider timed out"


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    field: str | None = None,
    errors: list[FieldError] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug, title=title, status=status, detail=detail, field=field, errors=errors
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in location)


def _short(value: object, limit: int = 200) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)  # noqa: S101 - registered for AppError only
    return problem_response(
        exc.status,
        exc.slug,
        exc.title,
        exc.detail,
        headers=exc.headers,
        field=getattr(exc, "field", None),
    )


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
    errors = [
        FieldError(field=_field_name(err.get("loc", ())), message=_short(err.get("msg", "invalid")))
        for err in exc.errors()
    ]
    first = errors[0] if errors else FieldError(field="body", message="invalid request")
    return problem_response(
        422,
        "validation-error",
        "Invalid request",
        f"{first.field}: {first.message}",
        field=first.field,
        errors=errors,
    )


def _allowed_methods(request: Request) -> str | None:
    """Every method the path supports (Starlette's 405 names only the first matching route's)."""
    paths = request.app.openapi().get("paths", {})
    for template, operations in paths.items():
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, request.url.path):
            return ", ".join(sorted(method.upper() for method in operations))
    return None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 - registered for it only
    headers = dict(exc.headers or {})
    if exc.status_code == 400:  # FastAPI's "error parsing the body" (e.g. invalid UTF-8)
        return problem_response(
            422, "validation-error", "Invalid request", "body: the body could not be parsed", field="body"
        )
    if exc.status_code == 405 and (allowed := _allowed_methods(request)):
        headers["Allow"] = allowed
    titles = {404: "Not found", 405: "Method not allowed", 401: "Authentication required"}
    slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
        exc.status_code, "http-error"
    )
    detail = exc.detail if isinstance(exc.detail, str) else "request failed"
    return problem_response(
        exc.status_code, slug, titles.get(exc.status_code, "HTTP error"), detail, headers=headers
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    return unexpected_error(exc)


def unexpected_error(exc: BaseException) -> JSONResponse:
    """The generic 500 problem; the exception is logged, never sent."""
    logger.exception("unhandled error", exc_info=exc)
    return problem_response(500, "internal-error", "Internal server error", "an unexpected error occurred")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def problem_docs(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for the problem statuses a route can return."""
    descriptions = {
        401: "Missing or invalid token",
        402: "Insufficient funds",
        404: "Not found (also for resources owned by someone else)",
        409: "Conflict",
        413: "Payload too large",
        422: "Invalid request (the offending field is named)",
        429: "Rate limited; see Retry-After",
        502: "Upstream provider error",
        503: "Dependency unavailable",
        504: "Upstream provider timed out",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions[status],
            "content": {PROBLEM_MEDIA_TYPE: {}},
        }
        for status in statuses
    }
