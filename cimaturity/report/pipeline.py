"""The report pipeline's steps, shared by `invoke report` and `scripts/maturity_report.py`:
gather raw facts -> evaluate the rubric -> render (every reporter of `reporters.REPORTERS`) ->
write the files beside the run -> publish (GitHub Actions job summary, annotations)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from cimaturity.atomic import write_text_atomic
from cimaturity.config import ConfigError, load_config
from cimaturity.history.record import HistoryRecord
from cimaturity.history.recording import record_run, reports_folder_of
from cimaturity.layout import layout_of
from cimaturity.model import ArtifactError
from cimaturity.report.charts import Chart, all_charts
from cimaturity.report.evidence import Evidence
from cimaturity.report.places import Places, places_for
from cimaturity.report.project import ProjectFacts, gather_project
from cimaturity.report.reporters import REPORTERS, Destination, Output, ReportView
from cimaturity.report.rubric import PACKAGED, Rubric, RubricError, load_rubric
from cimaturity.report.rules import RuleContext
from cimaturity.report.scoring import Score, ScoreError, score_rubric
from cimaturity.report.trend import previous_runs
from cimaturity.report.workflows import WorkflowFacts, load_workflows
from cimaturity.runs import REPORT_FILES, RunsError, resolve_run

# Named once, in `cimaturity.runs`: the reports folder links these names to the latest run's.
MARKDOWN, HTML, SUMMARY = REPORT_FILES


class ReportError(Exception):
    """Bad input for the report (rubric, config, run record); one line naming the file."""


@dataclass(frozen=True)
class ReportInputs:
    project_root: Path
    reports_dir: Path  # the run folder read from and written to (`latest` already resolved)
    rubric: Rubric
    evidence: Evidence
    workflows: WorkflowFacts
    project: ProjectFacts
    places: Places = field(default_factory=Places)  # absolute folders shown relative in outputs
    trend: tuple[HistoryRecord, ...] = ()  # the history before this run (`report.trend`)

    @property
    def context(self) -> RuleContext:
        return RuleContext(workflows=self.workflows, project=self.project, evidence=self.evidence)


@dataclass(frozen=True)
class RenderedReport:
    outputs: tuple[Output, ...]  # every reporter's, in `REPORTERS` order
    charts: tuple[Chart, ...]

    def of(self, destination: Destination) -> tuple[Output, ...]:
        return tuple(output for output in self.outputs if output.destination is destination)


def resolve_rubric(project_root: Path, explicit: str | None) -> Path | str | None:
    """`--rubric` wins; else `[tool.cimaturity] rubric`; else the builtin rubric (None).

    A packaged rubric's name (`builtin`, `plan`) selects it; anything else is a file, relative
    to the project folder when configured in its pyproject.toml.
    """
    if explicit:
        return explicit if explicit in PACKAGED else Path(explicit).resolve()
    try:
        configured = load_config(project_root).rubric
    except ConfigError as exc:
        raise ReportError(str(exc)) from None
    if configured in PACKAGED:
        return configured
    return (project_root / configured).resolve() if configured else None


def run_folder_of(artifacts: Path) -> Path:
    """The concrete folder the report reads and writes, resolved once (`cimaturity.runs`).

    A reports folder gives the run its `latest` names; a single run folder (run.json directly in
    it), a reports folder of an older cimaturity or one with no run yet is used as it is.
    """
    try:
        return resolve_run(artifacts)
    except RunsError as exc:
        raise ReportError(str(exc)) from None


def load_run_evidence(run_dir: Path, project_root: Path) -> Evidence:
    """The evidence of the run in `run_dir` (a resolved run folder, the reader's boundary: no
    artifact outside it is read); a folder without `run.json` (no run yet) leaves only the
    workflows and files to judge, while a `run.json` that cannot be read stops the report."""
    from cimaturity.report.loaders import RUN_FILE, load_evidence  # the loaders' engineer owns these

    if run_dir.is_dir() and not (run_dir / RUN_FILE).exists():
        return Evidence(run=None)
    try:
        return load_evidence(run_dir, project_root)
    except ArtifactError as exc:
        raise ReportError(str(exc)) from None


def gather(
    project: str | Path = ".", artifacts: str | Path | None = None, rubric: str | None = None
) -> ReportInputs:
    project_root = Path(project).resolve()
    if not project_root.is_dir():
        raise ReportError(f"{project_root}: project folder does not exist")
    # `latest` is followed here, once: everything below reads (and the report is written) in
    # that one run folder, even if another run switches `latest` meanwhile.
    reports_dir = run_folder_of(Path(artifacts) if artifacts else project_root / "reports")
    try:
        loaded_rubric = load_rubric(resolve_rubric(project_root, rubric))
    except RubricError as exc:
        raise ReportError(str(exc)) from None
    layout = layout_of(project_root)
    evidence = load_run_evidence(reports_dir, project_root)
    return ReportInputs(
        project_root=project_root,
        reports_dir=reports_dir,
        rubric=loaded_rubric,
        evidence=evidence,
        workflows=load_workflows(project_root),  # read at the git root
        project=gather_project(project_root),
        places=places_for(layout, reports_dir),
        # read only: a reports folder without a history store stays without one
        trend=previous_runs(reports_folder_of(project_root, artifacts), project_root.name, evidence.run),
    )


def evaluate(inputs: ReportInputs) -> Score:
    try:
        return score_rubric(inputs.rubric, inputs.context)
    except ScoreError as exc:
        raise ReportError(str(exc)) from None


def render(inputs: ReportInputs, score: Score, env: Mapping[str, str] | None = None) -> RenderedReport:
    """Every reporter's output, rendered in memory (nothing is written yet)."""
    charts = all_charts(score, inputs.evidence)
    view = ReportView(score, inputs.evidence, inputs.workflows, inputs.places, charts, inputs.trend)
    outputs = (reporter.render(view, env or {}) for reporter in REPORTERS)
    return RenderedReport(tuple(output for output in outputs if output is not None), charts)


def write(rendered: RenderedReport, reports_dir: Path) -> tuple[Path, ...]:
    """The files beside the run, each written atomically, after everything was rendered.

    `reports_dir` is the run folder the evidence came from: the report lives beside its run, and
    the reports folder's top-level `maturity.md` (and the others) are links through `latest`.
    """
    paths = []
    for output in rendered.of(Destination.RUN_FOLDER):
        path = reports_dir / output.name
        write_text_atomic(path, output.text)
        paths.append(path)
    return tuple(paths)


def publish(rendered: RenderedReport) -> list[str]:
    """Append the job summary (GitHub Actions) and return the console lines to print."""
    for output in rendered.of(Destination.JOB_SUMMARY):
        with Path(output.name).open("a", encoding="utf-8") as handle:  # GitHub's contract: append
            handle.write(output.text)
    return [line for output in rendered.of(Destination.CONSOLE) for line in output.text.splitlines()]


def run_report(
    project: str | Path = ".",
    artifacts: str | Path | None = None,
    rubric: str | None = None,
    env: Mapping[str, str] | None = None,
    *,
    history: Path | None = None,
) -> tuple[Score, tuple[Path, ...], list[str]]:
    """The whole report in one call (what `invoke report` does).

    With `history` (a reports folder), the scored run is then appended to its history store;
    a failure there is one line on stderr, never a failed report (`cimaturity.history.recording`)."""
    inputs = gather(project, artifacts, rubric)
    score = evaluate(inputs)
    rendered = render(inputs, score, env)
    paths = write(rendered, inputs.reports_dir)
    if history is not None:
        record_run(history, score, inputs.evidence, project_root=inputs.project_root, env=env or {})
    return score, paths, publish(rendered)
