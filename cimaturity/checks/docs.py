"""docs: the workflow documentation names exactly the jobs and secrets the workflows have.

cimaturity's own helper (`python -m cimaturity.tools.workflow_docs`) reads the repository's
`.github/workflows/*.yml` and `.github/WORKFLOW_DOCUMENTATION.md` and writes `docs.json`
(`cimaturity.workflowdocs.report`); the gate judges that report, cross-checked against the
workflow files actually present. Failed: no documentation file, or a job or secret named by one
side only (each named), or, where the repository keeps `.github/workflow-docs.toml`, a file that
is not what `invoke docs` generates. Skipped (not applicable) without workflows. The repository is
never written: generating the documentation is `invoke docs`, on our own repository.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.report.workflows import ci_root, workflow_files
from cimaturity.tools import helper_command
from cimaturity.workflowdocs.examine import describe
from cimaturity.workflowdocs.report import read_docs_report

REPORT = "docs.json"


def _not_applicable(ctx: CheckContext) -> str | None:
    if workflow_files(ci_root(ctx.root)):
        return None
    return "not applicable: no workflows (.github/workflows/*.yml) to document"


def _commands(ctx: CheckContext) -> list[Command]:
    out = str(ctx.artifact(REPORT).resolve())
    command = helper_command(
        "workflow_docs",
        "--project",
        str(ctx.root.resolve()),
        "--out",
        out,
        ok_exit_codes=frozenset({0, 1}),
        env=ctx.env,
    )
    return [dataclasses.replace(command, cwd=ci_root(ctx.root))]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(REPORT)
    report = read_docs_report(path)
    if report.problems:  # an unreadable workflow: named, and nothing was compared
        raise ArtifactError(report.problems[0])
    present = workflow_files(ci_root(ctx.root))
    if tuple(report.workflows) != present:
        read = ", ".join(report.workflows) or "none"
        raise ArtifactError(
            f"{REPORT} examined workflow file(s) {read}, but the repository has {', '.join(present)}: "
            "nothing trustworthy was compared"
        )
    exit_code = outcomes[-1].exit_code if outcomes else None
    broken = report.doc is None or report.mismatches > 0
    if exit_code == 0 and broken:
        raise ArtifactError(f"workflow_docs exited 0 but {REPORT} records: {describe(report)}")
    if exit_code == 1 and not broken:
        raise ArtifactError(f"workflow_docs exited 1 but {REPORT} records no mismatch")
    metrics = {
        "workflows": float(len(report.workflows)),
        "jobs": float(report.jobs),
        "secrets": float(report.secrets),
        "mismatches": float(report.mismatches),
    }
    if broken:
        return Verdict.failed(describe(report), **metrics)
    return Verdict.passed(describe(report), **metrics)


DOCS = Check(
    name="docs",
    stage=Stage.FAST,
    summary="the workflow documentation (.github/WORKFLOW_DOCUMENTATION.md) against the workflows, "
    "as JSON; gate: it names exactly the jobs and secrets the workflows have; skipped without workflows",
    commands=_commands,
    artifacts=(REPORT,),
    gate=_gate,
    not_applicable=_not_applicable,
    timeout_s=60.0,
)
