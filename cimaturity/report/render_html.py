"""The report as ONE self-contained HTML file: inline CSS, charts as data URIs, no external URL.

The page opens on the score: big, with the change since the last recorded run of the same
project and branch, a sparkline of the runs before it, and status chips counting the criteria
and the checks. A status is always a word beside its colour (print and colour blindness), tables
scroll inside their own box on a narrow screen, and images never grow past the page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from html import escape

from cimaturity.history.record import HistoryRecord
from cimaturity.report.charts import Chart, score_sparkline
from cimaturity.report.evidence import Evidence, RunInfo
from cimaturity.report.places import Places
from cimaturity.report.render_markdown import action_header, action_with_tasks
from cimaturity.report.scoring import CriterionStatus, Score
from cimaturity.report.trend import Direction, ScoreDelta, score_delta
from cimaturity.report.workflows import WorkflowFacts

_CSS = """
:root{--ink:#1f2328;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--accent:#1565c0}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:72rem;
padding:1.5rem 1rem 3rem;color:var(--ink);line-height:1.45;overflow-wrap:break-word}
h1{font-size:1rem;margin:0;color:var(--muted);font-weight:600;letter-spacing:.03em;text-transform:uppercase}
h2{font-size:1.25rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
code{font-size:.9em;background:var(--soft);padding:0 .2em;border-radius:3px}
.muted{color:var(--muted)}
.hero{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,21rem),1fr));gap:1.25rem 2.5rem;
padding:1.25rem 1.5rem;border:1px solid var(--line);border-radius:12px;
background:linear-gradient(135deg,#f3f7fc,#fff 60%)}
.hero>div{min-width:0}
.score{font-size:clamp(3rem,14vw,4.75rem);font-weight:800;line-height:1;margin:.35rem 0 .5rem;
font-variant-numeric:tabular-nums}
.score small{font-size:.38em;font-weight:600;color:var(--muted)}
.meter{height:.5rem;width:14rem;max-width:100%;background:#e1e6eb;border-radius:999px;overflow:hidden}
.meter span{display:block;height:100%;background:var(--accent)}
.delta{font-weight:700;margin:.6rem 0 0}
.delta-up{color:#1b5e20}.delta-down{color:#b71c1c}.delta-same,.delta-first{color:var(--muted)}
.delta .muted{font-weight:400}
.meta{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.15rem .75rem;margin:1rem 0 0;font-size:.9rem}
.meta dt{color:var(--muted)}.meta dd{margin:0}
.spark{margin:0}.spark img{display:block;max-width:100%;height:auto}
.spark figcaption,.spark-empty{font-size:.85rem;color:var(--muted);margin:.25rem 0 0}
.overview{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.5rem 1rem;align-items:baseline;
margin:1.25rem 0 0}
.overview .label{font-weight:600}
.overview p{margin:0}
.chips{list-style:none;display:flex;flex-wrap:wrap;gap:.35rem;padding:0;margin:0}
.chip{display:inline-block;padding:.05rem .55rem;border:1px solid;border-radius:999px;font-size:.8rem;
font-weight:600;white-space:nowrap;line-height:1.5;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.chip-met,.chip-passed{color:#1b5e20;background:#e8f5e9;border-color:#66bb6a}
.chip-partial{color:#6d4c00;background:#fff8e1;border-color:#f9a825}
.chip-unmet,.chip-failed{color:#b71c1c;background:#ffebee;border-color:#e57373}
.chip-no-evidence,.chip-error{color:#4e342e;background:#efebe9;border-color:#a1887f}
.chip-not-applicable,.chip-skipped,.chip-other{color:#424242;background:#f5f5f5;border-color:#bdbdbd}
.table-wrap{overflow-x:auto;margin:.75rem 0;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
table.wide{min-width:44rem}
th,td{border-bottom:1px solid var(--line);padding:.4rem .6rem;text-align:left;vertical-align:top}
tbody tr:last-child td{border-bottom:0}
th{background:var(--soft);font-weight:600}
td.num{text-align:right;white-space:nowrap}
td:last-child{overflow-wrap:anywhere}
.charts figure{margin:0 0 2rem}
.charts figcaption{font-weight:600;margin:0 0 .5rem}
.charts img{display:block;max-width:100%;height:auto}
@media (max-width:40rem){body{padding:1rem .75rem 2rem}.hero{padding:1rem}}
@media print{body{max-width:none;padding:0;font-size:10pt}.hero{background:none}
.table-wrap{overflow:visible;border:0}table.wide{min-width:0}.meter span{print-color-adjust:exact;
-webkit-print-color-adjust:exact}figure,tr,.hero{break-inside:avoid}h2{break-after:avoid}}
"""

_CRITERION_GLYPHS = {
    CriterionStatus.MET: "✓",
    CriterionStatus.PARTIAL: "◐",
    CriterionStatus.UNMET: "✗",
    CriterionStatus.NO_EVIDENCE: "?",
    CriterionStatus.NOT_APPLICABLE: "\u2013",  # an en dash
}
CHECK_STATUSES = ("passed", "failed", "error", "skipped")  # the order the chips are shown in
_CHECK_GLYPHS = dict(zip(CHECK_STATUSES, ("✓", "✗", "!", "\u2013"), strict=True))
_DELTA_ARROWS = {Direction.UP: "▲", Direction.DOWN: "▼"}


def _slug(text: str) -> str:
    return text.replace(" ", "-")


def _chip(kind: str, glyph: str, label: str) -> str:
    """A status as colour AND text: the glyph is decoration, the label says it."""
    return (
        f'<span class="chip chip-{escape(_slug(kind))}"><span aria-hidden="true">{glyph}</span> '
        f"{escape(label)}</span>"
    )


def criterion_chip(status: CriterionStatus, label: str | None = None) -> str:
    return _chip(status.value, _CRITERION_GLYPHS[status], label or status.value)


def check_chip(status: str, label: str | None = None) -> str:
    known = status in _CHECK_GLYPHS
    return _chip(status if known else "other", _CHECK_GLYPHS.get(status, "•"), label or status)


def _chip_list(chips: Iterable[str]) -> str:
    return '<ul class="chips">' + "".join(f"<li>{chip}</li>" for chip in chips) + "</ul>"


def _table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    """A table in its own scrolling box: a wide one scrolls there instead of widening the page."""
    numeric = numeric or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    wide = ' class="wide"' if len(headers) > 3 else ""
    return (
        f'<div class="table-wrap"><table{wide}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _when(moment: str) -> str:
    """An ISO 8601 time as `2026-11-26 09:00 UTC` (as given when it is not one)."""
    try:
        parsed = dt.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return moment
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def delta_text(delta: ScoreDelta) -> str:
    """`▲ +0.5` or `▼ -1.2` since the last run, `= no change`, or `first run`."""
    if delta.direction is Direction.FIRST:
        return "first run"
    if delta.direction is Direction.SAME:
        return "= no change since the last run"
    return f"{_DELTA_ARROWS[delta.direction]} {delta.change:+.1f} since the last run"


def _delta(delta: ScoreDelta) -> str:
    text = escape(delta_text(delta))
    previous = delta.previous
    if previous is not None:
        facts = [f"was {previous.score:.1f}", _when(previous.recorded_at)]
        if previous.git_sha:
            facts.append(previous.git_sha[:7])
        text += f' <span class="muted">({escape(", ".join(facts))})</span>'
    return f'<p class="delta delta-{_slug(delta.direction.value)}" id="delta">{text}</p>'


def _sparkline(trend: Sequence[HistoryRecord], score: float) -> str:
    chart = score_sparkline([record.score for record in trend], score)
    if chart.data_uri is None:
        return f'<p class="spark-empty" id="trend">{escape(chart.empty_reason)}</p>'
    scores = [*(record.score for record in trend), score]
    caption = f"{chart.title}: low {min(scores):.1f}, high {max(scores):.1f}; this run last"
    return (
        f'<figure class="spark" id="trend"><img alt="{escape(caption)}" src="{chart.data_uri}" '
        f'width="{chart.width}" height="{chart.height}"><figcaption>{escape(caption)}</figcaption></figure>'
    )


def _run_facts(run: RunInfo | None) -> str:
    if run is None:
        return '<p class="muted">No run record: only workflow and repository evidence was available.</p>'
    sha = "unknown"
    if run.git_sha:
        sha = f'<code title="{escape(run.git_sha)}">{escape(run.git_sha[:12])}</code>'
    facts = [
        ("Project", f"<code>{escape(run.project)}</code>"),
        ("Date", escape(_when(run.started_at))),
        ("Commit", sha),
        ("Branch", f"<code>{escape(run.git_branch)}</code>" if run.git_branch else "unknown"),
        ("Run", f"<code>{escape(run.run_id)}</code>"),
        ("Profile", f"{escape(run.profile)}, {run.duration_s:.1f} s"),
    ]
    listed = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    return f'<dl class="meta">{listed}</dl>'


def _overview(score: Score, evidence: Evidence) -> str:
    criteria = [
        criterion_chip(status, f"{count} {status.value}")
        for status in CriterionStatus
        if (count := sum(r.status is status for r in score.results))
    ]
    statuses = [str(s) for s in evidence.checks["status"]]
    known = [s for s in CHECK_STATUSES if s in statuses]
    others = sorted(set(statuses) - set(CHECK_STATUSES))
    checks = [check_chip(s, f"{statuses.count(s)} {s}") for s in [*known, *others]]
    rows = '<span class="label">Criteria</span>' + _chip_list(criteria)
    none = '<p class="muted">none recorded</p>'
    rows += '<span class="label">Checks</span>' + (_chip_list(checks) if checks else none)
    return f'<div class="overview" id="overview">{rows}</div>'


def render_html(
    score: Score,
    evidence: Evidence,
    workflows: WorkflowFacts,
    charts: tuple[Chart, ...],
    places: Places | None = None,
    trend: Sequence[HistoryRecord] = (),
) -> str:
    """The report; `places` rewrites this machine's absolute folders relative in every text (the
    charts' image data is left alone). `trend` is the history before this run (oldest -> newest,
    this run not in it): the change since its newest record and the sparkline."""
    shown = places or Places()
    run = evidence.run
    head = shown.text(
        '<header class="hero"><div><h1>CI/CD maturity</h1>'
        f'<p class="score" id="score">{score.score:.1f}<small>/10</small></p>'
        f'<div class="meter" role="img" aria-label="{score.score:.1f} of 10">'
        f'<span style="width:{score.score * 10:.0f}%"></span></div>'
        f"{_delta(score_delta(score.score, trend))}</div>"
    )
    head += f"<div>{_sparkline(trend, score.score)}"  # image data is not text
    head += shown.text(
        f"{_run_facts(run)}</div></header>"
        f'<p class="muted">{score.points:.1f} of {score.max_points:.1f} applicable points '
        f"(rubric: <code>{escape(score.rubric_source)}</code>); rounded down.</p>"
        + _overview(score, evidence)
    )
    parts: list[str] = []
    rows = [
        [
            escape(r.criterion.title),
            escape(r.criterion.group),
            criterion_chip(r.status),
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
    parts = [head, *(shown.text(part) for part in parts)]  # before the charts: image data is not text
    parts.append('<h2>Charts</h2><div class="charts">')
    for chart in charts:
        title = escape(shown.text(chart.title))
        if chart.data_uri:
            size = f' width="{chart.width}" height="{chart.height}"' if chart.width and chart.height else ""
            image = f'<img alt="{title}" src="{chart.data_uri}"{size}>'
            parts.append(f"<figure><figcaption>{title}</figcaption>{image}</figure>")
        else:
            reason = escape(shown.text(chart.empty_reason))
            parts.append(f'<figure><figcaption>{title}</figcaption><p class="muted">{reason}</p></figure>')
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
            check_chip(str(r["status"])),
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
