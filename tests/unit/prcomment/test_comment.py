"""The PR comment and the gate on recorded histories: improving, regressing, a first run, and a
comment that would not fit."""

from __future__ import annotations

import dataclasses

from cimaturity.prcomment.compare import compare
from cimaturity.prcomment.gate import hold_the_line
from cimaturity.prcomment.render import COMMENT_LIMIT, MARKER, Links, render_comment
from tests.unit.prcomment.histories import BASE, FIRST, IMPROVING, REGRESSING, finding


def test_an_improving_change_holds_the_line_and_says_by_how_much() -> None:
    comparison = compare(IMPROVING, BASE)
    assert comparison.new_findings == ()  # E501 moved from line 3 to 40: the same finding
    assert [f.rule for f in comparison.fixed_findings] == ["B101"]
    gate = hold_the_line(comparison)
    assert gate.ok and gate.failures == ()
    body = render_comment(comparison, gate, links=Links(report="https://example.test/run/1"))
    assert body.startswith(MARKER + "\n## CI/CD maturity: 7.9/10 (▲ +0.5 vs base `aaaaaaa` (7.4))")
    assert "**Hold the line: ✅ held.**" in body
    assert "| coverage | 83.5% | +2.5 pts |" in body
    assert "1 finding(s) fixed by this change." in body
    assert "New findings" not in body
    assert body.rstrip().endswith("[Full maturity report](https://example.test/run/1)")


def test_a_regressing_change_fails_for_each_reason_and_keeps_old_problems_apart() -> None:
    comparison = compare(REGRESSING, BASE)
    assert [f.rule for f in comparison.new_findings] == ["S608"]
    assert comparison.newly_failing == ("test::t_flaky", "test::t_new")
    assert comparison.still_failing == ("test::t_broken",)  # failing on the base too: not this change's
    assert comparison.new_vulnerabilities == ("requests 2.0.0 GHSA-new",)
    gate = hold_the_line(comparison)
    assert not gate.ok
    assert [reason.split(" ", 2)[:2] for reason in gate.failures] == [
        ["score", "dropped"], ["1", "new"], ["2", "test(s)"], ["1", "new"], ["p95", "grew"],
    ]  # fmt: skip
    body = render_comment(comparison, gate)
    assert "## CI/CD maturity: 7.1/10 (▼ -0.3 vs base `aaaaaaa` (7.4))" in body
    assert "**Hold the line: ❌ not held:** score dropped 7.4 -> 7.1 (-0.30)" in body
    assert "- **high** `ruff` `S608` `app/db.py:12`: S608 message" in body
    assert (
        "**Tests newly failing** (2)" in body and "**Tests already failing before this change** (1)" in body
    )
    assert "| lint | ❌ failed | 1 s |" in body
    assert "| high findings | 1 | +1 |" in body


def test_p95_within_the_bases_noise_is_not_a_regression() -> None:
    noisy_history = [
        dataclasses.replace(BASE, run_id=f"b{i}", p95_ms=p95) for i, p95 in enumerate((100, 140, 90, 150))
    ]
    slower = dataclasses.replace(IMPROVING, p95_ms=175.0)
    comparison = compare(slower, BASE, noisy_history)
    assert comparison.p95_allowance_ms is not None and comparison.p95_allowance_ms > 55
    gate = hold_the_line(comparison)
    assert gate.ok and any("within the base's noise allowance" in note for note in gate.notes)
    assert not hold_the_line(compare(slower, BASE)).ok  # no spread recorded: 20% of 120 ms is the allowance


def test_a_first_run_says_so_plainly_and_does_not_fail() -> None:
    comparison = compare(FIRST, None)
    gate = hold_the_line(comparison)
    assert gate.ok and gate.notes == ("first run: no base record to compare with, so nothing is held yet",)
    body = render_comment(comparison, gate)
    assert "## CI/CD maturity: 7.9/10 (first run: no base record to compare with)" in body
    assert "| coverage | 83.5% | no base |" in body
    assert "Findings already there before this change** (1)" in body


def test_a_comment_too_long_lists_fewer_items_and_never_cuts_the_score_line() -> None:
    many = tuple(finding(f"R{i}", file=f"app/m{i}.py", fp=f"fp{i}") for i in range(3000))
    huge = dataclasses.replace(REGRESSING, findings=many)
    comparison = compare(huge, BASE)
    body = render_comment(comparison, hold_the_line(comparison))
    assert len(body) <= COMMENT_LIMIT
    assert "**New findings in this change** (3000)" in body
    assert "- … and 2975 more (see the report)" in body
    tiny = render_comment(comparison, hold_the_line(comparison), limit=700)
    assert len(tiny) <= 700 and tiny.startswith(MARKER + "\n## CI/CD maturity: 7.1/10")


def test_text_from_findings_cannot_break_the_markdown() -> None:
    hostile = dataclasses.replace(
        finding("X1", file="a|b`c.py", fp="h"), message="<script>alert(1)</script> | new\nline"
    )
    comparison = compare(dataclasses.replace(IMPROVING, findings=(hostile,)), BASE)
    body = render_comment(comparison, hold_the_line(comparison))
    line = next(line for line in body.splitlines() if line.startswith("- **medium**"))
    assert "<script>" not in body
    assert line.endswith(": &lt;script>alert(1)&lt;/script> \\| new line")
    assert "``a|b`c.py:3``" in line
