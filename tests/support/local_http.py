"""Serving a fake API on 127.0.0.1 for a test: one `http.server` on a free port, in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """The server's base URL (`http://127.0.0.1:PORT`) while the `with` block runs; it is shut down,
    its socket closed and its thread joined afterwards."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class ServedLocally:
    """A fake API that serves itself while a `with` block runs: `url` is its base URL then.

    Subclasses say which request handler serves them (`handler_class`)."""

    url: str
    _serving: ExitStack

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self._serving = ExitStack()
        self.url = self._serving.enter_context(serving(self.handler_class()))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._serving.close()
