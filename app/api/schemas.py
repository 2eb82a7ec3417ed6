"""Request and response bodies of the JSON API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from app.domain import MAX_MINOR_UNITS
from app.models import LedgerKind, PaymentStatus, VerificationStatus
from app.settings import DEFAULT_MAX_TOPUP_MINOR, DEFAULT_MIN_TOPUP_MINOR


def _integral_float_to_int(value: object) -> object:
    """JSON Schema counts 5.0 as an integer; accept it, but never 5.5, "5" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Constraints go in `= Field(...)`: inside Annotated next to a BeforeValidator, pydantic would
# emit them as unknown `ge`/`le` keys instead of JSON Schema `minimum`/`maximum`.
JsonInt = Annotated[int, BeforeValidator(_integral_float_to_int)]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Password = Annotated[str, Field(min_length=8, max_length=128)]
ServiceCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,32}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Credentials(Strict):
    email: Annotated[str, StringConstraints(max_length=254)] = Field(examples=["ada@example.com"])
    password: Password


class RegisterRequest(Credentials):
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL_PATTERN)] = Field(
        examples=["ada@example.com"]
    )


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    created_at: datetime


class MeOut(UserOut):
    balance: int
    currency: str


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime


class WalletOut(BaseModel):
    balance: int = Field(description="Balance in minor units")
    currency: str


class LedgerEntryOut(BaseModel):
    id: int
    kind: LedgerKind
    amount: int = Field(description="Signed amount in minor units: credits positive, debits negative")
    balance_after: int
    reference: str
    created_at: datetime


class LedgerPage(BaseModel):
    items: list[LedgerEntryOut]
    next_before_id: int | None = Field(description="Pass as before_id to get the next (older) page")


class TopupRequest(Strict):
    # The documented bounds are the defaults; MIN_TOPUP_MINOR / MAX_TOPUP_MINOR may narrow them.
    amount: JsonInt = Field(
        ge=DEFAULT_MIN_TOPUP_MINOR, le=DEFAULT_MAX_TOPUP_MINOR, description="Amount in minor units (cents)"
    )


class TopupOut(BaseModel):
    id: uuid.UUID
    amount: int
    currency: str
    status: PaymentStatus
    checkout_url: str | None
    created_at: datetime


class CountryOffer(BaseModel):
    code: str
    name: str
    price: int


class ServiceOut(BaseModel):
    code: str
    name: str
    countries: list[CountryOffer]


class CatalogueOut(BaseModel):
    currency: str
    services: list[ServiceOut]


class PurchaseRequestIn(Strict):
    service: ServiceCode
    country: CountryCode


class VerificationOut(BaseModel):
    id: uuid.UUID
    service: str
    country: str
    price: int
    status: VerificationStatus
    phone_number: str | None
    code: str | None
    created_at: datetime
    expires_at: datetime


class VerificationList(BaseModel):
    items: list[VerificationOut]


class PaymentEventData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    payment_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    amount: JsonInt = Field(ge=1, le=MAX_MINOR_UNITS, description="Amount in minor units (cents)")
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class PaymentEventIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    type: Literal["payment.succeeded", "payment.failed"]
    data: PaymentEventData


class WebhookAck(BaseModel):
    outcome: Literal["processed", "duplicate", "no-change"]
