"""Live progress of a run: each check's state and elapsed time.

On a terminal a rich live table redraws in place; elsewhere (CI logs, pipes) one line is
printed per state change so logs stay readable.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from cimaturity.model import Check, CheckResult, Status

_STYLE = {Status.PASSED: "green", Status.FAILED: "red", Status.ERROR: "bold red", Status.SKIPPED: "yellow"}


class ConsoleProgress:
    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._done: list[CheckResult] = []
        self._live: Live | None = None

    def __enter__(self) -> ConsoleProgress:
        if self.console.is_terminal:
            self._live = Live(self._table(), console=self.console, refresh_per_second=4)
            self._live.__enter__()
            self._live.update(self._table, refresh=True)  # type: ignore[arg-type]  # rich calls it
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._live is not None:
            self._live.update(self._table(), refresh=True)
            self._live.__exit__(kind, value, tb)

    def note(self, message: str) -> None:
        """A step before the checks (provisioning the project's environment): one line each."""
        self.console.print(f"[cyan]setup[/]  {escape(message)}", highlight=False)

    def started(self, check: Check) -> None:
        with self._lock:
            self._running[check.name] = time.monotonic()
        if self._live is None:
            self.console.print(f"[cyan]start[/]  {check.name} ({check.stage.value})", highlight=False)

    def finished(self, result: CheckResult) -> None:
        with self._lock:
            self._running.pop(result.name, None)
            self._done.append(result)
        if self._live is None:
            style = _STYLE[result.status]
            # Reasons quote tool output and config tables ("[tool.cimaturity]"): never markup.
            line = escape(f"{result.name} ({result.duration_s:.1f}s): {result.reason}")
            self.console.print(f"[{style}]{result.status.value:7}[/] {line}", highlight=False)
        else:
            self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(title="cimaturity", expand=False)
        table.add_column("check")
        table.add_column("state")
        table.add_column("time", justify="right")
        table.add_column("reason", overflow="fold", max_width=80)
        with self._lock:
            now = time.monotonic()
            for result in self._done:
                style = _STYLE[result.status]
                table.add_row(
                    result.name,
                    f"[{style}]{result.status.value}[/]",
                    f"{result.duration_s:.1f}s",
                    escape(result.reason),
                )
            for name, since in self._running.items():
                table.add_row(name, "[cyan]running[/]", f"{now - since:.1f}s", "")
        return table
