"""The HTML report opens in headless Chromium offline: no console error, no failed request, the
score header (score, change since the last run, sparkline) and the status chips are shown, every
chart image decodes, and nothing is wider than the window, on a laptop and on a phone.

The two screenshots are kept in the test's tmp_path (`maturity-1280.png`, `maturity-390.png`):
run with `--basetemp=DIR` to look at them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import open_store
from cimaturity.report import pipeline
from tests.support.browser import CHROMIUM_ARGS, chromium_executable

TARGET = Path(__file__).resolve().parents[2] / "fixtures" / "target_state"
WIDTHS = {1280: 800, 390: 844}  # a laptop, a phone (CSS pixels: width -> height)
EARLIER = (4.0, 4.5, 5.5, 5.0)  # the branch's earlier scores, oldest first
SHA = "4f2a9c1e7b3d5a6f8e9d0c1b2a3f4e5d6c7b8a90"

# Everything measured at once, in the page: what is too wide, what is hidden, what did not load.
_MEASURE = """() => {
  const width = window.innerWidth;
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const images = [...document.images].map(i => ({
    alt: i.alt, loaded: i.complete ? i.naturalWidth : 0,
    right: i.getBoundingClientRect().right, width: i.getBoundingClientRect().width}));
  const boxes = [...document.querySelectorAll('.table-wrap')].map(b => ({
    right: b.getBoundingClientRect().right, scrolls: b.scrollWidth > b.clientWidth}));
  return {
    width, scrollWidth: document.documentElement.scrollWidth, images, boxes,
    header: ['#score', '#delta', '#trend img'].map(s => document.querySelector(s))
      .map(e => e !== null && visible(e)),
    chips: [...document.querySelectorAll('#overview .chip')].filter(visible).map(c => c.innerText),
  };
}"""


def _with_history(tmp_path: Path) -> Path:
    """The target fixture as a run of branch main at SHA, after four recorded runs of main."""
    root = Path(
        shutil.copytree(TARGET, tmp_path / "repo", ignore=shutil.ignore_patterns(".*_cache", "__pycache__"))
    )
    run_file = root / "reports" / "run.json"
    run = json.loads(run_file.read_text(encoding="utf-8"))
    run["git"] = {"sha": SHA, "branch": "main", "dirty": False}
    run_file.write_text(json.dumps(run), encoding="utf-8")
    with open_store(root / "reports") as store:
        for day, score in enumerate(EARLIER, start=20):
            store.append(
                HistoryRecord(
                    run_id=f"earlier-{day}",
                    recorded_at=f"2026-11-{day}T09:00:00+00:00",
                    project=root.name,
                    git_sha=f"{day:02d}" * 20,
                    branch="main",
                    base_sha=None,
                    score=score,
                    points=score * 10,
                    max_points=100.0,
                )
            )
    return root


def _open(page: Page, html: Path, errors: list[str], failed: list[str]) -> dict[str, Any]:
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(html.as_uri(), wait_until="load")
    measured: dict[str, Any] = page.evaluate(_MEASURE)
    return measured


@pytest.mark.e2e
def test_html_renders_in_chromium_at_laptop_and_phone_width(tmp_path: Path) -> None:
    root = _with_history(tmp_path)
    score, paths, _ = pipeline.run_report(root, root / "reports")
    html = paths[1]
    assert score.score > EARLIER[-1]  # the fixture is the target state: better than every run before
    errors: list[str] = []
    failed: list[str] = []
    seen: dict[int, dict[str, Any]] = {}
    texts: dict[int, tuple[str, str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        try:
            for width, height in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                seen[width] = _open(page, html, errors, failed)
                texts[width] = (page.locator("#score").inner_text(), page.locator("#delta").inner_text())
                page.screenshot(path=str(tmp_path / f"maturity-{width}.png"), full_page=True)
                page.close()
        finally:
            browser.close()
    assert errors == [] and failed == []
    charts = html.read_text(encoding="utf-8").count('src="data:image/png;base64,')
    assert charts >= 5  # four charts (the target fixture has no findings: it says so) and the sparkline
    for width, measured in seen.items():
        assert measured["width"] == width
        assert measured["scrollWidth"] <= width, f"the page scrolls sideways at {width} px"
        assert measured["header"] == [True, True, True], f"score, delta, sparkline at {width} px"
        assert {"passed", "met"} <= {chip.split()[-1] for chip in measured["chips"]}, measured["chips"]
        assert len(measured["images"]) == charts
        for image in measured["images"]:
            assert image["loaded"] > 0, f"{image['alt']} did not load at {width} px"
            assert image["right"] <= width and image["width"] <= width, f"{image['alt']} at {width} px"
        assert measured["boxes"] and all(box["right"] <= width for box in measured["boxes"])
        assert texts[width] == (f"{score.score:.1f}/10", _delta_shown(score.score))
    # on the phone the wide tables scroll inside their box instead of widening the page
    assert any(box["scrolls"] for box in seen[390]["boxes"])
    assert not any(box["scrolls"] for box in seen[1280]["boxes"])
    assert all((tmp_path / f"maturity-{width}.png").stat().st_size > 10_000 for width in WIDTHS)


def _delta_shown(score: float) -> str:
    previous = f"was {EARLIER[-1]:.1f}, 2026-11-23 09:00 UTC, 2323232"  # the newest earlier record
    return f"▲ {score - EARLIER[-1]:+.1f} since the last run ({previous})"
