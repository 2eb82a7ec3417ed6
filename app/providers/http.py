"""HTTP clients for the real SMS and payment providers (JSON over HTTPS, bearer API key)."""

from __future__ import annotations

from typing import Any

import httpx

from app.providers.base import (
    Activation,
    NoNumbersAvailable,
    PaymentIntent,
    PaymentState,
    ProviderError,
    ProviderUnavailable,
    SmsState,
    SmsStatus,
)


class _JsonClient:
    def __init__(
        self, base_url: str, api_key: str, timeout: float, transport: httpx.BaseTransport | None
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def request(self, method: str, path: str, json: dict[str, Any] | None = None) -> httpx.Response:
        try:
            return self._client.request(method, path, json=json)
        except httpx.TimeoutException as error:
            raise ProviderUnavailable(f"{method} {path} timed out") from error
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"{method} {path} failed: {type(error).__name__}") from error

    @staticmethod
    def body(response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise ProviderUnavailable(f"provider answered {response.status_code}")
        if response.status_code >= 400:
            raise ProviderError(f"provider rejected the request with {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            raise ProviderError("provider answered with malformed JSON") from None
        if not isinstance(data, dict):
            raise ProviderError("provider answered with an unexpected JSON shape")
        return data

    def close(self) -> None:
        self._client.close()


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProviderError(f"provider response lacks '{key}'")
    return value


class HttpSmsProvider:
    """`POST /v1/numbers`, `GET /v1/numbers/{id}`, `POST /v1/numbers/{id}/cancel`."""

    name = "http"

    def __init__(
        self, base_url: str, api_key: str, timeout: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = _JsonClient(base_url, api_key, timeout, transport)

    def buy_number(self, service: str, country: str) -> Activation:
        response = self._http.request("POST", "/v1/numbers", {"service": service, "country": country})
        if response.status_code == 409:
            raise NoNumbersAvailable(f"no number available for {service}/{country}")
        data = self._http.body(response)
        return Activation(_text(data, "activation_id"), _text(data, "phone_number"))

    def get_status(self, activation_id: str) -> SmsStatus:
        data = self._http.body(self._http.request("GET", f"/v1/numbers/{activation_id}"))
        try:
            state = SmsState(str(data.get("status")))
        except ValueError:
            raise ProviderError("provider answered with an unknown status") from None
        code = data.get("code")
        if state is SmsState.RECEIVED and not isinstance(code, str):
            raise ProviderError("provider reported a received SMS without a code")
        return SmsStatus(state, code if isinstance(code, str) else None)

    def cancel(self, activation_id: str) -> None:
        self._http.body(self._http.request("POST", f"/v1/numbers/{activation_id}/cancel"))

    def close(self) -> None:
        self._http.close()


class HttpPaymentProvider:
    """`POST /v1/payments` -> `{id, status, checkout_url}`; settlement arrives by webhook."""

    name = "http"

    def __init__(
        self, base_url: str, api_key: str, timeout: float = 5.0, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = _JsonClient(base_url, api_key, timeout, transport)

    def create_payment(self, amount: int, currency: str, reference: str) -> PaymentIntent:
        payload = {"amount": amount, "currency": currency, "reference": reference}
        data = self._http.body(self._http.request("POST", "/v1/payments", payload))
        try:
            state = PaymentState(str(data.get("status")))
        except ValueError:
            raise ProviderError("provider answered with an unknown payment status") from None
        checkout = data.get("checkout_url")
        return PaymentIntent(_text(data, "id"), state, checkout if isinstance(checkout, str) else None)

    def close(self) -> None:
        self._http.close()
