"""The httpx provider clients against a real HTTP server on 127.0.0.1 (tests/support)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.factory import create_app
from app.models import Payment
from app.providers import (
    HttpPaymentProvider,
    HttpSmsProvider,
    NoNumbersAvailable,
    PaymentState,
    ProviderError,
    ProviderUnavailable,
    SmsState,
    make_payment_provider,
    make_sms_provider,
)
from tests.support.fakes import make_settings, register
from tests.support.provider_server import RunningProvider, provider_server
from tests.unit.app.conftest import ContainerFactory

KEY = "test-provider-key"


@pytest.fixture
def provider() -> Iterator[RunningProvider]:
    with provider_server(KEY) as running:
        yield running


def test_number_lifecycle(provider: RunningProvider) -> None:
    sms = HttpSmsProvider(provider.url, KEY, timeout=2)
    activation = sms.buy_number("telegram", "GB")
    assert activation.phone_number.startswith("+44")
    assert provider.state.requests[-1].body == {"service": "telegram", "country": "GB"}
    assert provider.state.requests[-1].authorization == f"Bearer {KEY}"
    assert sms.get_status(activation.activation_id).state is SmsState.WAITING
    provider.state.deliver(activation.activation_id, "555111")
    status = sms.get_status(activation.activation_id)
    assert (status.state, status.code) == (SmsState.RECEIVED, "555111")
    with pytest.raises(ProviderError, match="409"):
        sms.cancel(activation.activation_id)  # the code arrived: the provider refuses
    other = sms.buy_number("telegram", "GB")
    sms.cancel(other.activation_id)
    assert sms.get_status(other.activation_id).state is SmsState.CANCELLED
    sms.close()


def test_payment_creation(provider: RunningProvider) -> None:
    payments = HttpPaymentProvider(provider.url, KEY, timeout=2)
    intent = payments.create_payment(1234, "USD", "ref-1")
    assert intent.state is PaymentState.PENDING
    assert intent.checkout_url == f"https://pay.example/checkout/{intent.provider_payment_id}"
    assert provider.state.payments[intent.provider_payment_id] == {
        "amount": 1234,
        "currency": "USD",
        "reference": "ref-1",
    }
    payments.close()


@pytest.mark.parametrize(
    ("status", "error", "message"),
    [(500, ProviderUnavailable, "500"), (503, ProviderUnavailable, "503"), (400, ProviderError, "400")],
)
def test_provider_errors_are_typed(
    provider: RunningProvider, status: int, error: type[Exception], message: str
) -> None:
    provider.state.fail_next = [status, status]
    with pytest.raises(error, match=message):
        HttpSmsProvider(provider.url, KEY).buy_number("telegram", "US")
    with pytest.raises(error, match=message):
        HttpPaymentProvider(provider.url, KEY).create_payment(100, "USD", "r")


def test_wrong_api_key_is_a_provider_error(provider: RunningProvider) -> None:
    with pytest.raises(ProviderError, match="401"):
        HttpSmsProvider(provider.url, "wrong").buy_number("telegram", "US")


def test_no_numbers_and_malformed_answers(provider: RunningProvider) -> None:
    sms = HttpSmsProvider(provider.url, KEY)
    provider.state.no_numbers = True
    with pytest.raises(NoNumbersAvailable):
        sms.buy_number("telegram", "US")
    provider.state.no_numbers = False
    provider.state.malformed_next = 1
    with pytest.raises(ProviderError, match="malformed JSON"):
        sms.buy_number("telegram", "US")
    with pytest.raises(ProviderError, match="404"):
        sms.get_status("act-unknown")


def test_timeouts_become_provider_unavailable(provider: RunningProvider) -> None:
    provider.state.hang = threading.Event()
    try:
        with pytest.raises(ProviderUnavailable, match="timed out"):
            HttpSmsProvider(provider.url, KEY, timeout=0.2).buy_number("telegram", "US")
        with pytest.raises(ProviderUnavailable, match="timed out"):
            HttpPaymentProvider(provider.url, KEY, timeout=0.2).create_payment(100, "USD", "r")
    finally:
        provider.state.hang.set()


def test_unreachable_provider_is_unavailable() -> None:
    with provider_server(KEY) as running:
        url = running.url
    with pytest.raises(ProviderUnavailable, match="ConnectError"):
        HttpSmsProvider(url, KEY, timeout=1).buy_number("telegram", "US")


def test_settings_select_the_implementation(provider: RunningProvider) -> None:
    settings = make_settings(
        sms_provider="http",
        sms_provider_url=provider.url,
        sms_provider_api_key=KEY,
        payment_provider="http",
        payment_provider_url=provider.url,
        payment_provider_api_key=KEY,
    )
    assert isinstance(make_sms_provider(settings), HttpSmsProvider)
    assert isinstance(make_payment_provider(settings), HttpPaymentProvider)
    assert make_sms_provider(make_settings()).name == "sandbox"
    assert make_payment_provider(make_settings()).name == "sandbox"


def test_the_app_buys_through_the_http_provider(
    provider: RunningProvider, make_container: ContainerFactory
) -> None:
    sms = HttpSmsProvider(provider.url, KEY, timeout=2)
    container = make_container(sms_provider=sms)
    with TestClient(create_app(container=container)) as client:
        headers = register(client)
        client.post("/api/v1/wallet/topups", json={"amount": 1000}, headers=headers)
        bought = client.post(
            "/api/v1/verifications", json={"service": "google", "country": "DE"}, headers=headers
        )
        assert bought.status_code == 201
        activation = next(iter(provider.state.numbers))
        provider.state.fail_next = [500]
        flaky = client.get(f"/api/v1/verifications/{bought.json()['id']}", headers=headers)
        assert flaky.json()["status"] == "pending"  # a provider hiccup shows the stored state
        provider.state.deliver(activation, "246810")
        shown = client.get(f"/api/v1/verifications/{bought.json()['id']}", headers=headers).json()
        assert (shown["status"], shown["code"]) == ("completed", "246810")

        other = client.post(
            "/api/v1/verifications", json={"service": "google", "country": "DE"}, headers=headers
        )
        provider.state.fail_next = [503, 503]  # the status poll shrugs it off; the cancel cannot
        refused = client.post(f"/api/v1/verifications/{other.json()['id']}/cancel", headers=headers)
        assert refused.status_code == 504
        balance_before = client.get("/api/v1/wallet", headers=headers).json()["balance"]
        provider.state.numbers[f"act-{2}"]["status"] = "cancelled"  # cancelled on the provider side
        assert (
            client.get(f"/api/v1/verifications/{other.json()['id']}", headers=headers).json()["status"]
            == "cancelled"
        )
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == balance_before + 48


def test_topups_through_the_http_payment_provider(
    provider: RunningProvider, make_container: ContainerFactory
) -> None:
    payments = HttpPaymentProvider(provider.url, KEY, timeout=2)
    container = make_container(payment_provider=payments)
    with TestClient(create_app(container=container)) as client:
        headers = register(client)
        created = client.post("/api/v1/wallet/topups", json={"amount": 2000}, headers=headers)
        assert created.status_code == 201
        assert created.json()["status"] == "pending"
        assert created.json()["checkout_url"].startswith("https://pay.example/checkout/pay-")
        assert client.get("/api/v1/wallet", headers=headers).json()["balance"] == 0  # until the webhook
        for injected, expected in ((500, 504), (400, 502)):
            provider.state.fail_next = [injected]
            refused = client.post("/api/v1/wallet/topups", json={"amount": 2000}, headers=headers)
            assert refused.status_code == expected
        with container.sessions() as session:
            statuses = sorted(p.status for p in session.query(Payment).all())
        assert statuses == ["failed", "failed", "pending"]
