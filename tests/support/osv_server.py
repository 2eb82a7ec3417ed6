"""A small OSV-speaking HTTP server on 127.0.0.1 for pip-audit's `-s osv --osv-url`.

pip-audit 2.10 sends one `POST /v1/query` per pinned dependency ({"package": {"name",
"ecosystem"}, "version"}) and reads `{"vulns": [...]}`; an empty object means "no known
vulnerability". `/v1/querybatch` is answered too, in OSV's batch shape, though pip-audit does
not use it. `status` set to e.g. 500 makes every query fail, to test the fail-closed path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.local_http import serving

# The advisory pip-audit reported for requests 2.19.0 against the real OSV (FIELD_NOTES).
REQUESTS_CVE: dict[str, Any] = {
    "schema_version": "1.4.0",
    "id": "PYSEC-2018-28",
    "aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
    "summary": "requests sends the Authorization header on an https to http redirect",
    "published": "2018-10-09T00:29:00Z",
    "affected": [
        {
            "package": {"name": "requests", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}],
        }
    ],
}
DEFAULT_ADVISORIES: Mapping[tuple[str, str], list[dict[str, Any]]] = {("requests", "2.19.0"): [REQUESTS_CVE]}


@dataclass
class OsvServer:
    url: str  # the /v1/query URL, as `--osv-url` wants it
    advisories: Mapping[tuple[str, str], list[dict[str, Any]]]
    status: int = 200
    queries: list[tuple[str, str]] = field(default_factory=list)


def _handler(state: OsvServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            if state.status != 200:
                self._send(state.status, {"code": state.status, "message": "injected failure"})
            elif self.path == "/v1/query":
                self._send(200, self._answer(body))
            elif self.path == "/v1/querybatch":
                self._send(200, {"results": [self._answer(query) for query in body.get("queries", [])]})
            else:
                self._send(404, {"code": 404, "message": f"no route {self.path}"})

        def _answer(self, query: Mapping[str, Any]) -> dict[str, Any]:
            name = str(query.get("package", {}).get("name", "")).lower()
            version = str(query.get("version", ""))
            state.queries.append((name, version))
            vulns = state.advisories.get((name, version), [])
            return {"vulns": vulns} if vulns else {}

        def _send(self, status: int, payload: Mapping[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return None

    return Handler


@contextmanager
def osv_server(
    advisories: Mapping[tuple[str, str], list[dict[str, Any]]] = DEFAULT_ADVISORIES, status: int = 200
) -> Iterator[OsvServer]:
    """Serve on 127.0.0.1, a free port, in a thread, for the duration of the `with` block."""
    state = OsvServer(url="", advisories=advisories, status=status)
    with serving(_handler(state)) as url:
        state.url = f"{url}/v1/query"
        yield state
