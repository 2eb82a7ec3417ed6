"""The service catalogue (services x countries x prices), cached with explicit invalidation."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cache import Cache
from app.models import Country, Price, Service

CACHE_KEY = "catalogue:v1"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offer:
    service: str
    service_name: str
    country: str
    country_name: str
    price: int


def _load(session: Session) -> list[Offer]:
    rows = session.execute(
        select(Service.code, Service.name, Country.code, Country.name, Price.amount)
        .join(Price, Price.service_code == Service.code)
        .join(Country, Country.code == Price.country_code)
        .order_by(Service.code, Country.code)
    )
    return [Offer(*row) for row in rows]


def offers(session: Session, cache: Cache, ttl_seconds: int) -> list[Offer]:
    """The catalogue, from the cache when warm. A cache outage degrades to the database."""
    return parse(document(session, cache, ttl_seconds))


def document(session: Session, cache: Cache, ttl_seconds: int) -> str:
    """The catalogue as its cached JSON document (read from the database and cached on a miss).
    A cache outage degrades to the database."""
    try:
        cached = cache.get(CACHE_KEY)
    except redis.RedisError:
        logger.warning("catalogue cache unavailable; reading the database")
        cached = None
    if cached is not None:
        return cached
    fresh = json.dumps([asdict(offer) for offer in _load(session)])
    try:
        cache.set(CACHE_KEY, fresh, ttl_seconds)
    except redis.RedisError:
        logger.warning("catalogue cache unavailable; not caching")
    return fresh


def parse(document: str) -> list[Offer]:
    return [Offer(**item) for item in json.loads(document)]


def invalidate(cache: Cache) -> None:
    cache.delete(CACHE_KEY)


def price_of(session: Session, service: str, country: str) -> int | None:
    """The authoritative price, always read from the database (never charge from a cache)."""
    value = session.scalar(
        select(Price.amount).where(Price.service_code == service, Price.country_code == country)
    )
    return int(value) if value is not None else None


def set_price(session: Session, cache: Cache, service: str, country: str, amount: int) -> None:
    """Create or change a price, then drop the cached catalogue so readers see it at once."""
    price = session.get(Price, (service, country))
    if price is None:
        session.add(Price(service_code=service, country_code=country, amount=amount))
    else:
        price.amount = amount
    session.commit()
    invalidate(cache)


def remove_price(session: Session, cache: Cache, service: str, country: str) -> bool:
    price = session.get(Price, (service, country))
    if price is None:
        return False
    session.delete(price)
    session.commit()
    invalidate(cache)
    return True
