"""`invoke docs`: write `.github/WORKFLOW_DOCUMENTATION.md` from the workflows (our repository);
`invoke docs --check`: run the `docs` check alone, on any repository, never writing into it."""

from __future__ import annotations

from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from cimaturity.atomic import write_text_atomic
from cimaturity.tasks.ci import finish, reports_folder, run_pipeline
from cimaturity.workflowdocs import DOC, DescriptionsError, gather, load_descriptions, render


@task(
    help={
        "check": "compare the documentation with the workflows instead of writing it (the docs check)",
        "project": "the repository (default: this one)",
        "reports": "reports folder, with --check",
    }
)
def docs(c: Context, check: bool = False, project: str = ".", reports: str = "") -> None:
    """Generate .github/WORKFLOW_DOCUMENTATION.md from .github/workflows/*.yml and the prose of
    .github/workflow-docs.toml; with --check, fail when it names a job or secret the workflows
    lack, or the reverse (the docs check, with run.json and docs.json like any check)."""
    if check:
        with run_pipeline(project=project, reports=reports, only=("docs",), jobs=1) as record:
            finish(record, reports_folder(project, reports))
        return
    facts = gather(Path(project))
    if not facts.files:
        raise Exit(f"cimaturity docs: no workflows in {facts.root / '.github' / 'workflows'}", code=2)
    try:
        text = render(facts, load_descriptions(facts.root))
    except DescriptionsError as exc:
        raise Exit(f"cimaturity docs: {exc}", code=2) from None
    path = facts.root / DOC
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    if before == text:
        print(f"{DOC}: up to date ({len(facts.jobs)} job(s), {len(facts.secrets)} secret(s))")
        return
    write_text_atomic(path, text)
    print(f"{DOC}: written ({len(facts.jobs)} job(s), {len(facts.secrets)} secret(s))")
