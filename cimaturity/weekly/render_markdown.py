"""The weekly report as Markdown (`weekly.md`): the same sections as the HTML, without charts."""

from __future__ import annotations

from cimaturity.weekly.content import Document, Table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def _table(table: Table) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in table.headers) + " |", "|" + "---|" * len(table.headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    return lines


def render_markdown(doc: Document) -> str:
    lines = [f"# {doc.title}", "", *doc.summary, ""]
    for section in doc.sections:
        lines += [f"## {section.title}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        for caption, table in section.tables:
            if caption:
                lines += [f"### {caption}", ""]
            lines += [*_table(table), ""]
        if any(chart.data_uri for chart in section.charts):
            lines += ["Charts: weekly.html.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
