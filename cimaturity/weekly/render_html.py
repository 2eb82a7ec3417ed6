"""The weekly report as one self-contained HTML file (`weekly.html`): charts inlined as PNG data URIs."""

from __future__ import annotations

from html import escape

from cimaturity.weekly.content import Document, Table

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #ccc;padding:4px 8px;"
    "text-align:left;vertical-align:top;font-size:0.9em}th{background:#f3f3f3}"
    "figure{margin:1em 0}figcaption{font-weight:600}.empty{color:#777;font-style:italic}"
)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(doc: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(doc.title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(doc.title)}</h1>",
        *(f"<p>{escape(line)}</p>" for line in doc.summary),
    ]
    for section in doc.sections:
        parts.append(f"<section><h2>{escape(section.title)}</h2>")
        parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs]
        for caption, table in section.tables:
            if caption:
                parts.append(f"<h3>{escape(caption)}</h3>")
            parts.append(_table(table))
        for chart in section.charts:
            if chart.data_uri:
                parts.append(
                    f"<figure><figcaption>{escape(chart.title)}</figcaption>"
                    f'<img src="{chart.data_uri}" alt="{escape(chart.title)}"></figure>'
                )
            else:
                parts.append(f'<p class="empty">{escape(chart.title)}: {escape(chart.empty_reason)}</p>')
        parts.append("</section>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
