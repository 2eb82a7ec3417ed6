from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import DEFAULT_SQLITE_URL, AppEnv, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[3]
ENV_NAMES = ("APP_ENV", "DATABASE_URL", "REDIS_URL", "JWT_SECRET", "PAYMENT_WEBHOOK_SECRET", "AUTO_MIGRATE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def test_development_defaults_run_embedded() -> None:
    settings = load_settings()
    assert settings.app_env is AppEnv.DEVELOPMENT
    assert settings.effective_database_url == DEFAULT_SQLITE_URL
    assert settings.is_sqlite and settings.should_auto_migrate
    assert settings.redis_url is None
    assert not settings.secure_cookies
    assert len(settings.jwt_key) >= 32


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db:5432/sms")
    monkeypatch.setenv("JWT_TTL_SECONDS", "120")
    settings = load_settings()
    assert settings.effective_database_url == "postgresql+psycopg://u@db:5432/sms"
    assert settings.jwt_ttl_seconds == 120
    assert not settings.should_auto_migrate  # real databases are migrated by the deploy step


def test_production_requires_a_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    with pytest.raises(SettingsError, match="JWT_SECRET is required when APP_ENV=production"):
        load_settings()


def test_production_with_everything_set_is_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "p" * 40)
    monkeypatch.setenv("PAYMENT_WEBHOOK_SECRET", "w" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/sms")
    settings = load_settings()
    assert settings.secure_cookies
    assert settings.jwt_key == "p" * 40


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"jwt_ttl_seconds": "soon"}, "JWT_TTL_SECONDS: Input should be a valid integer"),
        ({"jwt_ttl_seconds": 0}, "JWT_TTL_SECONDS: Input should be greater than 0"),
        ({"app_env": "prod"}, "APP_ENV: Input should be 'development', 'test' or 'production'"),
        ({"jwt_secret": "short"}, "JWT_SECRET must be at least 32 characters"),
        ({"sms_provider": "http"}, "SMS_PROVIDER_URL is required when the provider is 'http'"),
        ({"payment_provider_url": "ftp://x"}, "PAYMENT_PROVIDER_URL must start with http"),
        ({"currency": "usd"}, "CURRENCY: String should match pattern"),
        ({"min_topup_minor": 10, "max_topup_minor": 5}, "MIN_TOPUP_MINOR must not exceed MAX_TOPUP_MINOR"),
    ],
)
def test_malformed_settings_give_one_clear_line(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**overrides)
    text = str(caught.value)
    assert message in text
    assert "\n" not in text
    assert text.startswith("invalid configuration: ")


def test_several_errors_are_counted() -> None:
    with pytest.raises(SettingsError, match=r"\(and 1 more\)"):
        load_settings(jwt_ttl_seconds="x", login_rate_limit="y")


def test_start_up_with_a_bad_setting_exits_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    env["APP_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "-c", "import app.main"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "sms-verification: invalid configuration: JWT_SECRET is required when APP_ENV=production"
    ]
    assert "Traceback" not in result.stderr
