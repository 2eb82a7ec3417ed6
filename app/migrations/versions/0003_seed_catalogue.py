"""Data migration: seed the service catalogue (services, countries and prices in minor units).

The tables are described inline (not imported from app.models) so this revision keeps working
when the models change later.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVICES = [
    ("telegram", "Telegram"),
    ("whatsapp", "WhatsApp"),
    ("google", "Google"),
    ("discord", "Discord"),
]
COUNTRIES = [
    ("US", "United States"),
    ("GB", "United Kingdom"),
    ("DE", "Germany"),
    ("IN", "India"),
]
# Base price per service (cents) scaled per country (percent).
BASE = {"telegram": 50, "whatsapp": 80, "google": 40, "discord": 30}
SCALE = {"US": 150, "GB": 130, "DE": 120, "IN": 100}

services = sa.table("services", sa.column("code", sa.String), sa.column("name", sa.String))
countries = sa.table("countries", sa.column("code", sa.String), sa.column("name", sa.String))
prices = sa.table(
    "prices",
    sa.column("service_code", sa.String),
    sa.column("country_code", sa.String),
    sa.column("amount", sa.BigInteger),
)


def upgrade() -> None:
    op.bulk_insert(services, [{"code": code, "name": name} for code, name in SERVICES])
    op.bulk_insert(countries, [{"code": code, "name": name} for code, name in COUNTRIES])
    op.bulk_insert(
        prices,
        [
            {"service_code": s, "country_code": c, "amount": BASE[s] * SCALE[c] // 100}
            for s, _ in SERVICES
            for c, _ in COUNTRIES
        ],
    )


def downgrade() -> None:
    service_codes = [code for code, _ in SERVICES]
    country_codes = [code for code, _ in COUNTRIES]
    op.execute(prices.delete().where(prices.c.service_code.in_(service_codes)))
    op.execute(services.delete().where(services.c.code.in_(service_codes)))
    op.execute(countries.delete().where(countries.c.code.in_(country_codes)))
