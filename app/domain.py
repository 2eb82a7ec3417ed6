"""Pure domain rules: money, ledger, verification lifecycle, idempotency. No I/O here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.models import VerificationStatus

MAX_MINOR_UNITS = 2**53  # far above any real balance, below every integer limit in the stack
CURRENCY_EXPONENT = {"USD": 2, "EUR": 2, "GBP": 2, "INR": 2, "JPY": 0}
CURRENCY_SYMBOL = {"USD": "$", "EUR": "€", "GBP": "£", "INR": "₹", "JPY": "¥"}
TERMINAL_STATUSES = frozenset(
    {
        VerificationStatus.COMPLETED,
        VerificationStatus.CANCELLED,
        VerificationStatus.EXPIRED,
        VerificationStatus.FAILED,
    }
)
REFUNDABLE_ENDINGS = frozenset(
    {VerificationStatus.CANCELLED, VerificationStatus.EXPIRED, VerificationStatus.FAILED}
)


class DomainError(Exception):
    """A rule was broken; the API layer maps each subclass to a problem response."""


class InsufficientFunds(DomainError):
    def __init__(self, balance: int, amount: int) -> None:
        super().__init__(f"balance {balance} is less than {amount}")
        self.balance = balance
        self.amount = amount


class InvalidAmount(DomainError):
    pass


class InvalidTransition(DomainError):
    def __init__(self, current: VerificationStatus, target: VerificationStatus) -> None:
        super().__init__(f"a {current.value} verification cannot become {target.value}")
        self.current = current
        self.target = target


class IdempotencyConflict(DomainError):
    """The same Idempotency-Key was sent with a different request body."""


def check_amount(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidAmount("amounts are integers of minor units")
    if amount <= 0 or amount > MAX_MINOR_UNITS:
        raise InvalidAmount(f"amount must be between 1 and {MAX_MINOR_UNITS} minor units")
    return amount


def debit(balance: int, amount: int) -> int:
    """The balance after paying `amount`; never negative."""
    check_amount(amount)
    if amount > balance:
        raise InsufficientFunds(balance, amount)
    return balance - amount


def credit(balance: int, amount: int) -> int:
    check_amount(amount)
    return balance + amount


def ledger_sum(amounts: Iterable[int]) -> int:
    return sum(amounts)


def format_money(amount: int, currency: str) -> str:
    """Render minor units for humans: 150 USD -> '$1.50', -5 USD -> '-$0.05'."""
    exponent = CURRENCY_EXPONENT.get(currency, 2)
    symbol = CURRENCY_SYMBOL.get(currency, currency + " ")
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**exponent)
    if exponent == 0:
        return f"{sign}{symbol}{major:,}"
    return f"{sign}{symbol}{major:,}.{minor:0{exponent}d}"


_ALLOWED = {
    VerificationStatus.PENDING: frozenset(
        {
            VerificationStatus.COMPLETED,
            VerificationStatus.CANCELLED,
            VerificationStatus.EXPIRED,
            VerificationStatus.FAILED,
        }
    ),
}


def transition(current: VerificationStatus, target: VerificationStatus) -> VerificationStatus:
    """Only a pending verification moves, and only to a terminal status."""
    if target not in _ALLOWED.get(current, frozenset()):
        raise InvalidTransition(current, target)
    return target


def is_refundable(status: VerificationStatus) -> bool:
    return status in REFUNDABLE_ENDINGS


def expires_at(created_at: datetime, ttl_seconds: int) -> datetime:
    return created_at + timedelta(seconds=ttl_seconds)


def is_expired(status: VerificationStatus, deadline: datetime, now: datetime) -> bool:
    return status is VerificationStatus.PENDING and now >= deadline


@dataclass(frozen=True)
class PurchaseRequest:
    service: str
    country: str

    def fingerprint(self) -> str:
        """A stable digest of what was asked; a replayed Idempotency-Key must carry the same one."""
        canonical = json.dumps({"country": self.country, "service": self.service}, sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()


def check_replay(stored_fingerprint: str, request: PurchaseRequest) -> None:
    """A retry with the same key must be the same request; anything else is a client bug."""
    if stored_fingerprint != request.fingerprint():
        raise IdempotencyConflict("Idempotency-Key was already used with a different request")
