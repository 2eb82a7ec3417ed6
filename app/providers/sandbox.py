"""Deterministic in-process providers: the default for local runs, no network involved."""

from __future__ import annotations

import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from app.providers.base import (
    Activation,
    PaymentIntent,
    PaymentState,
    ProviderError,
    SmsState,
    SmsStatus,
)

DIAL_CODES = {"US": "1", "GB": "44", "DE": "49", "IN": "91"}


@dataclass
class _Rental:
    bought_at: float
    code: str | None = None
    cancelled: bool = False


class SandboxSmsProvider:
    """Numbers and codes are derived from a counter, so every run behaves the same.

    A code "arrives" `delay_seconds` after the purchase (None: only when `deliver` is called).
    """

    name = "sandbox"

    def __init__(
        self,
        delay_seconds: float | None = 5.0,
        clock: Callable[[], float] = time.monotonic,
        instance: str | None = None,
    ) -> None:
        # Activation ids carry an instance token so ids from an earlier run never collide.
        self._instance = instance or secrets.token_hex(4)
        self._delay = delay_seconds
        self._clock = clock
        self._counter = itertools.count(1)
        self._rentals: dict[str, _Rental] = {}
        self._lock = threading.Lock()

    def buy_number(self, service: str, country: str) -> Activation:
        with self._lock:
            serial = next(self._counter)
            activation_id = f"sbx-{self._instance}-{serial:08d}"
            self._rentals[activation_id] = _Rental(bought_at=self._clock())
        dial = DIAL_CODES.get(country, "999")
        return Activation(activation_id, f"+{dial}555{serial:07d}")

    @staticmethod
    def code_for(activation_id: str) -> str:
        return str(int(hashlib.sha256(activation_id.encode()).hexdigest(), 16) % 1_000_000).zfill(6)

    def deliver(self, activation_id: str, code: str | None = None) -> None:
        with self._lock:
            self._rental(activation_id).code = code or self.code_for(activation_id)

    def get_status(self, activation_id: str) -> SmsStatus:
        with self._lock:
            rental = self._rental(activation_id)
            if rental.cancelled:
                return SmsStatus(SmsState.CANCELLED)
            due = self._delay is not None and self._clock() - rental.bought_at >= self._delay
            if rental.code is None and due:
                rental.code = self.code_for(activation_id)
            if rental.code is not None:
                return SmsStatus(SmsState.RECEIVED, rental.code)
            return SmsStatus(SmsState.WAITING)

    def cancel(self, activation_id: str) -> None:
        with self._lock:
            self._rental(activation_id).cancelled = True

    def _rental(self, activation_id: str) -> _Rental:
        rental = self._rentals.get(activation_id)
        if rental is None:
            if not activation_id.startswith("sbx-"):
                raise ProviderError(f"unknown activation {activation_id}")
            # Rented by an earlier process (the sandbox keeps no state across restarts): adopt it
            # as one that has waited long enough, so a restarted dev server keeps working.
            rental = self._rentals[activation_id] = _Rental(bought_at=float("-inf"))
        return rental


class SandboxPaymentProvider:
    """Settles every payment at once (auto_settle) or leaves it pending for a webhook to confirm."""

    name = "sandbox"

    def __init__(self, auto_settle: bool = True) -> None:
        self._auto_settle = auto_settle
        self._counter = itertools.count(1)
        self._lock = threading.Lock()

    def create_payment(self, amount: int, currency: str, reference: str) -> PaymentIntent:
        with self._lock:
            serial = next(self._counter)
        state = PaymentState.SUCCEEDED if self._auto_settle else PaymentState.PENDING
        return PaymentIntent(f"pay_sbx_{serial:08d}_{reference[:8]}", state, None)
