"""maturity.html's header: the score's change since the last recorded run of the same project and
branch, the sparkline of the runs before it, the status chips; the history it is read from; the
charts' pixel size. The Markdown report does not change with the history."""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import struct
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from cimaturity.config import ProjectConfig, load_config
from cimaturity.history.record import HistoryRecord
from cimaturity.history.store import open_store, store_path
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.report import pipeline
from cimaturity.report.charts import all_charts, score_sparkline
from cimaturity.report.evidence import Evidence, RunInfo
from cimaturity.report.places import Places
from cimaturity.report.render_html import check_chip, criterion_chip, delta_text, render_html
from cimaturity.report.reporters import HtmlReporter, MarkdownReporter, ReportView
from cimaturity.report.rubric import load_rubric
from cimaturity.report.scoring import CriterionStatus, Score, score_rubric
from cimaturity.report.trend import TREND_LENGTH, Direction, previous_runs, score_delta
from cimaturity.report.workflows import load_workflows
from cimaturity.runner import Profile, run_checks, select

from . import _report_fixtures as fx


def record(
    score: float,
    day: int = 1,
    *,
    run_id: str | None = None,
    project: str = "shop",
    branch: str | None = "main",
) -> HistoryRecord:
    return HistoryRecord(
        run_id=run_id or f"run-{project}-{branch}-{day:03d}",
        recorded_at=(dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=day)).isoformat(),
        project=project,
        git_sha=f"{day:040d}",
        branch=branch,
        base_sha=None,
        score=score,
        points=score * 10,
        max_points=100.0,
    )


WORKFLOW = """on: [push, pull_request]
jobs:
  lint:
    steps:
      - run: ruff check .
      - run: pytest --cov
"""


def _scored(tmp_path: Path) -> tuple[Score, Evidence, Path]:
    root = fx.write(tmp_path / "repo", {".github/workflows/ci.yml": WORKFLOW, "requirements.txt": "x==1\n"})
    ev = fx.evidence(
        checks=fx.checks(
            ("lint", "failed", "1 violation"),
            ("test", "passed", "4 passed"),
            ("sast", "passed", "ok"),
            ("deps", "error", "OSV unreachable"),
            ("e2e", "skipped", "no browser"),
        ),
        tests=fx.tests_frame("test", passed=4),
        coverage=fx.coverage(("app/a.py", 40, 10)),
        coverage_percent=75.0,
    )
    score = score_rubric(load_rubric(), fx.context(root, ev))
    assert 1.0 < score.score < 9.0  # room to go up and down
    return score, ev, root


def _html(tmp_path: Path, trend: Sequence[HistoryRecord] = ()) -> tuple[str, Score]:
    score, ev, root = _scored(tmp_path)
    return render_html(score, ev, load_workflows(root), (), Places(), trend), score


def _delta_paragraph(html: str) -> str:
    found = re.search(r'<p class="delta delta-([a-z-]+)" id="delta">(.*?)</p>', html)
    assert found is not None
    return f"{found[1]}: " + re.sub(r"<[^>]+>", "", found[2])


# --- the change since the last run --------------------------------------------------------------


def test_no_earlier_record_is_the_first_run() -> None:
    delta = score_delta(6.5, ())
    assert delta.direction is Direction.FIRST and delta.previous is None
    assert delta_text(delta) == "first run"


def test_the_change_is_against_the_newest_earlier_record() -> None:
    trend = (record(9.0, 1), record(5.0, 2))
    up = score_delta(6.5, trend)
    assert (up.direction, up.change, up.previous) == (Direction.UP, 1.5, trend[-1])
    assert delta_text(up) == "▲ +1.5 since the last run"
    down = score_delta(3.8, trend)
    assert (down.direction, down.change) == (Direction.DOWN, -1.2)
    assert delta_text(down) == "▼ -1.2 since the last run"
    same = score_delta(5.0, trend)
    assert (same.direction, same.change) == (Direction.SAME, 0.0)
    assert delta_text(same) == "= no change since the last run"


def test_a_float_residue_is_no_change() -> None:
    assert score_delta(0.3, (record(0.1 + 0.2),)).direction is Direction.SAME  # 0.30000000000000004


def test_the_header_shows_the_change_the_previous_run_and_this_run(tmp_path: Path) -> None:
    first, score = _html(tmp_path / "a")
    assert _delta_paragraph(first) == "first: first run"
    assert f'<p class="score" id="score">{score.score:.1f}<small>/10</small></p>' in first
    previous = round(score.score - 2.0, 1)
    up, _ = _html(tmp_path / "b", (record(score.score + 3, 1), record(previous, 3)))
    assert _delta_paragraph(up) == (
        f"up: ▲ +2.0 since the last run (was {previous:.1f}, 2026-01-04 00:00 UTC, 0000000)"
    )
    down, _ = _html(tmp_path / "c", (record(score.score + 0.5, 2),))
    assert _delta_paragraph(down).startswith("down: ▼ -0.5 since the last run (was ")
    same, _ = _html(tmp_path / "d", (record(score.score, 2),))
    assert _delta_paragraph(same).startswith("same: = no change since the last run (was ")
    # the run's own facts: date, commit, branch
    assert "<dt>Date</dt><dd>2026-11-26 09:00 UTC</dd>" in first
    assert '<dt>Commit</dt><dd><code title="abc123def4567890">abc123def456</code></dd>' in first
    assert "<dt>Branch</dt><dd><code>main</code></dd>" in first


# --- status chips -------------------------------------------------------------------------------


def test_chips_say_the_status_in_words_beside_the_colour() -> None:
    assert criterion_chip(CriterionStatus.NO_EVIDENCE) == (
        '<span class="chip chip-no-evidence"><span aria-hidden="true">?</span> no evidence</span>'
    )
    assert check_chip("failed") == (
        '<span class="chip chip-failed"><span aria-hidden="true">✗</span> failed</span>'
    )
    assert check_chip("<odd>") == (
        '<span class="chip chip-other"><span aria-hidden="true">•</span> &lt;odd&gt;</span>'
    )


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_the_overview_counts_criteria_and_checks_by_status(tmp_path: Path) -> None:
    html, score = _html(tmp_path)
    overview = html.split('<div class="overview" id="overview">')[1].split("</div>")[0]
    criteria, checks = overview.split('<span class="label">Checks</span>')
    expected = [
        f"{_glyph(status)} {count} {status.value}"
        for status in CriterionStatus
        if (count := sum(r.status is status for r in score.results))
    ]
    assert len(expected) >= 2  # this evidence leaves criteria of more than one status
    assert _text(criteria) == "Criteria " + " ".join(expected)
    # one chip per status present, in the checks' fixed order
    assert _text(checks) == "✓ 2 passed ✗ 1 failed ! 1 error \u2013 1 skipped"


def _glyph(status: CriterionStatus) -> str:
    return str(re.findall(r'aria-hidden="true">(.*?)</span>', criterion_chip(status))[0])


def test_every_check_row_and_criterion_row_has_its_chip(tmp_path: Path) -> None:
    html, score = _html(tmp_path)
    checks = html.split("<h2>Checks in this run</h2>")[1]
    assert re.findall(r'<td><span class="chip chip-([a-z]+)">', checks) == [
        "failed",
        "passed",
        "passed",
        "error",
        "skipped",
    ]
    criteria = html.split("<h2>Criteria</h2>")[1].split("<h2>")[0]
    shown = re.findall(r'<td><span class="chip chip-([a-z-]+)">', criteria)
    assert shown == [r.status.value.replace(" ", "-") for r in score.results]


# --- the sparkline ------------------------------------------------------------------------------


def test_the_sparkline_draws_the_history_and_this_run(tmp_path: Path) -> None:
    html, score = _html(tmp_path, (record(4.0, 1), record(5.5, 2)))
    spark = r'<figure class="spark" id="trend"><img alt="([^"]*)" src="data:image/png;base64,'
    found = re.search(spark, html)
    assert found is not None
    assert found[1] == f"Score over the last 3 runs: low {min(4.0, score.score):.1f}, high " + (
        f"{max(5.5, score.score):.1f}; this run last"
    )
    assert "no history yet" not in html


def test_without_history_there_is_no_sparkline_but_a_sentence(tmp_path: Path) -> None:
    html, _ = _html(tmp_path)
    assert '<p class="spark-empty" id="trend">no history yet</p>' in html
    assert 'class="spark"' not in html and html.count("data:image/png") == 0


def test_the_sparkline_is_a_small_crisp_png() -> None:
    chart = score_sparkline([4.0, 5.0, 4.5], 6.0)
    assert chart.data_uri is not None and (chart.width, chart.height) == (384, 76)
    assert _png_size(chart.data_uri) == (768, 153)  # two image pixels per CSS pixel (rounded down)
    other = score_sparkline([4.0, 5.0, 4.5], 3.0)
    assert other.data_uri != chart.data_uri
    assert score_sparkline([], 6.0).data_uri is None


def _png_size(data_uri: str) -> tuple[int, int]:
    data = base64.b64decode(data_uri.removeprefix("data:image/png;base64,"))
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_charts_are_drawn_at_twice_the_size_they_are_shown_at(tmp_path: Path) -> None:
    score, ev, root = _scored(tmp_path)
    charts = [c for c in all_charts(score, ev) if c.data_uri is not None]
    assert charts
    html = render_html(score, ev, load_workflows(root), tuple(charts))
    for chart in charts:
        assert chart.data_uri is not None and chart.width > 300
        width, height = _png_size(chart.data_uri)
        assert (width // 2, height // 2) == (chart.width, chart.height)
        assert f'src="{chart.data_uri}" width="{chart.width}" height="{chart.height}">' in html
    assert ".charts img{display:block;max-width:100%;height:auto}" in html


def test_wide_tables_scroll_in_their_own_box(tmp_path: Path) -> None:
    html, _ = _html(tmp_path)
    assert html.count('<div class="table-wrap"><table class="wide">') == 3  # criteria, next steps, checks
    assert html.count('<div class="table-wrap"><table>') == 0  # no suppressions here
    assert ".table-wrap{overflow-x:auto;" in html


# --- the Markdown report is not affected ------------------------------------------------------


def test_the_markdown_report_ignores_the_history_the_html_shows_it(tmp_path: Path) -> None:
    score, ev, root = _scored(tmp_path)
    bare = ReportView(score, ev, load_workflows(root), Places(), ())
    with_history = ReportView(score, ev, load_workflows(root), Places(), (), (record(1.0),))
    assert MarkdownReporter().render(bare, {}).text == MarkdownReporter().render(with_history, {}).text
    assert "first run" in HtmlReporter().render(bare, {}).text
    assert "▲" in HtmlReporter().render(with_history, {}).text and "first run" not in (
        HtmlReporter().render(with_history, {}).text
    )


# --- the history read ---------------------------------------------------------------------------

RUN = RunInfo("this-run", "shop", "full", "f" * 40, "main", "2026-03-01T00:00:00+00:00", "", 1.0)


def _store(reports: Path, records: Sequence[HistoryRecord]) -> None:
    with open_store(reports) as store:
        for one in records:
            store.append(one)


def test_previous_runs_are_this_branch_s_of_this_project_without_this_run(tmp_path: Path) -> None:
    kept = [record(5.0, 1), record(6.0, 3)]
    _store(
        tmp_path,
        [
            kept[0],
            record(9.0, 2, branch="feature"),
            record(9.5, 2, project="other"),
            kept[1],
            record(7.0, 4, run_id="this-run"),  # this run, reported before: not its own predecessor
        ],
    )
    assert previous_runs(tmp_path, "shop", RUN) == tuple(kept)


def test_previous_runs_keep_the_newest_thirty_oldest_first(tmp_path: Path) -> None:
    _store(tmp_path, [record(float(day % 10), day) for day in range(40)])
    found = previous_runs(tmp_path, "shop", RUN)
    assert len(found) == TREND_LENGTH == 30
    assert [r.run_id for r in found] == [record(0, day).run_id for day in range(10, 40)]


def test_a_run_without_a_branch_follows_the_records_without_one(tmp_path: Path) -> None:
    _store(tmp_path, [record(5.0, 1, branch=None), record(6.0, 2, branch="main")])
    no_branch = RunInfo("this-run", "shop", "full", None, None, "2026-03-01T00:00:00+00:00", "", 1.0)
    assert [r.score for r in previous_runs(tmp_path, "shop", no_branch)] == [5.0]


def test_no_store_is_no_history_and_none_is_created(tmp_path: Path) -> None:
    assert previous_runs(tmp_path, "shop", RUN) == ()
    assert not (tmp_path / "history").exists()


def test_an_unreadable_store_is_no_history(tmp_path: Path) -> None:
    path = store_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    assert previous_runs(tmp_path, "shop", RUN) == ()


# --- through the pipeline: two real runs, recorded ----------------------------------------------


def _passing(_ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    return Verdict.passed(f"{len(outcomes)} command(s) ran")


def _noop(_ctx: CheckContext) -> list[Command]:
    return [Command((sys.executable, "-c", "pass"))]


@pytest.fixture
def config(tmp_path: Path) -> ProjectConfig:
    (tmp_path / "shop").mkdir()
    return load_config(tmp_path / "shop", environ={})


def _run_and_report(config: ProjectConfig, reports: Path) -> str:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(config.root.parent)}  # no git work
    check = Check("one", Stage.FAST, "does nothing", _noop, artifacts=(), gate=_passing)
    run_checks(select((check,), config), config, reports, jobs=1, profile=Profile.FULL, env=env)
    _score, paths, _ = pipeline.run_report(config.root, reports, env={}, history=reports)
    return paths[1].read_text(encoding="utf-8")


def test_the_second_run_s_report_shows_the_first(config: ProjectConfig, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = _run_and_report(config, reports)
    assert _delta_paragraph(first) == "first: first run" and "no history yet" in first
    second = _run_and_report(config, reports)
    assert _delta_paragraph(second).startswith("same: = no change since the last run (was ")
    assert 'id="trend"><img alt="Score over the last 2 runs' in second
    # the same run reported again is still compared with the first, never with itself
    _score, paths, _ = pipeline.run_report(config.root, reports, env={}, history=reports)
    assert _delta_paragraph(paths[1].read_text(encoding="utf-8")) == _delta_paragraph(second)


def test_a_broken_store_costs_the_report_nothing(config: ProjectConfig, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    path = store_path(reports)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not sqlite" * 500)
    html = _run_and_report(config, reports)
    assert _delta_paragraph(html) == "first: first run" and "no history yet" in html
