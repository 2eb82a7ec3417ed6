"""E2E fixtures: the real service in a subprocess (uvicorn on a free port, a throwaway SQLite file,
in-process cache, deterministic sandbox providers), and a screenshot of the page when a test fails.

The browser is pytest-playwright's `page`, launched on the system Chromium by tests/conftest.py.
Its Playwright driver, browser and context arguments are session-scoped upstream; here they live
for this package only. A session-long sync Playwright would make any later `sync_playwright()` in
the same worker (tests/unit/report/test_html_browser.py) fail with "Sync API inside the asyncio
loop", depending on how xdist happens to order the files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, sync_playwright

from app.settings import Settings
from cimaturity.tools.with_server import ServiceDidNotStartError, running_service

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 30.0
# A code "arrives" this long after a purchase: long enough for the cancel journey to cancel first,
# short enough for the code journey to see it soon.
SMS_DELAY_S = 6.0


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


@pytest.fixture(scope="session")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The running service's URL (not pytest-playwright's session-wide `base_url`, which another
    suite in the same worker may already have resolved to None)."""
    database = tmp_path_factory.mktemp("e2e-service") / "e2e.db"
    env = _service_env(database)
    try:
        with running_service(
            "app.main:app", "/health", env, inherit=False, cwd=ROOT, timeout_s=READY_TIMEOUT_S
        ) as url:
            yield url
    except ServiceDidNotStartError as exc:
        pytest.fail(f"the service did not start: {exc}")


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
