"""Load profile of the reference service (plan Task 3.1), run by the `performance` check.

Each simulated user registers a fresh account, logs in (bearer token), tops up its wallet, then
browses and buys like a customer: the catalogue most, its wallet and ledger, now and then a
number (with an `Idempotency-Key`), and the liveness probe. Every answer other than the one the
API documents for that request is a failure. One deliberate exception: a purchase refused with
402 (the balance ran out) is the service working as specified, so it counts as a success and
the user tops up again before its next purchase.
"""

from __future__ import annotations

import random
import secrets
import uuid
from typing import Any

from locust import HttpUser, between, task

API = "/api/v1"
# A throwaway account on a throwaway database; made at start so no literal looks like a secret.
PASSWORD = secrets.token_urlsafe(16)
TOPUP_MINOR = 5_000  # enough for a few purchases; a 402 later is expected and handled


class Customer(HttpUser):
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.offers: list[tuple[str, str]] = []
        self.broke = False
        email = f"load-{uuid.uuid4().hex}@example.com"
        credentials = {"email": email, "password": PASSWORD}
        with self.client.post(f"{API}/auth/register", json=credentials, catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"register: expected 201, got {response.status_code}")
                return
        with self.client.post(f"{API}/auth/login", json=credentials, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"login: expected 200, got {response.status_code}")
                return
            token = str(response.json()["access_token"])
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.top_up()
        self.catalogue()

    def top_up(self) -> None:
        with self.client.post(
            f"{API}/wallet/topups", json={"amount": TOPUP_MINOR}, catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"top-up: expected 201, got {response.status_code}")
            else:
                self.broke = False

    @task(5)
    def catalogue(self) -> None:
        with self.client.get(f"{API}/services", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"catalogue: expected 200, got {response.status_code}")
                return
            body: dict[str, Any] = response.json()
            self.offers = [
                (str(service["code"]), str(country["code"]))
                for service in body["services"]
                for country in service["countries"]
            ]
            if not self.offers:
                response.failure("catalogue: no service/country offered")

    def get_ok(self, path: str, name: str | None = None) -> None:
        """GET that must answer exactly 200 (a redirect or 204 would be a failure too)."""
        with self.client.get(path, name=name or path, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{name or path}: expected 200, got {response.status_code}")

    @task(3)
    def wallet(self) -> None:
        self.get_ok(f"{API}/wallet")

    @task(2)
    def transactions(self) -> None:
        self.get_ok(f"{API}/wallet/transactions?limit=20", name=f"{API}/wallet/transactions")

    @task(2)
    def purchase(self) -> None:
        if self.broke:
            self.top_up()
            return
        if not self.offers:
            return  # the catalogue failed (already counted as a failure): nothing to buy
        service, country = random.choice(self.offers)  # a load mix, not security
        with self.client.post(
            f"{API}/verifications",
            json={"service": service, "country": country},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                response.success()
            elif response.status_code == 402:
                # Documented answer for a short balance: the service is right, not failing.
                self.broke = True
                response.success()
            else:
                got = response.status_code
                response.failure(f"purchase {service}/{country}: expected 201 or 402, got {got}")

    @task(1)
    def health(self) -> None:
        self.get_ok("/health")
