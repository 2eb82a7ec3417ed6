"""The public catalogue of services, countries and prices."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.schemas import CatalogueOut, CountryOffer, ServiceOut
from app.deps import ContainerDep, SessionDep
from app.services import catalogue

router = APIRouter(tags=["catalogue"])


@router.get("/services", response_model=CatalogueOut)
def list_services(container: ContainerDep, session: SessionDep) -> CatalogueOut:
    offers = catalogue.offers(session, container.cache, container.settings.services_cache_ttl_seconds)
    services: dict[str, ServiceOut] = {}
    for offer in offers:
        entry = services.setdefault(
            offer.service, ServiceOut(code=offer.service, name=offer.service_name, countries=[])
        )
        entry.countries.append(CountryOffer(code=offer.country, name=offer.country_name, price=offer.price))
    return CatalogueOut(currency=container.settings.currency, services=list(services.values()))
