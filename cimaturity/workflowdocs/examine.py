"""Compare a repository's workflow documentation with its workflows, as the `docs` check does.

Read-only: the checked repository is never written. Where the repository has a descriptions
file (our generator's input), the documentation must also be what `invoke docs` generates.
"""

from __future__ import annotations

from pathlib import Path

from cimaturity.workflowdocs.compare import compare
from cimaturity.workflowdocs.descriptions import DESCRIPTIONS, DescriptionsError, load_descriptions
from cimaturity.workflowdocs.facts import DOC, gather
from cimaturity.workflowdocs.render import render
from cimaturity.workflowdocs.report import DocsReport


def examine(project: Path) -> DocsReport:
    facts = gather(project)
    empty = DocsReport(
        None, facts.files, len(facts.jobs), len(facts.secrets), (), (), (), (), False, facts.problems
    )
    if facts.problems:
        return empty
    path = facts.root / DOC
    try:
        text = path.read_text(encoding="utf-8") if path.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        return _with_problem(empty, f"{DOC}: not readable ({exc})")
    if text is None:
        return empty
    comparison = compare(facts, text)
    stale = False
    if (facts.root / DESCRIPTIONS).is_file():
        try:
            stale = render(facts, load_descriptions(facts.root)) != text
        except DescriptionsError as exc:
            return _with_problem(empty, str(exc))
    return DocsReport(
        doc=DOC,
        workflows=facts.files,
        jobs=len(facts.jobs),
        secrets=len(facts.secrets),
        phantom_jobs=comparison.phantom_jobs,
        undocumented_jobs=comparison.undocumented_jobs,
        phantom_secrets=comparison.phantom_secrets,
        undocumented_secrets=comparison.undocumented_secrets,
        stale=stale,
        problems=(),
    )


def _with_problem(report: DocsReport, problem: str) -> DocsReport:
    return DocsReport(
        report.doc,
        report.workflows,
        report.jobs,
        report.secrets,
        (),
        (),
        (),
        (),
        False,
        (*report.problems, problem),
    )


def describe(report: DocsReport) -> str:
    """The one-line verdict: what matched, or every mismatch named."""
    if report.problems:
        return report.problems[0]
    if report.doc is None:
        return f"no WORKFLOW_DOCUMENTATION.md (looked for {DOC}; {len(report.workflows)} workflow file(s))"
    clauses = [
        f"{label}: {', '.join(names)}"
        for label, names in (
            ("names job(s) no workflow has", report.phantom_jobs),
            ("leaves out job(s)", report.undocumented_jobs),
            ("names secret(s) no workflow references", report.phantom_secrets),
            ("leaves out secret(s)", report.undocumented_secrets),
        )
        if names
    ]
    if report.stale:
        clauses.append(
            f"is not what `invoke docs` generates from the workflows and {DESCRIPTIONS}: run `invoke docs`"
        )
    if clauses:
        return f"{report.doc} " + "; ".join(clauses)
    return (
        f"{report.doc} documents all {report.jobs} job(s) and {report.secrets} secret(s) "
        f"of {len(report.workflows)} workflow file(s), and no others"
    )
