"""cimaturity's own workflow rules over a repository's workflows, as SARIF.

Run by the `audit` check: `python -m cimaturity.tools.workflow_audit --root PROJECT --sarif FILE`.
Reads `.github/workflows/*.yml` of the repository holding PROJECT (never writes there); a file
that is not valid YAML is a finding (`unreadable-workflow`), not a crash. Exit 0 whatever it
finds: the gate judges the SARIF.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import cimaturity
from cimaturity.atomic import write_text_atomic
from cimaturity.audit.inputs import audited_workflows
from cimaturity.audit.located import load_located
from cimaturity.audit.rules import Finding, Workflow, audit
from cimaturity.audit.sarif_out import UNREADABLE, to_sarif
from cimaturity.model import ArtifactError
from cimaturity.report.workflows import load_workflows


def run(project: Path) -> tuple[list[Finding], tuple[str, ...]]:
    root, files = audited_workflows(project)
    facts = load_workflows(project)  # what each job reaches through tox, pre-commit, scripts
    workflows: list[Workflow] = []
    broken: list[Finding] = []
    for relative in files:
        path = root / relative
        try:
            document = load_located(path, relative)
            source = tuple(path.read_text(encoding="utf-8").splitlines())
        except ArtifactError as exc:
            broken.append(Finding(UNREADABLE, "error", str(exc), relative, _line_of(str(exc))))
            continue
        work = {job.id: f"{job.name}\n{job.text}" for job in facts.jobs if job.file == relative}
        workflows.append(Workflow(relative, document, source, work))
    return [*broken, *audit(workflows)], files


def _line_of(message: str) -> int:
    """`ci.yml: line 12 not valid YAML (...)` -> 12; 1 when the message names no line."""
    head = message.split(" not ", 1)[0]
    digits = head.rsplit("line ", 1)[-1] if "line " in head else ""
    return int(digits) if digits.isdigit() else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.workflow_audit", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path(), help="the project (default: .)")
    parser.add_argument("--sarif", type=Path, required=True, help="SARIF file to write")
    args = parser.parse_args(argv)
    findings, files = run(args.root.resolve())
    write_text_atomic(args.sarif, to_sarif(findings, files, cimaturity.__version__))
    shown = [f for f in findings if not f.suppressed]
    print(f"workflow audit: {len(files)} workflow(s), {len(shown)} finding(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
