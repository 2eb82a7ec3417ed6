"""Compare a repository's workflow documentation with its workflows; write `docs.json`.

Run by the `docs` check: `python -m cimaturity.tools.workflow_docs --project DIR --out FILE`.
Exit 0: the documentation matches; 1: a mismatch, no documentation, or a problem (recorded in the
report, which the gate reads); anything else is a crash. Never writes into the project.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.workflowdocs.examine import describe, examine
from cimaturity.workflowdocs.report import docs_json


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="workflow_docs", description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    report = examine(args.project)
    write_text_atomic(args.out, docs_json(report))
    print(f"workflow_docs: {describe(report)}")
    clean = report.doc is not None and not report.problems and report.mismatches == 0
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
