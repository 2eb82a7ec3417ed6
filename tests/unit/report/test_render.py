"""Rendered outputs: Markdown against a gold file, self-contained HTML, summary.json, GitHub output.

Regenerate the gold file after an intended change:
    CIMATURITY_UPDATE_GOLD=1 pytest tests/unit/report/test_render.py
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cimaturity.report.charts import all_charts
from cimaturity.report.evidence import Evidence
from cimaturity.report.github import annotation_lines
from cimaturity.report.pipeline import RenderedReport, publish, write
from cimaturity.report.places import Places
from cimaturity.report.render_html import render_html
from cimaturity.report.render_markdown import render_markdown
from cimaturity.report.reporters import REPORTERS, ReportView, SummaryJsonReporter
from cimaturity.report.rubric import load_rubric
from cimaturity.report.scoring import Score, score_rubric
from cimaturity.report.summary import FORMAT_VERSION
from cimaturity.report.workflows import load_workflows

from . import _report_fixtures as fx

GOLD = Path(__file__).parent / "gold"
WORKFLOW = """on: [push, pull_request]
jobs:
  lint:
    steps:
      - run: ruff check .
  security:
    steps:
      - run: bandit -r app -ll --exit-zero
      - run: pip-audit -r requirements.txt
"""


def _fixed(tmp_path: Path) -> tuple[Score, Evidence, Path]:
    root = fx.write(
        tmp_path / "repo",
        {
            ".github/workflows/ci.yml": WORKFLOW,
            "requirements.txt": "fastapi==1\n",
            "Dockerfile": 'FROM python\nCMD ["uvicorn", "app.main:app"]\n',
        },
    )
    ev = fx.evidence(
        checks=fx.checks(
            ("lint", "failed", "1 violation"),
            ("test", "passed", "4 passed"),
            ("sast", "passed", "no finding at MEDIUM"),
            ("deps", "error", "OSV unreachable"),
        ),
        tests=fx.tests_frame("test", passed=4, skipped=1),
        findings=fx.findings(
            ("sast", "bandit", "low", "app/a.py", 3), ("lint", "ruff", "low", "app/b.py", 9)
        ),
        coverage=fx.coverage(("app/a.py", 40, 10), ("app/sub/b.py", 20, 15)),
        coverage_percent=41.7,
        suppressions=fx.suppressions(noqa=2, nosec=1, skipped_test=1),
        problems=(fx.problem("deps", "artifacts/deps/summary.json: truncated JSON"),),
    )
    return score_rubric(load_rubric(), fx.context(root, ev)), ev, root


def test_markdown_matches_gold(tmp_path: Path) -> None:
    score, ev, root = _fixed(tmp_path)
    text = render_markdown(score, ev, load_workflows(root))
    gold = GOLD / "maturity.md"
    if os.environ.get("CIMATURITY_UPDATE_GOLD") == "1":
        gold.parent.mkdir(exist_ok=True)
        gold.write_text(text, encoding="utf-8")
    assert text == gold.read_text(encoding="utf-8")


def test_markdown_keeps_no_evidence_apart_and_ranks_next_steps(tmp_path: Path) -> None:
    score, ev, root = _fixed(tmp_path)
    text = render_markdown(score, ev, load_workflows(root))
    no_evidence = text.split("## No evidence (counts as zero)")[1].split("##")[0]
    not_applicable = text.split("## Not applicable (excluded from the maximum)")[1].split("##")[0]
    assert "Security checks" in no_evidence and "Security checks" not in not_applicable
    gains = [float(g) for g in re.findall(r"^\| \d+ \| \+([\d.]+) \|", text, re.MULTILINE)]
    assert gains and gains == sorted(gains, reverse=True)
    assert "| noqa | 2 |" in text and "| nosec | 1 |" in text


def test_html_is_self_contained(tmp_path: Path) -> None:
    score, ev, root = _fixed(tmp_path)
    charts = all_charts(score, ev)
    html = render_html(score, ev, load_workflows(root), charts)
    assert f"{score.score:.1f}/10" in html
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", html)
    assert "<link" not in html and "<script" not in html
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 5  # points, findings, coverage, slowest tests, Gantt: all have data here


def test_summary_json(tmp_path: Path) -> None:
    score, ev, _root = _fixed(tmp_path)
    path = tmp_path / "out" / "summary.json"
    path.parent.mkdir()
    view = ReportView(score, ev, load_workflows(_root), Places(), ())
    output = SummaryJsonReporter().render(view, {})
    assert write(RenderedReport((output,), ()), path.parent) == (path,)
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION
    assert data["score"] == score.score and data["max_score"] == 10
    first = data["criteria"][0]
    assert set(first) >= {"id", "title", "status", "points", "max_points", "evidence", "next_action"}
    assert [c["name"] for c in data["checks"]] == ["lint", "test", "sast", "deps"]
    assert list(tmp_path.joinpath("out").iterdir()) == [path]  # no temporary file left behind


def test_annotations_only_for_failed_gates(tmp_path: Path) -> None:
    _score, ev, _root = _fixed(tmp_path)
    lines = annotation_lines(ev)
    assert lines == ["::error file=app/b.py,line=9,title=ruff R1::problem 1: a, b"]


def test_publish_in_github_actions_appends_the_summary(tmp_path: Path) -> None:
    score, ev, root = _fixed(tmp_path)
    markdown = render_markdown(score, ev, load_workflows(root))
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    view = ReportView(score, ev, load_workflows(root), Places(), ())

    def rendered(env: dict[str, str]) -> RenderedReport:
        outputs = (reporter.render(view, env) for reporter in REPORTERS)
        return RenderedReport(tuple(output for output in outputs if output is not None), ())

    assert publish(rendered({"GITHUB_STEP_SUMMARY": str(summary)})) == []  # not in Actions: nothing
    assert summary.read_text() == "earlier step\n"
    lines = publish(rendered({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}))
    assert summary.read_text() == "earlier step\n" + markdown
    assert lines and lines[0].startswith("::error file=app/b.py,line=9")


def test_charts_without_data_say_why(tmp_path: Path) -> None:
    score, _ev, _root = _fixed(tmp_path)
    charts = all_charts(score, fx.evidence())
    assert charts[0].data_uri is not None  # points by criterion always has data
    assert all(c.data_uri is None and c.empty_reason for c in charts[1:])
