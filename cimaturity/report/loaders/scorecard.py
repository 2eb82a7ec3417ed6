"""OpenSSF Scorecard's SARIF as extra evidence, when the reports folder holds one.

Scorecard runs in GitHub Actions (`.github/workflows/scorecard.yml`, artifact `scorecard`), not
in `invoke ci`, so its file is no check's artifact: the report looks for
`scorecard/scorecard.sarif` in the run's folder, then in the reports folder holding `runs/`
(`reports/scorecard/scorecard.sarif`, where `gh run download --name scorecard --dir
reports/scorecard` puts it). Its results join the findings with `check` = "OpenSSF Scorecard".
No file: nothing changes. A file that is not Scorecard's readable SARIF: one problem naming it,
never a silent pass and never findings.
"""

from __future__ import annotations

from pathlib import Path

from cimaturity.formats.sarif import read_sarif
from cimaturity.model import ArtifactError
from cimaturity.report import evidence as ev
from cimaturity.report.loaders.base import Collected

LABEL = "OpenSSF Scorecard"
SCORECARD = Path("scorecard") / "scorecard.sarif"
TOOL = "Scorecard"  # the SARIF's tool.driver.name


def scorecard_places(run_dir: Path) -> tuple[tuple[Path, Path], ...]:
    """(file, boundary folder) in the order looked at."""
    places = [(run_dir / SCORECARD, run_dir)]
    if run_dir.parent.name == "runs":  # reports/runs/<run id>/ -> reports/
        reports = run_dir.parent.parent
        places.append((reports / SCORECARD, reports))
    return tuple(places)


def load_scorecard(run_dir: Path, into: Collected, tools_root: Path | None = None) -> None:
    for path, within in scorecard_places(run_dir):
        if not (path.exists() or path.is_symlink()):
            continue
        shown = path.relative_to(within).as_posix()
        try:
            log = read_sarif(path, expected_tool=TOOL, within=within, root=tools_root)
        except ArtifactError as exc:
            message = " ".join(str(exc).split())
            into.problems.append(ev.ArtifactProblem(LABEL, shown, message))
            return
        into.findings.append((LABEL, log))
        return
