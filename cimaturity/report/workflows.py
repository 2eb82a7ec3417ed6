"""Facts from a repository's `.github/workflows/*.yml`: jobs, steps, triggers, services (raw data only).

Workflows live at the git root (GitHub reads no other), so a project in a subfolder is judged by its
repository's workflows; paths in evidence are relative to that root. Each step also carries what it
reaches one hop away (a tox env, a pre-commit hook, a script, and the scripts that script calls:
see the ci_follow package).

Nothing here judges; the rules do. An unreadable workflow file is recorded in `problems` so the
workflow-based rules answer "no evidence" instead of raising.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cimaturity.audit import detect
from cimaturity.layout import layout_of
from cimaturity.report.ci_follow import CiFollower, Reached, StepCall, is_install

# libyaml's loader when PyYAML was built with it: ~10x faster on a long workflow
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SERVICE_IMAGES = ("postgres", "redis", "mysql", "mariadb", "mongo")


@dataclass(frozen=True)
class Step:
    name: str
    uses: str | None
    run: str | None
    with_: Mapping[str, str]
    continue_on_error: bool
    line: int | None
    id: str | None = None
    condition: str | None = None  # the step's `if:`
    working_directory: str = ""  # repository-relative, from the step or the job/workflow defaults
    reached: tuple[Reached, ...] = ()  # tox env, hook, target, script line (through called scripts)
    reraised_by: int | None = None  # line of a later step failing the job when this one failed

    @property
    def text(self) -> str:
        """Everything a pattern may match: the action, its inputs, the shell commands and the
        commands reached (one hop; scripts through the scripts they call), but not install lines
        (`pip install mypy` installs a tool; it does not run it)."""
        inputs = " ".join(f"{key}={value}" for key, value in self.with_.items())
        commands = "\n".join(line for line in (self.run or "").splitlines() if not is_install(line))
        name = "" if is_install(self.name) else self.name
        reached = "\n".join(item.command for item in self.reached)
        return " ".join(part for part in (name, self.uses or "", inputs, commands, reached) if part)

    def reached_matching(self, patterns: tuple[str, ...]) -> tuple[Reached, ...]:
        """The reached commands matching any pattern (the rules' case-insensitive search)."""
        return tuple(
            item
            for item in self.reached
            if any(re.search(pattern, item.command, re.IGNORECASE) for pattern in patterns)
        )

    def reached_cited(self, patterns: tuple[str, ...] = ()) -> tuple[Reached, ...]:
        """What evidence cites beside the step: the reached commands matching `patterns` (at most
        three), or without patterns the first reached command of each kind (lint, typecheck, ...),
        so a type-check rule met through a pre-commit step still shows the mypy hook."""
        if patterns:
            return self.reached_matching(patterns)[:3]
        first = {kind: item for item in reversed(self.reached) for kind in item.kinds}
        return tuple(item for item in self.reached if item in first.values())

    @property
    def soft_reasons(self) -> tuple[str, ...]:
        """Why a failure of this step would not fail the job (empty when it would)."""
        reasons: list[str] = []
        if self.continue_on_error and self.reraised_by is None:
            reasons.append("continue-on-error: true")
        # The workflow audit's detectors (`cimaturity.audit.detect`): one answer to "can this fail?"
        if self.run:
            reasons.extend(sorted({marker.marker for marker in detect.soft_markers(self.run)}))
        reasons.extend(detect.soft_inputs(dict(self.with_)))
        return tuple(reasons)


@dataclass(frozen=True)
class Job:
    id: str
    name: str
    file: str
    steps: tuple[Step, ...]
    services: tuple[str, ...]  # normalised: postgres, redis, ... (from the image or the key)
    continue_on_error: bool
    needs: tuple[str, ...]
    environment: str | None
    condition: str | None
    matrix: Mapping[str, tuple[str, ...]]
    line: int | None

    @property
    def text(self) -> str:
        return "\n".join(step.text for step in self.steps)


@dataclass(frozen=True)
class WorkflowFacts:
    files: tuple[str, ...]
    jobs: tuple[Job, ...]
    triggers: frozenset[str]
    problems: tuple[str, ...]

    def job(self, job_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)

    @property
    def job_ids(self) -> frozenset[str]:
        return frozenset(job.id for job in self.jobs)


def load_workflows(project: Path) -> WorkflowFacts:
    """The workflows of the repository holding `project` (its git root)."""
    root = ci_root(project)
    paths = [root / relative for relative in workflow_files(root)]
    follower = CiFollower(root)
    jobs: list[Job] = []
    triggers: set[str] = set()
    problems: list[str] = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        try:
            document = _compose(path)
            file_triggers, file_jobs = _parse_document(relative, document, follower, problems)
        except (OSError, UnicodeDecodeError, yaml.YAMLError, _ShapeError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            problems.append(f"{relative}: unreadable workflow ({first_line})")
            continue
        triggers.update(file_triggers)
        jobs.extend(file_jobs)
    return WorkflowFacts(
        files=tuple(path.relative_to(root).as_posix() for path in paths),
        jobs=tuple(jobs),
        triggers=frozenset(triggers),
        problems=tuple(dict.fromkeys(problems)),
    )


def workflow_files(root: Path) -> tuple[str, ...]:
    """The workflow files GitHub reads (`.github/workflows/*.yml|yaml` of the repository root
    `root`), relative to it, sorted: what the rules, the audit and the docs all read."""
    folder = root / ".github" / "workflows"
    if not folder.is_dir():
        return ()
    paths = sorted(p for p in [*folder.glob("*.yml"), *folder.glob("*.yaml")] if p.is_file())
    return tuple(path.relative_to(root).as_posix() for path in paths)


def ci_root(project: Path) -> Path:
    """Where the workflows are: the git root; but a project folder with a `.github/` of its own is
    a repository copied into another (a fixture, a vendored example) and stands for itself."""
    project = project.resolve()
    if (project / ".github").is_dir():
        return project
    return layout_of(project).repo


class _ShapeError(Exception):
    """The YAML parsed but is not shaped like a GitHub Actions workflow."""


def _compose(path: Path) -> tuple[Any, dict[int, int]]:
    """The document plus a map from id(mapping) to its 1-based line, for annotations."""
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=_LOADER)
    if node is None:
        raise _ShapeError("empty file")
    lines: dict[int, int] = {}
    loader = _LOADER(text)
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    _record_lines(node, data, lines)
    return data, lines


def _record_lines(node: yaml.Node, data: Any, lines: dict[int, int]) -> None:
    if isinstance(node, yaml.MappingNode) and isinstance(data, dict):
        lines[id(data)] = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = key_node.value
            if key_node.tag.endswith(":bool"):  # YAML 1.1 reads `on:` as True
                key = True
            if key in data:
                _record_lines(value_node, data[key], lines)
    elif isinstance(node, yaml.SequenceNode) and isinstance(data, list):
        for item_node, item in zip(node.value, data, strict=False):
            _record_lines(item_node, item, lines)


@dataclass(frozen=True)
class _Inherited:
    """What a job's steps take from the workflow and the job: `env:` and the run defaults."""

    env: Mapping[str, str]
    working_directory: str
    matrix_values: frozenset[str]


def _parse_document(
    relative: str, composed: tuple[Any, dict[int, int]], follower: CiFollower, problems: list[str]
) -> tuple[set[str], list[Job]]:
    document, lines = composed
    if not isinstance(document, dict):
        raise _ShapeError("top level is not a mapping")
    on = document.get("on", document.get(True))  # PyYAML turns the bare key `on` into True
    raw_jobs = document.get("jobs")
    if not isinstance(raw_jobs, dict):
        raise _ShapeError("no 'jobs' mapping")
    workflow = _Inherited(_env(document), _default_working_directory(document, ""), frozenset())
    jobs = [
        _job(relative, str(job_id), raw, lines, _FollowContext(follower, workflow, problems))
        for job_id, raw in raw_jobs.items()
    ]
    return _triggers(on), jobs


@dataclass(frozen=True)
class _FollowContext:
    follower: CiFollower
    inherited: _Inherited
    problems: list[str]  # follow problems are collected here, for WorkflowFacts.problems


def _triggers(on: Any) -> set[str]:
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(item) for item in on}
    if isinstance(on, dict):
        return {str(key) for key in on}
    return set()


def _job(relative: str, job_id: str, raw: Any, lines: dict[int, int], follow: _FollowContext) -> Job:
    if not isinstance(raw, dict):
        raise _ShapeError(f"job {job_id!r} is not a mapping")
    raw_steps = raw.get("steps") or []
    if not isinstance(raw_steps, list):
        raise _ShapeError(f"job {job_id!r}: steps is not a list")
    environment = raw.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    needs = raw.get("needs") or []
    strategy = raw.get("strategy") if isinstance(raw.get("strategy"), dict) else {}
    matrix = strategy.get("matrix") if isinstance(strategy, dict) else None
    inherited = _Inherited(
        env={**follow.inherited.env, **_env(raw)},
        working_directory=_default_working_directory(raw, follow.inherited.working_directory),
        matrix_values=frozenset(_scalars(matrix)),
    )
    steps = [
        _step(job_id, index, step, lines, dataclasses.replace(follow, inherited=inherited))
        for index, step in enumerate(raw_steps)
    ]
    return Job(
        id=job_id,
        name=str(raw.get("name") or job_id),
        file=relative,
        steps=_mark_reraised(steps),
        services=_services(raw.get("services")),
        continue_on_error=_truthy(raw.get("continue-on-error")),
        needs=tuple(str(n) for n in needs) if isinstance(needs, list) else (str(needs),),
        environment=None if environment is None else str(environment),
        condition=None if raw.get("if") is None else str(raw.get("if")),
        matrix={
            str(key): tuple(str(v) for v in value)
            for key, value in (matrix or {}).items()
            if isinstance(value, list)
        }
        if isinstance(matrix, dict)
        else {},
        line=lines.get(id(raw)),
    )


def _step(job_id: str, index: int, raw: Any, lines: dict[int, int], follow: _FollowContext) -> Step:
    if not isinstance(raw, dict):
        raise _ShapeError(f"job {job_id!r}: step {index} is not a mapping")
    inputs = raw.get("with") if isinstance(raw.get("with"), dict) else {}
    with_ = {str(key): str(value) for key, value in (inputs or {}).items()}
    uses = None if raw.get("uses") is None else str(raw["uses"])
    run = None if raw.get("run") is None else str(raw["run"])
    working_directory = str(raw.get("working-directory") or follow.inherited.working_directory)
    followed = follow.follower.follow(
        StepCall(
            run=run,
            uses=uses,
            with_=with_,
            working_directory=working_directory,
            env={**follow.inherited.env, **_env(raw)},
            matrix_values=follow.inherited.matrix_values,
        )
    )
    follow.problems.extend(followed.problems)
    return Step(
        name=str(raw.get("name") or raw.get("uses") or raw.get("run", "")).strip(),
        uses=uses,
        run=run,
        with_=with_,
        continue_on_error=_truthy(raw.get("continue-on-error")),
        line=lines.get(id(raw)),
        id=None if raw.get("id") is None else str(raw["id"]),
        condition=None if raw.get("if") is None else str(raw["if"]),
        working_directory=working_directory,
        reached=followed.reached,
    )


def _mark_reraised(steps: list[Step]) -> tuple[Step, ...]:
    """Soft steps whose failure a later step turns into a job failure are marked with its line."""
    marked: list[Step] = []
    for index, step in enumerate(steps):
        if step.continue_on_error and step.id:
            later = next((s for s in steps[index + 1 :] if _reraises(s, step.id)), None)
            if later is not None:
                step = dataclasses.replace(step, reraised_by=later.line)
        marked.append(step)
    return tuple(marked)


def _reraises(step: Step, soft_id: str) -> bool:
    return not step.continue_on_error and detect.reraises(soft_id, step.condition, step.run)


def _env(raw: Mapping[Any, Any]) -> dict[str, str]:
    env = raw.get("env")
    return {str(key): str(value) for key, value in env.items()} if isinstance(env, dict) else {}


def _default_working_directory(raw: Mapping[Any, Any], inherited: str) -> str:
    defaults = raw.get("defaults")
    run = defaults.get("run") if isinstance(defaults, dict) else None
    value = run.get("working-directory") if isinstance(run, dict) else None
    return inherited if value is None else str(value)


def _scalars(value: Any) -> list[str]:
    """Every scalar in a matrix, `include:` entries too (the values `${{ matrix.x }}` can take)."""
    if isinstance(value, dict):
        return [item for child in value.values() for item in _scalars(child)]
    if isinstance(value, list):
        return [item for child in value for item in _scalars(child)]
    return [] if value is None else [str(value)]


def _services(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, dict):
        return ()
    found: list[str] = []
    for key, value in raw.items():
        image = str(value.get("image", "")) if isinstance(value, dict) else str(value)
        label = next((kind for kind in _SERVICE_IMAGES if kind in image.lower()), str(key).lower())
        found.append(label)
    return tuple(found)


def _truthy(value: Any) -> bool:
    # `continue-on-error: ${{ ... }}` may be true at run time: treat an expression as soft.
    return value is True or (isinstance(value, str) and value.strip().lower() not in ("false", ""))
