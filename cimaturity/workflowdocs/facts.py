"""What the workflows say, for their documentation: per workflow its triggers, per job its id,
name, run commands, `needs`, environment and the secrets it references.

Jobs come from `cimaturity.report.workflows.load_workflows` (the report's own parser, with line
numbers); this module adds what that parser leaves out: each file's name and triggers, and every
`${{ secrets.X }}` reference, given to the job whose lines hold it (a reference above the first
job, in the workflow's own `env:`, is every job's). An unreadable workflow is a problem naming
the file, never an empty workflow.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cimaturity.report.workflows import Job, ci_root, load_workflows

DOC = ".github/WORKFLOW_DOCUMENTATION.md"
# `${{ secrets.NAME }}` and `${{ secrets['NAME'] }}`, anywhere inside an expression
_SECRET = re.compile(
    r"\bsecrets\s*(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}")
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SecretUse:
    name: str
    file: str  # repository-relative workflow path
    job: str
    line: int


@dataclass(frozen=True)
class RunStep:
    """A `run:` step: its command (one line, or a folded command), else a script of `lines` lines
    named by its step."""

    name: str
    command: str | None
    lines: int = 1


@dataclass(frozen=True)
class JobFacts:
    id: str
    name: str
    file: str
    runs: tuple[RunStep, ...]
    uses: tuple[str, ...]  # each action, without its ref
    needs: tuple[str, ...]
    environment: str | None
    secrets: tuple[str, ...]  # sorted, unique


@dataclass(frozen=True)
class WorkflowSummary:
    file: str
    name: str
    triggers: tuple[str, ...]  # `push (branches: main, develop)`, `pull_request`
    jobs: tuple[JobFacts, ...]


@dataclass(frozen=True)
class DocFacts:
    root: Path  # the repository (the git root holding .github/workflows)
    workflows: tuple[WorkflowSummary, ...]
    problems: tuple[str, ...]  # one line each, naming the file

    @property
    def jobs(self) -> tuple[JobFacts, ...]:
        return tuple(job for workflow in self.workflows for job in workflow.jobs)

    @property
    def job_ids(self) -> frozenset[str]:
        return frozenset(job.id for job in self.jobs)

    @property
    def secrets(self) -> Mapping[str, tuple[JobFacts, ...]]:
        """Each secret referenced, with the jobs that need it (in workflow order)."""
        needed: dict[str, list[JobFacts]] = {}
        for job in self.jobs:
            for name in job.secrets:
                needed.setdefault(name, []).append(job)
        return {name: tuple(needed[name]) for name in sorted(needed)}

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(workflow.file for workflow in self.workflows)


def gather(project: Path) -> DocFacts:
    """The workflows of the repository holding `project`."""
    root = ci_root(project)
    facts = load_workflows(root)
    problems = list(facts.problems)
    broken = {problem.split(":", 1)[0] for problem in facts.problems}
    workflows: list[WorkflowSummary] = []
    for file in facts.files:
        if file in broken:
            continue
        jobs = [job for job in facts.jobs if job.file == file]
        try:
            text = (root / file).read_text(encoding="utf-8")
            loader = _LOADER(text)  # a safe loader (CSafeLoader where PyYAML has it)
            try:
                document = loader.get_single_data()
            finally:
                loader.dispose()
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"{file}: unreadable workflow ({_first_line(exc)})")
            continue
        uses = _secret_uses(file, text, jobs)
        workflows.append(
            WorkflowSummary(
                file=file,
                name=str(document.get("name") or Path(file).stem) if isinstance(document, dict) else file,
                triggers=_triggers(document),
                jobs=tuple(_job(job, uses) for job in jobs),
            )
        )
    return DocFacts(root=root, workflows=tuple(workflows), problems=tuple(dict.fromkeys(problems)))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _job(job: Job, uses: list[SecretUse]) -> JobFacts:
    runs = tuple(_run_text(step.run, step.name) for step in job.steps if step.run)
    actions = tuple(step.uses.split("@", 1)[0] for step in job.steps if step.uses)
    return JobFacts(
        id=job.id,
        name=job.name,
        file=job.file,
        runs=runs,
        uses=actions,
        needs=job.needs,
        environment=job.environment,
        secrets=tuple(sorted({use.name for use in uses if use.job == job.id})),
    )


def _run_text(run: str, name: str) -> RunStep:
    lines = [line.strip() for line in run.strip().splitlines() if line.strip()]
    if len(lines) == 1:
        return RunStep(name, lines[0])
    if all(line.endswith("\\") for line in lines[:-1]):  # one command continued over lines
        return RunStep(name, " ".join(line.removesuffix("\\").strip() for line in lines))
    return RunStep(name, None, len(lines))


def _secret_uses(file: str, text: str, jobs: list[Job]) -> list[SecretUse]:
    """Every secrets reference in `file`, given to the job whose lines hold it."""
    starts = sorted((job.line, job.id) for job in jobs if job.line is not None)
    found: list[SecretUse] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        for expression in _EXPRESSION.finditer(line):
            for match in _SECRET.finditer(expression.group(1)):
                name = match.group(1) or match.group(2)
                owners = [job_id for start, job_id in starts if start <= number][-1:]
                # above the first job (the workflow's `env:`): every job of the file sees it
                for job_id in owners or [job_id for _, job_id in starts]:
                    found.append(SecretUse(name, file, job_id, number))
    return found


def _triggers(document: Any) -> tuple[str, ...]:
    if not isinstance(document, dict):
        return ()
    on = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on` as True
    if isinstance(on, str):
        return (on,)
    if isinstance(on, list):
        return tuple(str(item) for item in on)
    if not isinstance(on, dict):
        return ()
    return tuple(_trigger(str(event), config) for event, config in on.items())


def _trigger(event: str, config: Any) -> str:
    """`push (branches: main, develop)`, `schedule (17 6 * * 1)`, `workflow_run (ci: completed)`."""
    details: list[str] = []
    if isinstance(config, list) and event == "schedule":
        details = [str(item.get("cron")) for item in config if isinstance(item, dict) and item.get("cron")]
    elif isinstance(config, dict):
        if event == "workflow_run":
            workflows = ", ".join(str(w) for w in config.get("workflows") or [])
            types = ", ".join(str(t) for t in config.get("types") or [])
            details.append(f"after {workflows}" + (f" {types}" if types else ""))
        for key in ("branches", "branches-ignore", "tags", "paths", "types"):
            value = config.get(key)
            if isinstance(value, list) and not (event == "workflow_run" and key == "types"):
                details.append(f"{key}: {', '.join(str(v) for v in value)}")
    return f"{event} ({'; '.join(details)})" if details else event
