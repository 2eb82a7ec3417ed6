"""The HTML report opens in headless Chromium offline: no console error, no failed request,
the score is shown and every chart image decodes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from cimaturity.report import pipeline
from tests.support.browser import CHROMIUM_ARGS, chromium_executable

TARGET = Path(__file__).resolve().parents[2] / "fixtures" / "target_state"


@pytest.mark.e2e
def test_html_renders_in_chromium(tmp_path: Path) -> None:
    root = Path(
        shutil.copytree(TARGET, tmp_path / "repo", ignore=shutil.ignore_patterns(".*_cache", "__pycache__"))
    )
    score, paths, _ = pipeline.run_report(root, root / "reports")
    html = paths[1]
    errors: list[str] = []
    failed: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.goto(html.as_uri(), wait_until="load")
            assert page.locator("#score").inner_text() == f"{score.score:.1f}/10"
            widths = page.eval_on_selector_all(
                "img", "images => images.map(i => i.complete ? i.naturalWidth : 0)"
            )
        finally:
            browser.close()
    assert errors == [] and failed == []
    charts = html.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    assert charts >= 4  # the target fixture has no findings: that chart says so instead
    assert len(widths) == charts and all(width > 0 for width in widths)
