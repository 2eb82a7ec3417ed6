"""`.github/WORKFLOW_DOCUMENTATION.md` generated from the workflows, and compared with them.

Three small steps, each its own module: `facts` reads what the workflows say (jobs from
`cimaturity.report.workflows`, plus each file's triggers and every `${{ secrets.X }}` reference),
`render` writes the Markdown (merging the hand-written prose of `.github/workflow-docs.toml`,
`descriptions`), and `compare` reads a documentation file back and names every job or secret it
documents that the workflows lack, or the reverse. `report` is the JSON artifact of the `docs`
check. Nothing here writes into a checked repository but `invoke docs` on our own.
"""

from __future__ import annotations

from cimaturity.workflowdocs.compare import Comparison, compare
from cimaturity.workflowdocs.descriptions import (
    DESCRIPTIONS,
    Descriptions,
    DescriptionsError,
    load_descriptions,
)
from cimaturity.workflowdocs.examine import describe, examine
from cimaturity.workflowdocs.facts import DOC, DocFacts, JobFacts, RunStep, SecretUse, WorkflowSummary, gather
from cimaturity.workflowdocs.render import render

__all__ = [
    "DESCRIPTIONS",
    "DOC",
    "Comparison",
    "Descriptions",
    "DescriptionsError",
    "DocFacts",
    "JobFacts",
    "RunStep",
    "SecretUse",
    "WorkflowSummary",
    "compare",
    "describe",
    "examine",
    "gather",
    "load_descriptions",
    "render",
]
