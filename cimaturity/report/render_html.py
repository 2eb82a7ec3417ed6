"""The report as ONE self-contained HTML file: inline CSS, charts as data URIs, no external URL."""

from __future__ import annotations

from html import escape

from cimaturity.report.charts import Chart
from cimaturity.report.evidence import Evidence
from cimaturity.report.places import Places
from cimaturity.report.render_markdown import action_header, action_with_tasks
from cimaturity.report.scoring import CriterionStatus, Score
from cimaturity.report.workflows import WorkflowFacts

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#212121;line-height:1.4;padding:0 1rem}
h1{margin-bottom:.2rem}.score{font-size:3rem;font-weight:700}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;white-space:nowrap}
.met{color:#2e7d32}.partial{color:#b26a00}.unmet{color:#c62828}.no-evidence{color:#6d4c41}
.not-applicable{color:#757575}.charts img{max-width:100%;display:block;margin:.5rem 0 1.5rem}
.muted{color:#757575}
"""


def _status_class(status: CriterionStatus) -> str:
    return status.value.replace(" ", "-")


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(
    score: Score,
    evidence: Evidence,
    workflows: WorkflowFacts,
    charts: tuple[Chart, ...],
    places: Places | None = None,
) -> str:
    """The report; `places` rewrites this machine's absolute folders relative in every text (the
    charts' image data is left alone)."""
    shown = places or Places()
    parts: list[str] = []
    run = evidence.run
    run_line = (
        f"Run <code>{escape(run.run_id)}</code> of <code>{escape(run.project)}</code> "
        f"({escape(run.profile)} profile), {escape(run.started_at)}, {run.duration_s:.1f} s"
        if run
        else "No run record: only workflow and repository evidence was available."
    )
    parts.append(
        f'<h1>CI/CD maturity</h1><p class="score" id="score">{score.score:.1f}/10</p>'
        f"<p>{run_line}</p><p>{score.points:.1f} of {score.max_points:.1f} applicable points "
        f"(rubric: <code>{escape(score.rubric_source)}</code>); rounded down.</p>"
    )
    rows = [
        [
            escape(r.criterion.title),
            escape(r.criterion.group),
            f'<span class="{_status_class(r.status)}">{escape(r.status.value)}</span>',
            "-" if not r.applicable else f"{r.points:.1f} / {r.max_points:.1f}",
            escape(r.evidence),
        ]
        for r in score.results
    ]
    parts.append(
        "<h2>Criteria</h2>" + _table(["Criterion", "Group", "Status", "Points", "Evidence"], rows, {3})
    )
    parts.append("<h2>Next steps to 10/10</h2>")
    if score.next_steps:
        steps = [
            [
                str(rank),
                f"+{r.gain:.1f}",
                escape(r.criterion.title),
                escape(r.missing or r.evidence),
                escape(action_with_tasks(r)),
            ]
            for rank, r in enumerate(score.next_steps, start=1)
        ]
        parts.append(
            _table(["#", "Gain", "Criterion", "Missing evidence", action_header(score)], steps, {0, 1})
        )
    else:
        parts.append("<p>Nothing left: every applicable criterion has full points.</p>")
    for title, status in (
        ("No evidence (counts as zero)", CriterionStatus.NO_EVIDENCE),
        ("Not applicable (excluded from the maximum)", CriterionStatus.NOT_APPLICABLE),
    ):
        items = [r for r in score.results if r.status is status]
        listed = "".join(f"<li><b>{escape(r.criterion.title)}</b>: {escape(r.evidence)}</li>" for r in items)
        parts.append(
            f"<h2>{escape(title)}</h2>" + (f"<ul>{listed}</ul>" if items else '<p class="muted">None.</p>')
        )
    parts = [shown.text(part) for part in parts]  # before the charts: image data is not text
    parts.append('<h2>Charts</h2><div class="charts">')
    for chart in charts:
        title = escape(shown.text(chart.title))
        if chart.data_uri:
            parts.append(f'<h3>{title}</h3><img alt="{title}" src="{chart.data_uri}">')
        else:
            parts.append(f'<h3>{title}</h3><p class="muted">{escape(shown.text(chart.empty_reason))}</p>')
    parts.append("</div>")
    rest: list[str] = []
    suppressions = [
        [escape(str(r["kind"])), str(int(r["count"]))] for r in evidence.suppressions.to_dict("records")
    ]
    rest.append(
        "<h2>Suppressions</h2>"
        + (
            _table(["Kind", "Count"], suppressions, {1})
            if suppressions
            else '<p class="muted">None recorded.</p>'
        )
    )
    checks = [
        [
            escape(str(r["name"])),
            escape(str(r["stage"])),
            escape(str(r["status"])),
            f"{float(r['duration_s']):.1f} s",
            escape(str(r["reason"])),
        ]
        for r in evidence.checks.to_dict("records")
    ]
    if checks:
        rest.append(
            "<h2>Checks in this run</h2>"
            + _table(["Check", "Stage", "Status", "Duration", "Reason"], checks, {3})
        )
    problems = [f"<li><code>{escape(p.check)}</code>: {escape(p.message)}</li>" for p in evidence.problems]
    problems += [f"<li>workflows: {escape(p)}</li>" for p in workflows.problems]
    if problems:
        rest.append("<h2>Evidence problems</h2><ul>" + "".join(problems) + "</ul>")
    body = "\n".join([*parts, *(shown.text(part) for part in rest)])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>CI/CD maturity {score.score:.1f}/10</title><style>{_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
