"""Settings read from the environment, validated once at start-up."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Used only when APP_ENV=development (the default) so `uvicorn app.main:app` just works.
_DEV_JWT_SECRET = "dev-only-jwt-secret-change-me-0123456789"  # noqa: S105 - development default
_DEV_WEBHOOK_SECRET = "dev-only-webhook-secret"  # noqa: S105 - development default
DEFAULT_SQLITE_URL = "sqlite:///./sms.db"
MIN_SECRET_LENGTH = 32
DEFAULT_MIN_TOPUP_MINOR = 100
DEFAULT_MAX_TOPUP_MINOR = 100_000_00


class AppEnv(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ProviderKind(StrEnum):
    SANDBOX = "sandbox"
    HTTP = "http"


class SettingsError(Exception):
    """A missing or malformed setting; the message is one line meant for a human."""


PositiveInt = Annotated[int, Field(gt=0)]


class Settings(BaseSettings):
    """Every knob of the service. Environment variable names are the upper-cased field names."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    app_env: AppEnv = AppEnv.DEVELOPMENT
    database_url: str | None = None
    redis_url: str | None = None
    redis_key_prefix: str = "sms:"
    auto_migrate: bool | None = None

    jwt_secret: SecretStr | None = None
    jwt_ttl_seconds: PositiveInt = 3600
    payment_webhook_secret: SecretStr | None = None
    webhook_tolerance_seconds: PositiveInt = 300
    cookie_secure: bool | None = None

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    verification_ttl_seconds: PositiveInt = 900
    max_topup_minor: PositiveInt = DEFAULT_MAX_TOPUP_MINOR
    min_topup_minor: PositiveInt = DEFAULT_MIN_TOPUP_MINOR

    login_rate_limit: PositiveInt = 10
    login_rate_window_seconds: PositiveInt = 60
    purchase_rate_limit: PositiveInt = 30
    purchase_rate_window_seconds: PositiveInt = 60
    services_cache_ttl_seconds: PositiveInt = 300

    sms_provider: ProviderKind = ProviderKind.SANDBOX
    sms_provider_url: str | None = None
    sms_provider_api_key: SecretStr | None = None
    payment_provider: ProviderKind = ProviderKind.SANDBOX
    payment_provider_url: str | None = None
    payment_provider_api_key: SecretStr | None = None
    provider_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    sandbox_sms_delay_seconds: Annotated[float, Field(ge=0)] = 5.0

    argon2_time_cost: PositiveInt = 3
    argon2_memory_cost_kib: Annotated[int, Field(ge=8)] = 65536
    max_body_bytes: PositiveInt = 64 * 1024
    # Sizing (one uvicorn worker): WORKER_THREADS run the routes' blocking work; every request doing
    # database work holds one slot and at most one pooled connection. DB_POOL_SIZE defaults to
    # WORKER_THREADS so each busy thread can hold one; DB_POOL_OVERFLOW covers the health probe.
    # PostgreSQL needs max_connections >= workers * (DB_POOL_SIZE + DB_POOL_OVERFLOW + DB_READ_POOL_SIZE).
    worker_threads: Annotated[int, Field(ge=1, le=1000)] = 40
    db_pool_size: Annotated[int, Field(ge=1, le=1000)] | None = None
    db_pool_overflow: Annotated[int, Field(ge=0, le=100)] = 5
    db_pool_timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 10.0
    # Connections for the reads that run on the event loop (GET wallet, `app/loop_reads.py`): each
    # is held for one round trip, so a few serve the whole worker.
    db_read_pool_size: Annotated[int, Field(ge=1, le=100)] = 3
    git_sha: str | None = None

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        production = self.app_env is AppEnv.PRODUCTION
        if self.jwt_secret is None and production:
            raise ValueError("JWT_SECRET is required when APP_ENV=production")
        if self.jwt_secret is not None and len(self.jwt_secret.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        if self.payment_webhook_secret is None and production:
            raise ValueError("PAYMENT_WEBHOOK_SECRET is required when APP_ENV=production")
        if production and self.database_url is None:
            raise ValueError("DATABASE_URL is required when APP_ENV=production")
        if self.min_topup_minor > self.max_topup_minor:
            raise ValueError("MIN_TOPUP_MINOR must not exceed MAX_TOPUP_MINOR")
        for kind, url, name in (
            (self.sms_provider, self.sms_provider_url, "SMS_PROVIDER_URL"),
            (self.payment_provider, self.payment_provider_url, "PAYMENT_PROVIDER_URL"),
        ):
            if kind is ProviderKind.HTTP and not url:
                raise ValueError(f"{name} is required when the provider is 'http'")
            if url and not url.startswith(("http://", "https://")):
                raise ValueError(f"{name} must start with http:// or https://")
        return self

    @cached_property
    def effective_database_url(self) -> str:
        url = self.database_url or DEFAULT_SQLITE_URL
        # Plain postgres URLs select psycopg 3, the only PostgreSQL driver installed.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def effective_db_pool_size(self) -> int:
        return self.db_pool_size if self.db_pool_size is not None else self.worker_threads

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def should_auto_migrate(self) -> bool:
        """Embedded SQLite migrates itself; a real database is migrated as a deploy step."""
        return self.auto_migrate if self.auto_migrate is not None else self.is_sqlite

    @property
    def secure_cookies(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else self.app_env is AppEnv.PRODUCTION

    @property
    def jwt_key(self) -> str:
        return self.jwt_secret.get_secret_value() if self.jwt_secret else _DEV_JWT_SECRET

    @property
    def webhook_key(self) -> bytes:
        secret = self.payment_webhook_secret
        return (secret.get_secret_value() if secret else _DEV_WEBHOOK_SECRET).encode()


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{field}: {message}" if field else message


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment; raise SettingsError with a one-line message if invalid."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        extra = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise SettingsError(f"invalid configuration: {_describe(error)}{extra}") from None
