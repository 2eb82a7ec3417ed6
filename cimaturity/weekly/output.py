"""One function owns the weekly report's files: both rendered before either is written, each atomically."""

from __future__ import annotations

from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.weekly.content import document
from cimaturity.weekly.render_html import render_html
from cimaturity.weekly.render_markdown import render_markdown
from cimaturity.weekly.report import WeeklyReport

MARKDOWN = "weekly.md"
HTML = "weekly.html"


def write_weekly(report: WeeklyReport, reports_dir: Path) -> tuple[Path, Path]:
    doc = document(report)
    markdown, html = render_markdown(doc), render_html(doc)
    paths = (reports_dir / MARKDOWN, reports_dir / HTML)
    write_text_atomic(paths[0], markdown)
    write_text_atomic(paths[1], html)
    return paths
