from __future__ import annotations

import pytest

from app.providers import PaymentState, ProviderError, SandboxPaymentProvider, SandboxSmsProvider, SmsState


class Ticker:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_sandbox_numbers_are_deterministic() -> None:
    first, second = SandboxSmsProvider(None, instance="seed"), SandboxSmsProvider(None, instance="seed")
    assert first.buy_number("telegram", "US") == second.buy_number("telegram", "US")
    assert SandboxSmsProvider(None).buy_number("telegram", "US") != SandboxSmsProvider(None).buy_number(
        "telegram", "US"
    )
    assert first.buy_number("telegram", "GB").phone_number.startswith("+44")
    assert first.buy_number("telegram", "ZZ").phone_number.startswith("+999")


def test_sandbox_code_arrives_after_the_delay() -> None:
    ticker = Ticker()
    sms = SandboxSmsProvider(delay_seconds=5, clock=ticker)
    activation = sms.buy_number("telegram", "US")
    assert sms.get_status(activation.activation_id).state is SmsState.WAITING
    ticker.now = 5
    status = sms.get_status(activation.activation_id)
    assert status.state is SmsState.RECEIVED
    assert status.code == SandboxSmsProvider.code_for(activation.activation_id)
    assert status.code is not None and len(status.code) == 6 and status.code.isdigit()


def test_sandbox_without_delay_waits_for_an_explicit_delivery() -> None:
    sms = SandboxSmsProvider(delay_seconds=None)
    activation = sms.buy_number("google", "DE")
    assert sms.get_status(activation.activation_id).state is SmsState.WAITING
    sms.deliver(activation.activation_id, "424242")
    assert sms.get_status(activation.activation_id).code == "424242"


def test_sandbox_cancel_and_unknown_activation() -> None:
    sms = SandboxSmsProvider(delay_seconds=0)
    activation = sms.buy_number("google", "DE")
    sms.cancel(activation.activation_id)
    assert sms.get_status(activation.activation_id).state is SmsState.CANCELLED
    with pytest.raises(ProviderError, match="unknown activation"):
        sms.get_status("nope")


def test_sandbox_adopts_activations_from_an_earlier_run() -> None:
    earlier = SandboxSmsProvider(delay_seconds=5).buy_number("telegram", "US")
    restarted = SandboxSmsProvider(delay_seconds=5)
    status = restarted.get_status(earlier.activation_id)
    assert (status.state, status.code) == (
        SmsState.RECEIVED,
        SandboxSmsProvider.code_for(earlier.activation_id),
    )
    other = SandboxSmsProvider(delay_seconds=5).buy_number("telegram", "US")
    restarted.cancel(other.activation_id)
    assert restarted.get_status(other.activation_id).state is SmsState.CANCELLED


def test_sandbox_payments_settle_or_stay_pending() -> None:
    settled = SandboxPaymentProvider(auto_settle=True).create_payment(500, "USD", "ref-1")
    assert settled.state is PaymentState.SUCCEEDED
    assert settled.provider_payment_id.startswith("pay_sbx_00000001")
    pending = SandboxPaymentProvider(auto_settle=False).create_payment(500, "USD", "ref-1")
    assert pending.state is PaymentState.PENDING
