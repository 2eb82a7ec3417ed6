"""Facts from a project's `.github/workflows/*.yml`: jobs, steps, triggers, services (raw data only).

Nothing here judges; the rules do. An unreadable workflow file is recorded in `problems` so the
workflow-based rules answer "no evidence" instead of raising.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_SOFT_RUN = re.compile(r"--exit-zero|\|\|\s*true\b|\|\|\s*exit\s+0\b|\|\|\s*:\s*$", re.MULTILINE)
_INSTALL = re.compile(r"^\s*(?:python3?\s+-m\s+)?(?:uv\s+)?pip3?\s+install\b|^\s*install\b", re.IGNORECASE)
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

    @property
    def text(self) -> str:
        """Everything a pattern may match: the action, its inputs and the shell commands, but not
        install lines (`pip install mypy` installs a tool; it does not run it)."""
        inputs = " ".join(f"{key}={value}" for key, value in self.with_.items())
        commands = "\n".join(line for line in (self.run or "").splitlines() if not _INSTALL.match(line))
        name = "" if _INSTALL.match(self.name) else self.name
        return " ".join(part for part in (name, self.uses or "", inputs, commands) if part)

    @property
    def soft_reasons(self) -> tuple[str, ...]:
        """Why a failure of this step would not fail the job (empty when it would)."""
        reasons: list[str] = []
        if self.continue_on_error:
            reasons.append("continue-on-error: true")
        if self.run:
            reasons.extend(sorted({match.group(0).strip() for match in _SOFT_RUN.finditer(self.run)}))
        if self.with_.get("exit-code", "").strip() == "0":
            reasons.append("exit-code: 0")
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


def load_workflows(root: Path) -> WorkflowFacts:
    folder = root / ".github" / "workflows"
    paths = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    jobs: list[Job] = []
    triggers: set[str] = set()
    problems: list[str] = []
    for path in paths:
        relative = path.relative_to(root).as_posix()
        try:
            document = _compose(path)
            file_triggers, file_jobs = _parse_document(relative, document)
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
        problems=tuple(problems),
    )


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


def _parse_document(relative: str, composed: tuple[Any, dict[int, int]]) -> tuple[set[str], list[Job]]:
    document, lines = composed
    if not isinstance(document, dict):
        raise _ShapeError("top level is not a mapping")
    on = document.get("on", document.get(True))  # PyYAML turns the bare key `on` into True
    raw_jobs = document.get("jobs")
    if not isinstance(raw_jobs, dict):
        raise _ShapeError("no 'jobs' mapping")
    jobs = [_job(relative, str(job_id), raw, lines) for job_id, raw in raw_jobs.items()]
    return _triggers(on), jobs


def _triggers(on: Any) -> set[str]:
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(item) for item in on}
    if isinstance(on, dict):
        return {str(key) for key in on}
    return set()


def _job(relative: str, job_id: str, raw: Any, lines: dict[int, int]) -> Job:
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
    return Job(
        id=job_id,
        name=str(raw.get("name") or job_id),
        file=relative,
        steps=tuple(_step(job_id, index, step, lines) for index, step in enumerate(raw_steps)),
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


def _step(job_id: str, index: int, raw: Any, lines: dict[int, int]) -> Step:
    if not isinstance(raw, dict):
        raise _ShapeError(f"job {job_id!r}: step {index} is not a mapping")
    inputs = raw.get("with") if isinstance(raw.get("with"), dict) else {}
    return Step(
        name=str(raw.get("name") or raw.get("uses") or raw.get("run", "")).strip(),
        uses=None if raw.get("uses") is None else str(raw["uses"]),
        run=None if raw.get("run") is None else str(raw["run"]),
        with_={str(key): str(value) for key, value in (inputs or {}).items()},
        continue_on_error=_truthy(raw.get("continue-on-error")),
        line=lines.get(id(raw)),
    )


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
