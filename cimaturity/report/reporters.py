"""Every form the report takes, registered in one place (`REPORTERS`).

A reporter turns the scored report into one output: a file beside the run (Markdown, HTML,
summary.json), the GitHub Actions job summary, or console lines (workflow-command annotations).
Each renders from the same `ReportView` and writes nothing itself: the pipeline renders every
output first, then writes the files atomically, so a failure while rendering leaves the
previous report whole. A reporter returns None where it does not apply (the job summary
outside GitHub Actions). Adding a form is one class and one line in `REPORTERS`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from cimaturity.history.record import HistoryRecord
from cimaturity.report.charts import Chart
from cimaturity.report.evidence import Evidence
from cimaturity.report.github import annotation_lines
from cimaturity.report.places import Places
from cimaturity.report.render_html import render_html
from cimaturity.report.render_markdown import render_markdown
from cimaturity.report.scoring import Score
from cimaturity.report.summary import summary_json
from cimaturity.report.workflows import WorkflowFacts
from cimaturity.runs import REPORT_FILES

MARKDOWN, HTML, SUMMARY = REPORT_FILES  # named once, in `cimaturity.runs`


class Destination(StrEnum):
    RUN_FOLDER = "run folder"  # a file beside the run's evidence, written atomically
    JOB_SUMMARY = "job summary"  # appended to $GITHUB_STEP_SUMMARY (GitHub's contract: append)
    CONSOLE = "console"  # lines printed to standard output


@dataclass(frozen=True)
class ReportView:
    """What every reporter renders from."""

    score: Score
    evidence: Evidence
    workflows: WorkflowFacts
    places: Places
    charts: tuple[Chart, ...]
    trend: tuple[HistoryRecord, ...] = ()  # the history before this run, oldest -> newest (`report.trend`)


@dataclass(frozen=True)
class Output:
    reporter: str
    destination: Destination
    text: str
    name: str = ""  # the file name, for RUN_FOLDER; the target file, for JOB_SUMMARY


class Reporter(Protocol):
    name: str

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output | None: ...


def in_github_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


class MarkdownReporter:
    name = "Markdown"

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output:
        text = render_markdown(view.score, view.evidence, view.workflows, view.places)
        return Output(self.name, Destination.RUN_FOLDER, text, MARKDOWN)


class HtmlReporter:
    name = "HTML"

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output:
        text = render_html(view.score, view.evidence, view.workflows, view.charts, view.places, view.trend)
        return Output(self.name, Destination.RUN_FOLDER, text, HTML)


class SummaryJsonReporter:
    name = "summary JSON"

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output:
        text = json.dumps(summary_json(view.score, view.evidence, view.places), indent=2) + "\n"
        return Output(self.name, Destination.RUN_FOLDER, text, SUMMARY)


class JobSummaryReporter:
    """The Markdown report on the workflow run's summary page."""

    name = "job summary"

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output | None:
        target = env.get("GITHUB_STEP_SUMMARY")
        if not in_github_actions(env) or not target:
            return None
        text = render_markdown(view.score, view.evidence, view.workflows, view.places)
        return Output(self.name, Destination.JOB_SUMMARY, text, target)


class AnnotationsReporter:
    """`::error file=...,line=...::` for findings of failed gates, shown on the pull request's diff."""

    name = "annotations"

    def render(self, view: ReportView, env: Mapping[str, str]) -> Output | None:
        if not in_github_actions(env):
            return None
        lines = annotation_lines(view.evidence)
        return Output(self.name, Destination.CONSOLE, "\n".join(lines)) if lines else None


REPORTERS: tuple[Reporter, ...] = (
    MarkdownReporter(),
    HtmlReporter(),
    SummaryJsonReporter(),
    JobSummaryReporter(),
    AnnotationsReporter(),
)
