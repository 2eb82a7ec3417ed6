"""ASGI entry point: `uvicorn app.main:app`.

With no environment at all this runs on ./sms.db (SQLite), an in-process cache and rate limiter,
and sandbox providers. A bad setting stops start-up with one line, not a traceback.
"""

from __future__ import annotations

from app.factory import create_app
from app.settings import SettingsError, load_settings

try:
    _settings = load_settings()
except SettingsError as error:
    raise SystemExit(f"sms-verification: {error}") from None

app = create_app(_settings)
