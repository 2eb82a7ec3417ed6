"""A small real HTTP server on 127.0.0.1 speaking the SMS and payment provider APIs.

It stands in for the real providers so the httpx clients are tested over real sockets:
    POST /v1/numbers                -> 201 {"activation_id", "phone_number"} | 409 no numbers
    GET  /v1/numbers/{id}           -> {"status": "waiting"|"received"|"cancelled", "code"}
    POST /v1/numbers/{id}/cancel    -> {"status": "cancelled"}
    POST /v1/payments               -> 201 {"id", "status": "pending", "checkout_url"}
Knobs: `fail_next` (answer the next requests with these status codes), `hang` (hold requests
until released, to provoke client timeouts), `malformed_next` (answer non-JSON), `no_numbers`.
"""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class RecordedRequest:
    method: str
    path: str
    authorization: str | None
    body: dict[str, Any] | None


@dataclass
class ProviderState:
    api_key: str
    fail_next: list[int] = field(default_factory=list)
    malformed_next: int = 0
    no_numbers: bool = False
    hang: threading.Event | None = None  # when set to an unset Event, requests wait on it
    numbers: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def deliver(self, activation_id: str, code: str) -> None:
        with self.lock:
            self.numbers[activation_id].update(status="received", code=code)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        with state.lock:
            state.requests.append(RecordedRequest(method, self.path, self.headers.get("Authorization"), body))
            failure = state.fail_next.pop(0) if state.fail_next else None
            malformed = state.malformed_next > 0
            if malformed:
                state.malformed_next -= 1
        if state.hang is not None:
            state.hang.wait(timeout=10)
        if self.headers.get("Authorization") != f"Bearer {state.api_key}":
            self._send(401, {"error": "unauthorized"})
            return
        if failure is not None:
            self._send(failure, {"error": "injected failure"})
            return
        if malformed:
            self._send_raw(200, b"<html>not json</html>", "text/html")
            return
        self._route(method, body or {})

    def _route(self, method: str, body: dict[str, Any]) -> None:
        state = self.server.state
        parts = self.path.strip("/").split("/")
        with state.lock:
            if method == "POST" and parts == ["v1", "numbers"]:
                if state.no_numbers:
                    self._send(409, {"error": "no numbers"})
                    return
                serial = next(state.counter)
                activation_id = f"act-{serial}"
                state.numbers[activation_id] = {"status": "waiting", "code": None, **body}
                self._send(201, {"activation_id": activation_id, "phone_number": f"+4470000{serial:05d}"})
            elif method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "numbers"]:
                number = state.numbers.get(parts[2])
                if number is None:
                    self._send(404, {"error": "unknown activation"})
                else:
                    self._send(200, {"status": number["status"], "code": number["code"]})
            elif method == "POST" and len(parts) == 4 and parts[3] == "cancel":
                number = state.numbers.get(parts[2])
                if number is None:
                    self._send(404, {"error": "unknown activation"})
                elif number["status"] == "received":
                    self._send(409, {"error": "code already delivered"})
                else:
                    number["status"] = "cancelled"
                    self._send(200, {"status": "cancelled"})
            elif method == "POST" and parts == ["v1", "payments"]:
                payment_id = f"pay-{next(state.counter)}"
                state.payments[payment_id] = body
                url = f"https://pay.example/checkout/{payment_id}"
                self._send(201, {"id": payment_id, "status": "pending", "checkout_url": url})
            else:
                self._send(404, {"error": "no such route"})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        self._send_raw(status, json.dumps(payload).encode(), "application/json")

    def _send_raw(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ProviderState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out on purpose (the timeout tests) hangs up: not worth a traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass(frozen=True)
class RunningProvider:
    url: str
    state: ProviderState


@contextmanager
def provider_server(api_key: str = "test-provider-key") -> Iterator[RunningProvider]:
    """Serve the fake provider on an ephemeral 127.0.0.1 port for the duration of the block."""
    state = ProviderState(api_key=api_key)
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, name="fake-provider", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield RunningProvider(f"http://{host!s}:{port}", state)
    finally:
        if state.hang is not None:
            state.hang.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
