"""The report as Markdown (also what goes to `$GITHUB_STEP_SUMMARY`). Pure: Score in, text out."""

from __future__ import annotations

from cimaturity.report.evidence import Evidence
from cimaturity.report.places import Places
from cimaturity.report.scoring import CriterionResult, CriterionStatus, Score
from cimaturity.report.workflows import WorkflowFacts

_ICON = {
    CriterionStatus.MET: "✅ met",
    CriterionStatus.PARTIAL: "🟡 partial",
    CriterionStatus.UNMET: "❌ unmet",
    CriterionStatus.NO_EVIDENCE: "⚠️ no evidence",
    CriterionStatus.NOT_APPLICABLE: "⚪ not applicable",
}


def cell(text: str) -> str:
    """Table-safe text: no pipes or line breaks escape the cell."""
    return " ".join(text.replace("|", "\\|").split())


def status_label(status: CriterionStatus) -> str:
    return _ICON[status]


def _points(result: CriterionResult) -> str:
    return "-" if not result.applicable else f"{result.points:.1f} / {result.max_points:.1f}"


def action_with_tasks(result: CriterionResult) -> str:
    """The next action, with the plan's task numbers when the rubric in use has them."""
    tasks = ", ".join(result.criterion.plan_tasks)
    return f"{result.next_action} ({tasks})" if tasks else result.next_action


def action_header(score: Score) -> str:
    return "Action (plan task)" if any(r.criterion.plan_tasks for r in score.results) else "Action"


def render_markdown(
    score: Score, evidence: Evidence, workflows: WorkflowFacts, places: Places | None = None
) -> str:
    """The report; `places` rewrites this machine's absolute folders relative (none by default)."""
    lines: list[str] = [f"# CI/CD maturity: {score.score:.1f}/10", ""]
    run = evidence.run
    if run is not None:
        sha = (run.git_sha or "unknown")[:12]
        lines.append(
            f"Run `{run.run_id}` of `{run.project}` ({run.profile} profile) at {sha} on "
            f"{run.git_branch or 'unknown branch'}, {run.started_at}, {run.duration_s:.1f} s."
        )
    else:
        lines.append("No run record: only workflow and repository evidence was available.")
    lines += [
        "",
        f"**{score.points:.1f} of {score.max_points:.1f} applicable points** "
        f"(rubric: `{score.rubric_source}`). Score = 10 x points / applicable points, rounded down.",
        "",
        "## Criteria",
        "",
        "| Criterion | Group | Status | Points | Evidence |",
        "| --- | --- | --- | ---: | --- |",
    ]
    for r in score.results:
        lines.append(
            f"| {cell(r.criterion.title)} | {r.criterion.group} | {status_label(r.status)} | "
            f"{_points(r)} | {cell(r.evidence)} |"
        )
    lines += ["", "## Next steps to 10/10", ""]
    if not score.next_steps:
        lines.append("Nothing left: every applicable criterion has full points.")
    else:
        lines += [
            f"| # | Gain | Criterion | Missing evidence | {action_header(score)} |",
            "| ---: | ---: | --- | --- | --- |",
        ]
        for rank, r in enumerate(score.next_steps, start=1):
            lines.append(
                f"| {rank} | +{r.gain:.1f} | {cell(r.criterion.title)} | {cell(r.missing or r.evidence)} | "
                f"{cell(action_with_tasks(r))} |"
            )
    no_evidence = [r for r in score.results if r.status is CriterionStatus.NO_EVIDENCE]
    lines += ["", "## No evidence (counts as zero)", ""]
    if no_evidence:
        lines += [f"- **{r.criterion.title}**: {r.evidence}" for r in no_evidence]
    else:
        lines.append("None: every applicable criterion was judged on evidence.")
    not_applicable = [r for r in score.results if r.status is CriterionStatus.NOT_APPLICABLE]
    lines += ["", "## Not applicable (excluded from the maximum)", ""]
    if not_applicable:
        lines += [f"- **{r.criterion.title}**: {r.evidence}" for r in not_applicable]
    else:
        lines.append("None.")
    lines += ["", "## Suppressions", ""]
    lines.append("Suppressed findings are counted so that hiding a finding never quietly raises the score.")
    lines.append("")
    frame = evidence.suppressions
    if frame.empty:
        lines.append("No suppressions recorded.")
    else:
        lines += ["| Kind | Count |", "| --- | ---: |"]
        for row in frame.sort_values("kind").to_dict("records"):
            lines.append(f"| {cell(str(row['kind']))} | {int(row['count'])} |")
    lines += ["", "## Checks in this run", ""]
    if evidence.checks.empty:
        lines.append("No checks recorded.")
    else:
        lines += ["| Check | Stage | Status | Duration | Reason |", "| --- | --- | --- | ---: | --- |"]
        for row in evidence.checks.to_dict("records"):
            lines.append(
                f"| {cell(str(row['name']))} | {row['stage']} | {row['status']} | "
                f"{float(row['duration_s']):.1f} s | {cell(str(row['reason']))} |"
            )
    problems = [f"- `{p.check}`: {p.message}" for p in evidence.problems] + [
        f"- workflows: {problem}" for problem in workflows.problems
    ]
    if problems:
        lines += ["", "## Evidence problems", "", *problems]
    text = "\n".join(lines) + "\n"
    return places.text(text) if places is not None else text
