"""Provider interfaces and their implementations (HTTP clients and in-process sandboxes)."""

from __future__ import annotations

from pydantic import SecretStr

from app.providers.base import (
    Activation,
    NoNumbersAvailable,
    PaymentIntent,
    PaymentProvider,
    PaymentState,
    ProviderError,
    ProviderUnavailable,
    SmsProvider,
    SmsState,
    SmsStatus,
)
from app.providers.http import HttpPaymentProvider, HttpSmsProvider
from app.providers.sandbox import SandboxPaymentProvider, SandboxSmsProvider
from app.settings import ProviderKind, Settings

__all__ = [
    "Activation",
    "HttpPaymentProvider",
    "HttpSmsProvider",
    "NoNumbersAvailable",
    "PaymentIntent",
    "PaymentProvider",
    "PaymentState",
    "ProviderError",
    "ProviderUnavailable",
    "SandboxPaymentProvider",
    "SandboxSmsProvider",
    "SmsProvider",
    "SmsState",
    "SmsStatus",
    "make_payment_provider",
    "make_sms_provider",
]


def _key(secret: SecretStr | None) -> str:
    return secret.get_secret_value() if secret is not None else ""


def make_sms_provider(settings: Settings) -> SmsProvider:
    if settings.sms_provider is ProviderKind.HTTP:
        if not settings.sms_provider_url:  # Settings validation requires it; kept for the type
            raise ValueError("SMS_PROVIDER=http needs SMS_PROVIDER_URL")
        return HttpSmsProvider(
            settings.sms_provider_url, _key(settings.sms_provider_api_key), settings.provider_timeout_seconds
        )
    return SandboxSmsProvider(delay_seconds=settings.sandbox_sms_delay_seconds)


def make_payment_provider(settings: Settings) -> PaymentProvider:
    if settings.payment_provider is ProviderKind.HTTP:
        if not settings.payment_provider_url:  # Settings validation requires it; kept for the type
            raise ValueError("PAYMENT_PROVIDER=http needs PAYMENT_PROVIDER_URL")
        return HttpPaymentProvider(
            settings.payment_provider_url,
            _key(settings.payment_provider_api_key),
            settings.provider_timeout_seconds,
        )
    return SandboxPaymentProvider(auto_settle=True)
