"""The pull request comment as compact Markdown: the score and its delta first, then the gates,
what this change brought (new findings, newly failing tests, new vulnerabilities), the coverage
and p95 deltas, what was already there (listed apart), and a link to the whole report.

The comment carries a hidden `MARKER`, so later runs edit the same comment. It stays under
GitHub's 65,536-character limit by listing fewer items per section (each list says how many
more there are), never by cutting the score line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cimaturity.history.record import SEVERITIES, FindingRecord
from cimaturity.prcomment.compare import Comparison
from cimaturity.prcomment.gate import GateResult

MARKER = "<!-- cimaturity:maturity-report -->"
COMMENT_LIMIT = 65_536  # GitHub's limit on an issue comment's body
LIST_LIMITS = (25, 10, 3, 0)  # items per list, tried in turn until the comment fits
_STATUS = {"passed": "✅ passed", "failed": "❌ failed", "error": "⚠️ error", "skipped": "⏭️ skipped"}


@dataclass(frozen=True)
class Links:
    report: str | None = None  # the uploaded report artifact, or the workflow run
    base_label: str | None = None  # how to name the base (`main @ abc1234`)


def render_comment(
    comparison: Comparison,
    gate: GateResult,
    *,
    links: Links | None = None,
    diff_coverage: float | None = None,
    limit: int = COMMENT_LIMIT,
) -> str:
    """The whole comment, at most `limit` characters."""
    links = links or Links()
    body = ""
    for per_list in LIST_LIMITS:
        body = _body(comparison, gate, links, diff_coverage, per_list)
        if len(body) <= limit:
            return body
    head = _head(comparison, gate, links)  # the score line and the verdict: never cut
    note = "\n\n_The details do not fit in a comment; see the report._\n"
    return (head + note) if len(head + note) <= limit else head[:limit]


def _body(comparison: Comparison, gate: GateResult, links: Links, diff: float | None, per_list: int) -> str:
    parts = [_head(comparison, gate, links), _gates(comparison), _changes(comparison, diff)]
    parts += [
        _findings("New findings in this change", comparison.new_findings, per_list),
        _items("Tests newly failing", comparison.newly_failing, per_list),
        _items("New vulnerabilities", comparison.new_vulnerabilities, per_list),
        _already_there(comparison, per_list),
    ]
    if links.report:
        parts.append(f"[Full maturity report]({links.report})")
    return "\n\n".join(part for part in parts if part) + "\n"


def _head(comparison: Comparison, gate: GateResult, links: Links) -> str:
    current, base = comparison.current, comparison.base
    if base is None:
        versus = "first run: no base record to compare with"
    else:
        delta = comparison.score_delta or 0.0
        arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
        name = links.base_label or f"base `{(base.git_sha or base.run_id)[:7]}`"
        versus = f"{arrow} {delta:+.1f} vs {name} ({base.score:.1f})"
    score = f"## CI/CD maturity: {current.score:.1f}/10 ({versus})"
    if gate.ok:
        verdict = "**Hold the line: ✅ held.**"
    else:
        verdict = "**Hold the line: ❌ not held:** " + "; ".join(_cell(reason) for reason in gate.failures)
    notes = "".join(f"\n- {_cell(note)}" for note in gate.notes)
    return f"{MARKER}\n{score}\n\n{verdict}{notes}"


def _gates(comparison: Comparison) -> str:
    checks = comparison.current.checks
    if not checks:
        return ""
    rows = [
        f"| {check.name} | {_STATUS.get(check.status, check.status)} | {check.duration_s:.0f} s |"
        for check in checks
    ]
    return "| check | gate | time |\n|---|---|---|\n" + "\n".join(rows)


def _changes(comparison: Comparison, diff: float | None) -> str:
    current, base = comparison.current, comparison.base
    rows = [
        _row("score", f"{current.score:.1f}", _change(comparison, comparison.score_delta)),
        _row(
            "coverage", _percent(current.coverage_percent), _signed(comparison.coverage_delta, ".1f", " pts")
        ),
        _row("coverage of changed lines", _percent(diff), ""),
        _row("p95", _ms(current.p95_ms), _p95(comparison)),
    ]
    now = current.findings_by_severity()
    before = base.findings_by_severity() if base is not None else None
    for severity in SEVERITIES:
        if now[severity] or (before and before[severity]):
            change = None if before is None else float(now[severity] - before[severity])
            rows.append(_row(f"{severity} findings", str(now[severity]), _signed(change, ".0f")))
    return "| | now | change |\n|---|---|---|\n" + "\n".join(rows)


def _findings(title: str, findings: Sequence[FindingRecord], per_list: int) -> str:
    lines = [
        f"- **{f.severity}** {_code(f.tool)} {_code(f.rule)} {_code(_where(f))}: {_cell(f.message)}"
        for f in findings[:per_list]
    ]
    return _section(title, len(findings), lines)


def _items(title: str, items: Sequence[str], per_list: int) -> str:
    return _section(title, len(items), [f"- {_code(item)}" for item in items[:per_list]])


def _already_there(comparison: Comparison, per_list: int) -> str:
    """Old problems: shown so nobody thinks they are fixed, never blamed on this change."""
    parts = []
    if comparison.old_findings:
        parts.append(
            _findings("Findings already there before this change", comparison.old_findings, per_list)
        )
    if comparison.still_failing:
        parts.append(_items("Tests already failing before this change", comparison.still_failing, per_list))
    if comparison.fixed_findings:
        parts.append(f"{len(comparison.fixed_findings)} finding(s) fixed by this change.")
    if not parts:
        return ""
    return "<details><summary>Already there</summary>\n\n" + "\n\n".join(parts) + "\n\n</details>"


def _section(title: str, total: int, lines: list[str]) -> str:
    if not total:
        return ""
    more = total - len(lines)
    tail = [f"- … and {more} more (see the report)"] if more else []
    return f"**{title}** ({total})\n\n" + "\n".join([*lines, *tail])


def _row(name: str, now: str, change: str) -> str:
    return f"| {name} | {now} | {change} |"


def _signed(value: float | None, spec: str, unit: str = "") -> str:
    if value is None:
        return "no base"
    return f"{value:+{spec}}{unit}" if value else "="


def _change(comparison: Comparison, value: float | None, unit: str = "") -> str:
    """The change against the base: "no base" on a first run, "no data" when either side lacks it."""
    if comparison.base is None:
        return "no base"
    return "no data" if value is None else _signed(value, ".1f", unit)


def _p95(comparison: Comparison) -> str:
    delta, allowance = comparison.p95_delta_ms, comparison.p95_allowance_ms
    if delta is None:
        return "no data" if comparison.base is not None else "no base"
    return (
        f"{delta:+.0f} ms (noise allowance {allowance:.0f} ms)"
        if allowance is not None
        else f"{delta:+.0f} ms"
    )


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}%"


def _ms(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f} ms"


def _where(finding: FindingRecord) -> str:
    return f"{finding.file}:{finding.line}" if finding.line is not None else finding.file


def _code(text: str) -> str:
    """Inline code that a backtick in the text cannot break out of."""
    fence = "``" if "`" in text else "`"
    return f"{fence}{_one_line(text)}{fence}"


def _cell(text: str) -> str:
    """Text safe in a table cell or a list item: one line, no pipe, no HTML tag."""
    return _one_line(text).replace("|", "\\|").replace("<", "&lt;")


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
