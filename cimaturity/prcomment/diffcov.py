"""Coverage of the lines a change touched, measured by diff-cover (the diff against the base,
read with the run's Cobertura report): what the comment shows as "coverage of changed lines".

Never raises: a missing report, a base ref git does not know, or diff-cover failing gives no
number and the reason, and the comment then says "no data", never 0.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cimaturity import proc


@dataclass(frozen=True)
class DiffCoverage:
    percent: float | None  # None: no number (see `reason`)
    lines: int  # changed lines that coverage measures
    reason: str = ""


def diff_coverage(
    project_root: Path, coverage_xml: Path, compare_ref: str, env: Mapping[str, str], timeout_s: float = 120
) -> DiffCoverage:
    if not coverage_xml.is_file():
        return DiffCoverage(None, 0, f"no coverage report ({coverage_xml.name})")
    with tempfile.TemporaryDirectory(prefix="cimaturity-diffcov-") as folder:
        out = Path(folder) / "diff.json"
        argv = [
            sys.executable, "-m", "diff_cover.diff_cover_tool", str(coverage_xml),
            "--compare-branch", compare_ref, "--format", f"json:{out}", "-q",
        ]  # fmt: skip
        try:
            result = proc.run(argv, cwd=project_root, env=env, timeout_s=timeout_s)
        except (proc.ToolMissingError, proc.CommandTimeoutError, OSError) as exc:
            return DiffCoverage(None, 0, f"diff-cover did not run: {exc}")
        if result.exit_code != 0 or not out.is_file():
            return DiffCoverage(None, 0, f"diff-cover failed: {proc.first_error_line(result.output)}")
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
            lines = int(report["total_num_lines"])
            percent = float(report["total_percent_covered"])
        except (ValueError, KeyError, TypeError) as exc:
            return DiffCoverage(None, 0, f"diff-cover wrote an unreadable report ({exc})")
    if lines == 0:
        return DiffCoverage(None, 0, "no changed line that coverage measures")
    return DiffCoverage(percent, lines)
