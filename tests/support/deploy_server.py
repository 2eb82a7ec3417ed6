"""Render's deploy hook and deploy-status API, the service's health endpoints, a rollback hook and
a Slack incoming webhook, on 127.0.0.1 (a free port, a thread), in memory, with faults to inject.

    POST /deploy/{service}?key=K                 Render's deploy hook: {"deploy": {"id": "dep-N"}};
                                                 403 for another key
    GET  /v1/services/{service}/deploys/{id}     {"id", "status"}; 401 without `Bearer BEARER`,
                                                 404 for an unknown service or deploy; the status
                                                 follows `deploy_statuses`, one per read, the last
                                                 repeated ("build_in_progress" forever: never live)
    GET  /health, /api/v1/health, /api/diagnostics
                                                 the service's documented bodies (app/api/health.py);
                                                 `health_modes` gives one mode per round (a round
                                                 starts at each GET /health), the last repeated, or
                                                 cycled with `cycle_modes` (flapping)
    POST /rollback                               answers `rollback_status` (a failing rollback: 500)
    POST /slack                                  records the JSON body; answers `slack_status`

Health modes: "ok"; "500" (every endpoint); "wrong_body" (200 with the wrong shape);
"db_down" (readiness 503, the database "down"); "in_process_cache" (healthy, but the cache is
not Redis); "slow" (every answer after `slow_s`). Every request is recorded in `requests`.

    with DeployServer() as srv:
        env = srv.env("staging")
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.support.local_http import ServedLocally

Mode = Literal["ok", "500", "wrong_body", "db_down", "in_process_cache", "slow"]
SERVICE = "srv-test0001"
HOOK_KEY = "hookkey"  # a fake hook key for a fake server
BEARER = "render-test-bearer"  # likewise: what the fake Render API accepts
SHA = "c0ffee" * 6 + "c0ff"  # a commit id of low entropy (detect-secrets)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: Any  # the parsed JSON, or None


@dataclass
class DeployServer(ServedLocally):
    deploy_statuses: list[str] = field(
        default_factory=lambda: ["build_in_progress", "update_in_progress", "live"]
    )
    health_modes: list[Mode] = field(default_factory=lambda: ["ok"])
    cycle_modes: bool = False
    slow_s: float = 0.3
    rollback_status: int = 200
    slack_status: int = 200
    git_sha: str = SHA
    requests: list[Recorded] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._deploys: dict[str, int] = {}  # deploy id -> status reads so far
        self._rounds = 0

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        return _handler(self)

    # -- for tests --

    @property
    def deploy_hook(self) -> str:
        return f"{self.url}/deploy/{SERVICE}?key={HOOK_KEY}"

    def env(self, environment: str = "staging", **extra: str) -> dict[str, str]:
        """Every secret and variable a deploy to `environment` reads, pointing here."""
        prefix = "STAGING" if environment == "staging" else "RENDER"
        url_name = "STAGING_URL" if environment == "staging" else "PRODUCTION_URL"
        return {
            f"{prefix}_DEPLOY_HOOK": self.deploy_hook,
            f"{prefix}_ROLLBACK_HOOK": f"{self.url}/rollback",
            url_name: self.url,
            "RENDER_API_KEY": BEARER,
            "RENDER_API_URL": f"{self.url}/v1",
            "GITHUB_SHA": SHA,
            **extra,
        }

    def calls(self, method: str, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path.startswith(path)]

    # -- behaviour --

    def _mode(self, path: str) -> Mode:
        with self.lock:
            if path == "/health":
                self._rounds += 1
            index = max(self._rounds - 1, 0)
            if self.cycle_modes:
                return self.health_modes[index % len(self.health_modes)]
            return self.health_modes[min(index, len(self.health_modes) - 1)]

    def _status_of(self, deploy_id: str) -> str:
        with self.lock:
            reads = self._deploys[deploy_id]
            self._deploys[deploy_id] = reads + 1
            return self.deploy_statuses[min(reads, len(self.deploy_statuses) - 1)]

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], auth: str | None
    ) -> tuple[int, Any]:
        if method == "POST" and path == f"/deploy/{SERVICE}":
            if query.get("key") != [HOOK_KEY]:
                return 403, {"message": "invalid key"}
            deploy_id = f"dep-{next(self._ids)}"
            with self.lock:
                self._deploys[deploy_id] = 0
            return 200, {"deploy": {"id": deploy_id}}
        prefix = f"/v1/services/{SERVICE}/deploys/"
        if method == "GET" and path.startswith("/v1/"):
            if auth != f"Bearer {BEARER}":
                return 401, {"message": "unauthorized"}
            deploy_id = path.removeprefix(prefix)
            if not path.startswith(prefix) or deploy_id not in self._deploys:
                return 404, {"message": "not found"}
            return 200, {"id": deploy_id, "status": self._status_of(deploy_id)}
        if method == "POST" and path == "/rollback":
            return self.rollback_status, {"ok": self.rollback_status < 300}
        if method == "POST" and path == "/slack":
            return self.slack_status, "ok"
        if method == "GET" and path in ("/health", "/api/v1/health", "/api/diagnostics"):
            return self._health(path, self._mode(path))
        return 404, {"detail": "Not Found"}

    def _health(self, path: str, mode: Mode) -> tuple[int, Any]:
        if mode == "slow":
            time.sleep(self.slow_s)
        if mode == "500":
            return 500, {"detail": "Internal Server Error"}
        if mode == "wrong_body":
            return 200, {"ok": True}
        database = "down" if mode == "db_down" else "up"
        cache_kind = "in-process" if mode == "in_process_cache" else "redis"
        deps = {
            "database": {"status": database, "kind": "postgresql", "latency_ms": 1.0, "error": None},
            "cache": {"status": "up", "kind": cache_kind, "latency_ms": 0.5, "error": None},
        }
        if database == "down":
            deps["database"]["error"] = "OperationalError"
        if path == "/health":
            return 200, {"status": "up"}
        if path == "/api/v1/health":
            healthy = database == "up"
            return (200 if healthy else 503), {"status": "up" if healthy else "down", "dependencies": deps}
        return 200, {
            "version": "1.0.0",
            "git_sha": self.git_sha,
            "environment": "staging",
            "migration_revision": "0001",
            "sms_provider": "sandbox",
            "payment_provider": "sandbox",
            "dependencies": deps,
        }


def _handler(server: DeployServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with server.lock:
                server.requests.append(Recorded(self.command, parts.path, body))
            status, payload = server.answer(
                self.command, parts.path, parse_qs(parts.query), self.headers.get("Authorization")
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that timed out
                self.wfile.write(data)

        do_GET = _serve
        do_POST = _serve

    return Handler
