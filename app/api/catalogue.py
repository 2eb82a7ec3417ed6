"""The public catalogue of services, countries and prices."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter

from app.api.schemas import CatalogueOut, CountryOffer, ServiceOut
from app.deps import ContainerDep, UnitOfWorkDep
from app.services import catalogue

router = APIRouter(tags=["catalogue"])


@lru_cache(maxsize=4)
def _catalogue_out(document: str, currency: str) -> CatalogueOut:
    """The response for one cached catalogue document: built once per document, not per request
    (the document changes only when a price does, and then the cache is invalidated). Treat the
    returned model as frozen: it is shared by every request that reads the same document."""
    services: dict[str, ServiceOut] = {}
    for offer in catalogue.parse(document):
        entry = services.setdefault(
            offer.service, ServiceOut(code=offer.service, name=offer.service_name, countries=[])
        )
        entry.countries.append(CountryOffer(code=offer.country, name=offer.country_name, price=offer.price))
    return CatalogueOut(currency=currency, services=list(services.values()))


@router.get("/services", response_model=CatalogueOut)
async def list_services(container: ContainerDep, db: UnitOfWorkDep) -> CatalogueOut:
    ttl = container.settings.services_cache_ttl_seconds
    document = await db.read(lambda session: catalogue.document(session, container.cache, ttl))
    return _catalogue_out(document, container.settings.currency)
