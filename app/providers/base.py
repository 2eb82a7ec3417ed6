"""The two provider interfaces, their value types and their one error family."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class ProviderError(Exception):
    """The provider answered, but not with what we asked for."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or did not answer in time."""


class NoNumbersAvailable(ProviderError):
    """The SMS provider has no number for this service and country right now."""


@dataclass(frozen=True)
class Activation:
    activation_id: str
    phone_number: str


class SmsState(StrEnum):
    WAITING = "waiting"
    RECEIVED = "received"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class SmsStatus:
    state: SmsState
    code: str | None = None


class SmsProvider(Protocol):
    """Rents phone numbers and reports the codes sent to them."""

    name: str

    def buy_number(self, service: str, country: str) -> Activation: ...
    def get_status(self, activation_id: str) -> SmsStatus: ...
    def cancel(self, activation_id: str) -> None: ...


class PaymentState(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class PaymentIntent:
    provider_payment_id: str
    state: PaymentState
    checkout_url: str | None


class PaymentProvider(Protocol):
    """Takes money from the customer; confirms it later through a signed webhook."""

    name: str

    def create_payment(self, amount: int, currency: str, reference: str) -> PaymentIntent: ...
