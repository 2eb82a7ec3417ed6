"""E2E fixtures: the real service in a subprocess (uvicorn on a free port, a throwaway SQLite file,
in-process cache, deterministic sandbox providers), and a screenshot of the page when a test fails.

The browser is pytest-playwright's `page`, launched on the system Chromium by tests/conftest.py.
Its Playwright driver, browser and context arguments are session-scoped upstream; here they live
for this package only. A session-long sync Playwright would make any later `sync_playwright()` in
the same worker (tests/unit/report/test_html_browser.py) fail with "Sync API inside the asyncio
loop", depending on how xdist happens to order the files.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

from app.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30.0
# A code "arrives" this long after a purchase: long enough for the cancel journey to cancel first,
# short enough for the code journey to see it soon.
SMS_DELAY_S = 4.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _service_env(database: Path) -> dict[str, str]:
    """The inherited environment minus every setting of the service (CI exports DATABASE_URL and
    REDIS_URL for the integration suite; they must not leak in), plus an embedded configuration."""
    knobs = {name.upper() for name in Settings.model_fields}
    env = {key: value for key, value in os.environ.items() if key.upper() not in knobs}
    env.update(
        APP_ENV="test",
        DATABASE_URL=f"sqlite:///{database}",  # absolute: never ./sms.db in the checkout
        SMS_PROVIDER="sandbox",
        PAYMENT_PROVIDER="sandbox",
        SANDBOX_SMS_DELAY_SECONDS=str(SMS_DELAY_S),
        # Every journey logs in from 127.0.0.1; cheap hashing keeps registration fast.
        LOGIN_RATE_LIMIT="1000",
        PURCHASE_RATE_LIMIT="1000",
        ARGON2_TIME_COST="1",
        ARGON2_MEMORY_COST_KIB="8192",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_ready(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the service exited with {server.returncode} before it was ready:\n{_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:  # noqa: S310 - local http URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=0.2)  # bounded back-off that also notices an early exit
    pytest.fail(f"the service did not answer GET /health within {READY_TIMEOUT_S:.0f} s:\n{_tail(log)}")


def _tail(log: Path, limit: int = 8000) -> str:
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else "(no output)"
    return text[-limit:]


@pytest.fixture(scope="session")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The running service's URL (not pytest-playwright's session-wide `base_url`, which another
    suite in the same worker may already have resolved to None)."""
    workdir = tmp_path_factory.mktemp("e2e-service")
    log = workdir / "server.log"
    port = _free_port()
    argv = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            argv, cwd=ROOT, env=_service_env(workdir / "e2e.db"), stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    return getattr(playwright, browser_name)  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: BrowserType
) -> Callable[..., Browser]:
    def launch(**kwargs: Any) -> Browser:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="package")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    launched = launch_browser()
    yield launched
    launched.close()


@pytest.fixture(scope="package")
def browser_context_args() -> dict[str, Any]:
    return {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request: pytest.FixtureRequest, page: Page) -> Iterator[None]:
    """Save test-results/<test>.png when the test failed (no CLI flag needed)."""
    yield
    if request.node.stash.get(_FAILED, False):
        folder = request.config.rootpath / "test-results"
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
