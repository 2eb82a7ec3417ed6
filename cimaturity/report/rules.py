"""Evidence rules: small questions about workflow facts, project facts and run evidence.

Each rule is a function `(RuleContext, Params) -> RuleOutcome` registered in `RULES` with the
parameters it accepts (validated when the rubric loads). Rules never read files and never score:
they say met / partial (with a fraction) / unmet / no evidence / not applicable, and why.

A rule reading a check's artifacts reads them as that check's own gate allows (`_gated`): nothing
from an errored or skipped check, at most `failed_cap` from a failed one.
"""

from __future__ import annotations

import math
import numbers
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import assert_never

import pandas as pd
import yaml

from cimaturity.model import Status
from cimaturity.report.ci_follow import classify
from cimaturity.report.evidence import Evidence
from cimaturity.report.project import Launch, LocalEntry, ProjectFacts
from cimaturity.report.workflows import Job, Step, WorkflowFacts


class RuleStatus(StrEnum):
    MET = "met"
    PARTIAL = "partial"
    UNMET = "unmet"
    NO_EVIDENCE = "no evidence"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True)
class RuleOutcome:
    status: RuleStatus
    fraction: float  # share of the criterion's points this rule allows, 0..1
    evidence: str  # what was seen
    missing: str = ""  # what would be needed for full credit (empty when met)

    @classmethod
    def met(cls, evidence: str) -> RuleOutcome:
        return cls(RuleStatus.MET, 1.0, evidence)

    @classmethod
    def unmet(cls, evidence: str, missing: str) -> RuleOutcome:
        return cls(RuleStatus.UNMET, 0.0, evidence, missing)

    @classmethod
    def partial(cls, fraction: float, evidence: str, missing: str) -> RuleOutcome:
        fraction = max(0.0, min(1.0, fraction))
        if fraction >= 1.0:
            return cls.met(evidence)
        if fraction <= 0.0:
            return cls.unmet(evidence, missing)
        return cls(RuleStatus.PARTIAL, fraction, evidence, missing)

    @classmethod
    def no_evidence(cls, evidence: str, missing: str) -> RuleOutcome:
        return cls(RuleStatus.NO_EVIDENCE, 0.0, evidence, missing)

    @classmethod
    def not_applicable(cls, reason: str) -> RuleOutcome:
        return cls(RuleStatus.NOT_APPLICABLE, 1.0, reason)


@dataclass(frozen=True)
class RuleContext:
    workflows: WorkflowFacts
    project: ProjectFacts
    evidence: Evidence


ParamValue = str | float | bool | tuple[str, ...]


class ParamKind(StrEnum):
    STR = "string"
    NUMBER = "number"
    BOOL = "boolean"
    STR_LIST = "list of strings"


@dataclass(frozen=True)
class ParamSpec:
    kind: ParamKind
    default: ParamValue | None = None  # None: required


@dataclass(frozen=True)
class Params:
    """Validated parameters of one rule use (types checked when the rubric was loaded)."""

    values: Mapping[str, ParamValue]

    def text(self, key: str) -> str:
        value = self.values[key]
        assert isinstance(value, str)  # noqa: S101  # validated at load; a failure is a bug here
        return value

    def number(self, key: str) -> float:
        value = self.values[key]
        assert isinstance(value, float)  # noqa: S101
        return value

    def flag(self, key: str) -> bool:
        value = self.values[key]
        assert isinstance(value, bool)  # noqa: S101
        return value

    def strs(self, key: str) -> tuple[str, ...]:
        value = self.values[key]
        assert isinstance(value, tuple)  # noqa: S101
        return value


RuleFn = Callable[[RuleContext, Params], RuleOutcome]


@dataclass(frozen=True)
class RuleDef:
    fn: RuleFn
    params: Mapping[str, ParamSpec]


RULES: dict[str, RuleDef] = {}


def rule(**params: ParamSpec) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES[fn.__name__] = RuleDef(fn, params)
        return fn

    return register


def _s(default: str | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.STR, default)


def _n(default: float | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.NUMBER, None if default is None else float(default))


def _list(default: tuple[str, ...] | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.STR_LIST, default)


def _b(default: bool | None = None) -> ParamSpec:
    return ParamSpec(ParamKind.BOOL, default)


# --- helpers over workflow facts ------------------------------------------------------------


def _matches(text: str, patterns: tuple[str, ...]) -> bool:
    return any(re.search(pattern, text, re.IGNORECASE) for pattern in patterns)


def _matching_steps(workflows: WorkflowFacts, patterns: tuple[str, ...]) -> list[tuple[Job, Step]]:
    return [(job, step) for job in workflows.jobs for step in job.steps if _matches(step.text, patterns)]


def _where(job: Job, step: Step, patterns: tuple[str, ...] = ()) -> str:
    """The step, and what it reaches one hop away (`... → pyproject.toml:244 [tool.tox.env.typing]
    mypy`): the reached commands matching `patterns`, or without them one of each kind."""
    line = f":{step.line}" if step.line else ""
    name = step.name if len(step.name) <= 60 else f"{step.name[:30]}…{step.name[-29:]}"
    where = f"{job.file}{line} job `{job.id}` step “{name}”"
    cited = step.reached_cited(patterns)
    return f"{where} → {'; '.join(str(item) for item in cited)}" if cited else where


def _soft(job: Job, step: Step) -> tuple[str, ...]:
    return (("job continue-on-error: true",) if job.continue_on_error else ()) + step.soft_reasons


def _workflow_unreadable(ctx: RuleContext) -> RuleOutcome | None:
    if ctx.workflows.problems and not ctx.workflows.jobs:
        return RuleOutcome.no_evidence(
            "; ".join(ctx.workflows.problems), "readable workflow files under .github/workflows/"
        )
    if not ctx.workflows.files:
        return RuleOutcome.unmet("no workflow files in .github/workflows/", "a GitHub Actions workflow")
    return None


# --- workflow rules -------------------------------------------------------------------------


@rule(events=_list(("push", "pull_request")))
def triggers(ctx: RuleContext, params: Params) -> RuleOutcome:
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    wanted = params.strs("events")
    missing = [event for event in wanted if event not in ctx.workflows.triggers]
    seen = ", ".join(sorted(ctx.workflows.triggers)) or "none"
    if missing:
        return RuleOutcome.unmet(f"workflow triggers: {seen}", f"run on {', '.join(missing)}")
    return RuleOutcome.met(f"workflows run on {seen}")


@rule(patterns=_list(), label=_s(), soft_credit=_n(0.0))
def workflow_step(ctx: RuleContext, params: Params) -> RuleOutcome:
    """A step matching one of `patterns` exists and fails its job when it fails."""
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    label = params.text("label")
    found = _matching_steps(ctx.workflows, params.strs("patterns"))
    if not found:
        return RuleOutcome.unmet(f"no {label} step in the workflows", f"a blocking {label} step in CI")
    hard = [(job, step) for job, step in found if not _soft(job, step)]
    if hard:
        return RuleOutcome.met(f"{label}: {_where(*hard[0], params.strs('patterns'))}")
    job, step = found[0]
    reasons = ", ".join(_soft(job, step))
    return RuleOutcome.partial(
        params.number("soft_credit"),
        f"{label} runs but cannot fail the build ({reasons}) at {_where(job, step, params.strs('patterns'))}",
        f"remove {reasons} from the {label} step",
    )


@rule(patterns=_list(), labels=_list(()), soft_credit=_n(0.0))
def workflow_steps_all_hard(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Every pattern matches at least one step, and no matching step is soft.

    `labels` name the patterns for people (one per pattern); without them the pattern is shown.
    """
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    patterns = params.strs("patterns")
    labels = params.strs("labels")
    names = dict(zip(patterns, labels, strict=True)) if len(labels) == len(patterns) else {}
    absent = [names.get(p, p) for p in patterns if not _matching_steps(ctx.workflows, (p,))]
    matched = _matching_steps(ctx.workflows, patterns)
    soft = [
        f"{_where(job, step)} ({', '.join(reasons)})"
        for job, step in matched
        if (reasons := _soft(job, step))
    ]
    if absent:
        return RuleOutcome.unmet(
            f"no step running {', '.join(absent)}", f"add blocking steps for {', '.join(absent)}"
        )
    if soft:
        return RuleOutcome.partial(
            params.number("soft_credit"),
            f"{len(soft)} soft-failing step(s): " + "; ".join(soft),
            "remove continue-on-error / --exit-zero / || true from: " + "; ".join(soft),
        )
    where = "; ".join(dict.fromkeys(_where(job, step, patterns) for job, step in matched))
    return RuleOutcome.met(f"{', '.join(names.get(p, p) for p in patterns)} block on failure: {where}")


@rule(services=_list(()), caches=_b(True), patterns=_list(), label=_s())
def job_with_services(ctx: RuleContext, params: Params) -> RuleOutcome:
    """A job provides the databases and caches the project uses and runs a matching, blocking step.

    Which: `services` when given; else the project's own (`ProjectFacts.datastores`: postgres for
    psycopg or a postgres:// URL, redis for redis or celery[redis], mysql for mysqlclient, ...; an
    ORM naming no server needs some database server; sqlite needs none); `caches = false` leaves
    the caches out (migrations need the database only). Provided: the job's `services:`, or a step
    before the matching one (or that step itself) starting them: `docker compose up [NAME...]` (the
    compose file gives the image), `docker run IMAGE`, a setup action, `service postgresql start`.
    """
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    wanted = _wanted_services(ctx, params)
    label = params.text("label")
    patterns = params.strs("patterns")
    names = ", ".join(_kind_name(kind) for kind in wanted)
    needed = "; ".join(
        f"{_kind_name(kind)} ({why})" if why else _kind_name(kind) for kind, why in wanted.items()
    )
    if not wanted:
        sqlite = next((s.why for s in ctx.project.datastores if s.kind == "sqlite"), "")
        needed = f"no database server (sqlite: {sqlite})" if sqlite else "no database server"
    providing: list[Job] = []
    closest: tuple[int, str] = (0, "")  # most of the wanted services one job provides, and which
    for job in ctx.workflows.jobs:
        provided = {_service_kind(name): f"job services: {', '.join(job.services)}" for name in job.services}
        for step in job.steps:
            for kind, how in _started_services(ctx, job, step):
                provided.setdefault(kind, how)
            have = [_provider(kind, provided) for kind in wanted if _provided(kind, provided)]
            if 0 < len(have) > closest[0]:
                closest = (len(have), f"job `{job.id}` provides {', '.join(have)} only")
            if len(have) < len(wanted):
                continue
            if job not in providing:
                providing.append(job)
            if _matches(step.text, patterns) and not _soft(job, step):
                providers = dict.fromkeys(_provider(kind, provided) for kind in wanted)
                hows = "; ".join(dict.fromkeys(provided[kind] for kind in providers))
                with_ = f" with {', '.join(providers)} ({hows})" if providers else ""
                return RuleOutcome.met(f"{label}: {_where(job, step, patterns)}{with_}; needed: {needed}")
    if not wanted:
        return RuleOutcome.unmet(
            f"no blocking {label} step in the workflows; needed: {needed}", f"a {label} job"
        )
    if providing:
        return RuleOutcome.unmet(
            f"job `{providing[0].id}` provides {names} but runs no blocking {label} step after that; "
            f"needed: {needed}",
            f"run the {label} suite in that job",
        )
    short = f": {closest[1]}" if closest[1] else " (job `services:`, or a step starting them)"
    return RuleOutcome.unmet(
        f"no job provides {names}{short}; needed: {needed}",
        f"a job providing {names} that runs the {label} tests",
    )


def _kind_name(kind: str) -> str:
    return "a database server" if kind == "database" else kind


_CACHE_KINDS = frozenset({"redis"})
_SERVER_KINDS = ("postgres", "mysql", "mongo")
_IMAGE_KINDS = (
    ("postgres", ("postgres", "postgis", "timescale")),
    ("mysql", ("mysql", "mariadb")),
    ("mongo", ("mongo",)),
    ("redis", ("redis", "valkey")),
)
_COMPOSE_DEFAULTS = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_COMPOSE_OVERRIDES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)
_DOCKER_RUN_FLAGS = frozenset(
    {"-d", "--detach", "--rm", "-i", "-t", "-it", "-ti", "--init", "--privileged", "-P", "--publish-all"}
)
_SERVICE_START = re.compile(
    r"\b(?:systemctl\s+start|service)\s+(postgresql|mysql|mariadb|redis-server|redis|mongod)\b"
    r"|\b(pg_ctl(?:cluster)?)\b.*\bstart\b"
)
_SHELL_SEPARATOR = re.compile(r"&&|\|\||;|\|")


def _wanted_services(ctx: RuleContext, params: Params) -> dict[str, str]:
    """The services a job must provide, each with why the project needs it ("" when the rubric
    names them)."""
    explicit = params.strs("services")
    if explicit:
        return {_service_kind(name): "" for name in explicit}
    caches = params.flag("caches")
    stores = ctx.project.datastores
    order = (*_SERVER_KINDS, "database", *_CACHE_KINDS)
    chosen = [s for s in stores if s.kind != "sqlite" and (caches or s.kind not in _CACHE_KINDS)]
    chosen.sort(key=lambda s: order.index(s.kind) if s.kind in order else len(order))
    wanted = {s.kind: s.why for s in chosen}
    has_database = any(kind in wanted for kind in (*_SERVER_KINDS, "database"))
    if not has_database and not any(s.kind == "sqlite" for s in stores) and (not stores or not caches):
        # nothing names the server (the criterion applies through migrations, say), or the
        # migrations of a project whose only named store is a cache: some database server
        wanted["database"] = "no driver or database URL names the server" if not stores else ""
    return wanted


def _service_kind(name: str) -> str:
    """postgres / mysql / mongo / redis for an image or service name (`postgis/postgis:16`,
    `mariadb`), else the name itself."""
    lowered = name.lower()
    return next((kind for kind, words in _IMAGE_KINDS if any(w in lowered for w in words)), lowered)


def _provider(kind: str, provided: Mapping[str, str]) -> str:
    if kind == "database":
        return next((k for k in _SERVER_KINDS if k in provided), kind)
    return kind


def _provided(kind: str, provided: Mapping[str, str]) -> bool:
    return _provider(kind, provided) in provided


def _started_services(ctx: RuleContext, job: Job, step: Step) -> list[tuple[str, str]]:
    """(kind, how) of the database and cache servers a step starts itself."""
    place = f"{job.file}:{step.line}" if step.line else job.file
    started: list[tuple[str, str]] = []
    if step.uses:
        kind = _service_kind(step.uses.split("@")[0])
        if kind in (*_SERVER_KINDS, *_CACHE_KINDS):
            started.append((kind, f"started by `{step.uses}` at {place}"))
    for raw in (step.run or "").splitlines():
        for command in _SHELL_SEPARATOR.split(raw):
            words = _words(command)
            shown = " ".join(words)
            if (match := _SERVICE_START.search(shown)) is not None:
                kind = _service_kind("postgres" if match.group(2) else match.group(1))
                started.append((kind, f"started by `{shown}` at {place}"))
            for index in range(len(words)):
                rest = words[index:]
                if rest[:2] == ["docker", "compose"]:
                    started.extend(_compose_started(ctx, step, rest[2:], shown, place))
                elif rest[:1] == ["docker-compose"]:
                    started.extend(_compose_started(ctx, step, rest[1:], shown, place))
                elif rest[:2] == ["docker", "run"] or rest[:3] == ["docker", "container", "run"]:
                    image = _docker_run_image(rest[2:] if rest[1] == "run" else rest[3:])
                    kind = _service_kind(image or "")
                    if image and kind in (*_SERVER_KINDS, *_CACHE_KINDS):
                        started.append((kind, f"started by `{shown}` at {place}"))
    return started


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command, comments=True)
    except ValueError:
        return command.split()


def _compose_started(
    ctx: RuleContext, step: Step, args: list[str], shown: str, place: str
) -> list[tuple[str, str]]:
    """`docker compose [-f FILE] up [options] [SERVICE...]`: the images of the services started."""
    files: list[str] = []
    index = 0
    while index < len(args) and args[index] != "up":
        if args[index] in ("-f", "--file") and index + 1 < len(args):
            files.append(args[index + 1])
            index += 1
        elif args[index].startswith("--file="):
            files.append(args[index].split("=", 1)[1])
        elif not args[index].startswith("-"):
            return []  # another subcommand (build, run, down, ...)
        index += 1
    if index >= len(args):
        return []
    names = [word for word in args[index + 1 :] if not word.startswith("-")]
    folder = step.working_directory.strip("/")
    known = {service.file for service in ctx.project.compose_services}

    def at(name: str) -> str:
        return posixpath.normpath(f"{folder}/{name}") if folder else posixpath.normpath(name)

    if files:
        chosen = [at(name) for name in files]
    else:
        first = next((at(name) for name in _COMPOSE_DEFAULTS if at(name) in known), None)
        chosen = [first, *(at(name) for name in _COMPOSE_OVERRIDES)] if first else []
    services = [s for s in ctx.project.compose_services if s.file in chosen]
    started: list[tuple[str, str]] = []
    for name in dict.fromkeys(names or [s.name for s in services]):
        image = next((s for s in services if s.name == name and s.image), None)
        kind = _service_kind(image.image) if image else ""
        if image is not None and kind in (*_SERVER_KINDS, *_CACHE_KINDS):
            started.append(
                (
                    kind,
                    f"started by `{shown}` at {place}: `{image.file}` service `{name}`, image {image.image}",
                )
            )
    return started


def _docker_run_image(args: list[str]) -> str | None:
    index = 0
    while index < len(args):
        word = args[index]
        if not word.startswith("-"):
            return word
        if word not in _DOCKER_RUN_FLAGS and "=" not in word:
            index += 1  # the option's value
        index += 1
    return None


@rule(environment=_s(), label=_s())
def job_environment(ctx: RuleContext, params: Params) -> RuleOutcome:
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    wanted = params.text("environment").lower()
    for job in ctx.workflows.jobs:
        if job.environment is not None and wanted in job.environment.lower():
            return RuleOutcome.met(f"job `{job.id}` deploys to environment `{job.environment}`")
    return RuleOutcome.unmet(
        f"no job uses a `{wanted}` environment", f"a {params.text('label')} job with `environment: {wanted}`"
    )


@rule(scanners=_list())
def secrets_history(ctx: RuleContext, params: Params) -> RuleOutcome:
    """A blocking secrets scanner in a job that checks out the full history (fetch-depth: 0)."""
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    shallow: list[str] = []
    for job in ctx.workflows.jobs:
        scanners = [s for s in job.steps if _matches(s.text, params.strs("scanners")) and not _soft(job, s)]
        if not scanners:
            continue
        full = any(s.uses and "checkout" in s.uses and s.with_.get("fetch-depth") == "0" for s in job.steps)
        if full:
            return RuleOutcome.met(f"{_where(job, scanners[0])} over full history (fetch-depth: 0)")
        shallow.append(job.id)
    if shallow:
        return RuleOutcome.partial(
            0.5,
            f"secrets scanner in job `{shallow[0]}` sees a shallow clone only",
            "set `fetch-depth: 0` on actions/checkout so the whole history is scanned",
        )
    return RuleOutcome.unmet(
        "no blocking secrets scanner in the workflows", "a blocking secrets scanner over the full history"
    )


_LOOP = re.compile(r"\bfor\s+\w+\s+in\b|\bwhile\b|--retry\s+\d+|until\b", re.IGNORECASE)
_RETRIES = re.compile(r"\{1\.\.(\d+)\}|--retry\s+(\d+)|seq\s+(?:1\s+)?(\d+)|range\((\d+)\)")
_BARE_SLEEP = re.compile(r"^\s*sleep\s+(\d+)\s*$", re.MULTILINE)
_TIMING = re.compile(r"time_total|--max-time|response[ _-]time|-m\s+\d+", re.IGNORECASE)


@rule(min_retries=_n(10), max_bare_sleep_s=_n(15))
def health_check_polling(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Deploy jobs poll health with enough retries, do not just sleep, and bound response time."""
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    deploys = deploy_jobs(ctx.workflows)
    if not deploys:
        return RuleOutcome.unmet("no deployment job", "a deploy job with health-check polling")
    text = "\n".join(step.run or "" for job in deploys for step in job.steps)
    retries = max((int(next(g for g in m.groups() if g)) for m in _RETRIES.finditer(text)), default=0)
    sleeps = [int(m.group(1)) for m in _BARE_SLEEP.finditer(text)]
    long_sleeps = [s for s in sleeps if s > params.number("max_bare_sleep_s")]
    parts = {
        f"polls health with >= {params.number('min_retries'):.0f} retries (found {retries})": bool(
            _LOOP.search(text) and retries >= params.number("min_retries")
        ),
        "no fixed sleep standing in for a deployment status check": not long_sleeps,
        "checks response time": bool(_TIMING.search(text)),
    }
    done = [name for name, ok in parts.items() if ok]
    missing = [name for name, ok in parts.items() if not ok]
    jobs = ", ".join(f"`{job.id}`" for job in deploys)
    if long_sleeps:
        missing[missing.index("no fixed sleep standing in for a deployment status check")] = (
            f"replace `sleep {long_sleeps[0]}` with deployment status polling"
        )
    return RuleOutcome.partial(
        len(done) / len(parts),
        f"deploy job(s) {jobs}: " + ("; ".join(done) if done else "no health-check practice found"),
        "; ".join(missing),
    )


# --- project rules ---------------------------------------------------------------------------


@rule(paths=_list(), label=_s())
def any_file(ctx: RuleContext, params: Params) -> RuleOutcome:
    """One of `paths` exists in the project or a sub-project (`.github/...` and CODEOWNERS at the
    repository root); the evidence says where (`backend/Makefile`)."""
    present = [found for p in params.strs("paths") if (found := ctx.project.locate(p))]
    if present:
        return RuleOutcome.met(f"{params.text('label')}: `{present[0]}`")
    return RuleOutcome.unmet(
        f"no {params.text('label')} ({', '.join(params.strs('paths'))})", f"add {params.strs('paths')[0]}"
    )


@rule(paths=_list(), reason=_s())
def requires_file(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Not applicable when none of `paths` exists (e.g. no Dockerfile: nothing to scan); found in
    the project or a sub-project, and named as the repository sees it (`backend/Dockerfile`)."""
    present = [found for p in params.strs("paths") if (found := ctx.project.locate(p))]
    if present:
        return RuleOutcome.met(f"applies: `{present[0]}` exists")
    return RuleOutcome.not_applicable(params.text("reason"))


@rule(packages=_list(), paths=_list(()), reason=_s())
def requires_dependency(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Not applicable unless the project depends on one of `packages` or has one of `paths`."""
    deps = sorted(set(ctx.project.dependencies) & {p.lower() for p in params.strs("packages")})
    paths = [found for p in params.strs("paths") if (found := ctx.project.locate(p))]
    if deps or paths:
        return RuleOutcome.met(f"applies: {', '.join([*deps, *paths])}")
    return RuleOutcome.not_applicable(params.text("reason"))


# --- what applies: service, migrations, database ---------------------------------------------

# Commands that start a web server: an ASGI/WSGI server, a framework's own server, or Python
# running a module or script named like a server entry point (`python -m app.server`).
SERVER_COMMANDS = (
    r"\b(?:uvicorn|gunicorn|hypercorn|daphne|granian|uwsgi|waitress-serve)\b",
    r"\bfastapi\s+(?:run|dev)\b",
    r"\bflask\s+run\b",
    r"\bmanage\.py\s+runserver\b",
    r"\bpython[\d.]*\s+-m\s+(?:[\w.]*\.)?(?:server|app|main|wsgi|asgi|api|web)\b",
    r"\bpython[\d.]*\s+(?:\S*/)?(?:server|app|main|wsgi|asgi)\.py\b",
)
# A job that publishes a package or documentation is a release, not a deployment of a service.
_RELEASE_STEP = re.compile(
    r"pypi-publish|\btwine\s+upload|\b(?:flit|poetry|uv|hatch|pdm)\s+publish\b|deploy-pages|gh-deploy|ghp-import",
    re.IGNORECASE,
)
_RELEASE_NAME = re.compile(r"pypi|release|publish|docs|pages", re.IGNORECASE)
LIBRARY = "a library: no Dockerfile, compose app, deploy job or server entry point"


def deploy_jobs(workflows: WorkflowFacts) -> list[Job]:
    """Jobs that deploy something: an `environment:` or "deploy" in the job's id or name, and no
    package or documentation publishing (a PyPI upload with `environment: pypi` deploys nothing)."""
    found: list[Job] = []
    for job in workflows.jobs:
        named = f"{job.id} {job.name}"
        deploys = job.environment is not None or "deploy" in named.lower()
        release = _RELEASE_STEP.search(job.text) or _RELEASE_NAME.search(f"{named} {job.environment or ''}")
        if deploys and not release:
            found.append(job)
    return found


def _short(command: str) -> str:
    return command if len(command) <= 60 else command[:57] + "..."


def _is_server(launch: Launch, servers: tuple[str, ...]) -> bool:
    return (launch.kind == "Procfile" and launch.name == "web") or _matches(launch.command, servers)


def _launch_text(launch: Launch) -> str:
    name = {"compose": f" service `{launch.name}`", "Procfile": f" `{launch.name}` process"}.get(
        launch.kind, ""
    )
    return f"`{launch.source}`{name} runs `{_short(launch.command)}`"


def service_signs(ctx: RuleContext, servers: tuple[str, ...] = SERVER_COMMANDS) -> list[tuple[str, str]]:
    """(where, what) for everything that shows the project ships a service, declared first."""
    signs: list[tuple[str, str]] = []
    if ctx.project.declared_service:
        where = ctx.project.declared_service
        signs.append((where, f"`{where}` declares [tool.cimaturity.service]"))
    signs.extend((x.source, _launch_text(x)) for x in ctx.project.launches if _is_server(x, servers))
    signs.extend((job.file, f"deploy job `{job.id}` in `{job.file}`") for job in deploy_jobs(ctx.workflows))
    return signs


@rule(servers=_list(SERVER_COMMANDS), reason=_s(LIBRARY))
def requires_service(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Applies when the project ships a service: a Dockerfile, compose service or Procfile `web`
    process that starts a server (`servers`), a deploy job, or a declared
    [tool.cimaturity.service]. Depending on a web framework is not enough (Flask itself does)."""
    signs = service_signs(ctx, params.strs("servers"))
    if signs:
        return RuleOutcome.met("service: " + "; ".join(what for _place, what in signs[:3]))
    others = [_launch_text(launch) for launch in ctx.project.launches]
    seen = f" ({'; '.join(others[:2])}: not a server)" if others else ""
    return RuleOutcome.not_applicable(params.text("reason") + seen)


@rule(reason=_s("no database migrations (no alembic.ini, Django migrations or [tool.aerich])"))
def requires_migrations(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Applies when the project (or a sub-project) has Alembic, Django or aerich migrations."""
    found = ctx.project.migrations
    if found:
        return RuleOutcome.met("migrations: " + ", ".join(f"`{m.path}` ({m.tool})" for m in found[:3]))
    return RuleOutcome.not_applicable(params.text("reason"))


@rule(packages=_list(), reason=_s("no database or cache used (no driver or ORM dependency, no migrations)"))
def requires_database(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Applies when the project depends on a database or cache package, or has migrations."""
    wanted = {package.lower() for package in params.strs("packages")}
    used = sorted(name for name in ctx.project.dependencies if name in wanted)
    if used:
        where = sorted({ctx.project.dependencies[name] for name in used})
        return RuleOutcome.met(f"database: {', '.join(used)} ({', '.join(f'`{w}`' for w in where)})")
    if ctx.project.migrations:
        first = ctx.project.migrations[0]
        return RuleOutcome.met(f"database: migrations in `{first.path}` ({first.tool})")
    return RuleOutcome.not_applicable(params.text("reason"))


def _required_checks(text: str, name: str) -> list[str]:
    if name.endswith((".yml", ".yaml")):
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            return []
        found: list[str] = []
        branches = document.get("branches", []) if isinstance(document, dict) else []
        for branch in branches if isinstance(branches, list) else []:
            protection = branch.get("protection", {}) if isinstance(branch, dict) else {}
            checks = (protection or {}).get("required_status_checks", {}) or {}
            found.extend(str(c) for c in checks.get("contexts", []) or [])
        return found
    return [line.strip("-* `\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


@rule(paths=_list())
def required_checks_declared(ctx: RuleContext, params: Params) -> RuleOutcome:
    """A committed list of required status checks, each naming a job that exists.

    Branch protection itself lives in GitHub settings, which a run cannot read; we accept the
    declared list (e.g. `.github/settings.yml` of the Settings app, which applies it) as evidence.
    """
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    found = next((t for p in params.strs("paths") if (t := ctx.project.text(p)) is not None), None)
    if found is None:
        return RuleOutcome.unmet(
            "no declared required-checks list", f"declare required status checks in {params.strs('paths')[0]}"
        )
    source, text = found
    names = _required_checks(text, source)
    if not names:
        return RuleOutcome.unmet(f"`{source}` lists no required checks", "list the required status checks")
    known = {job.id for job in ctx.workflows.jobs} | {job.name for job in ctx.workflows.jobs}
    # "test (3.11)" is a matrix leg of job "test"; "Lint (ruff)" may be a job's own name.
    unknown = [name for name in names if name not in known and name.split(" (")[0] not in known]
    if unknown:
        return RuleOutcome.partial(
            (len(names) - len(unknown)) / len(names) * 0.5,
            f"`{source}` requires {len(names)} check(s); no job named {', '.join(unknown)}",
            f"make every required check a real job (missing: {', '.join(unknown)})",
        )
    return RuleOutcome.met(f"`{source}` requires {len(names)} check(s), all of them real jobs")


_MENTION = re.compile(r"`([A-Za-z0-9][A-Za-z0-9_-]*)`|^#+\s*([A-Za-z0-9][A-Za-z0-9_-]*)\s*$", re.MULTILINE)


@rule(paths=_list(), known_jobs=_list())
def docs_match_jobs(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The workflow documentation names every job, and no job that does not exist.

    A name counts as a job mention when it is in backticks or a heading and is either a real job
    id or one of `known_jobs` (the plan's job names), so prose words are not mistaken for jobs.
    """
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    docs = dict(t for p in params.strs("paths") if (t := ctx.project.text(p)) is not None)
    if not docs:
        return RuleOutcome.unmet(
            "no workflow documentation", f"document the jobs in {params.strs('paths')[0]}"
        )
    real = ctx.workflows.job_ids
    vocabulary = real | set(params.strs("known_jobs"))
    mentioned: set[str] = set()
    for text in docs.values():
        for match in _MENTION.finditer(text):
            token = match.group(1) or match.group(2)
            if token in vocabulary:
                mentioned.add(token)
    phantom = sorted(mentioned - real)
    undocumented = sorted(real - mentioned)
    accurate = len(mentioned & real)
    fraction = accurate / (len(mentioned | real) or 1)
    where = ", ".join(f"`{d}`" for d in docs)
    if not phantom and not undocumented:
        return RuleOutcome.met(f"{where} documents all {len(real)} job(s) and no others")
    problems = []
    if phantom:
        problems.append(f"documents job(s) that do not exist: {', '.join(phantom)}")
    if undocumented:
        problems.append(f"leaves out: {', '.join(undocumented)}")
    return RuleOutcome.partial(fraction, f"{where} " + "; ".join(problems), "make the docs match the jobs")


# --- run evidence rules ----------------------------------------------------------------------
#
# Any evidence of a check is read as that check's result: every rule reading a check's artifacts
# asks `_gated` first, so an artifact never says more than the gate that judged it.


def _problem(ctx: RuleContext, check: str) -> RuleOutcome | None:
    problems = ctx.evidence.problems_for(check)
    if problems:
        return RuleOutcome.no_evidence(
            "; ".join(problem.message for problem in problems),
            f"a readable artifact from the `{check}` check",
        )
    return None


def _reason(ctx: RuleContext, check: str) -> str:
    return ctx.evidence.check_reason(check)


def _not_in_run(check: str) -> RuleOutcome:
    return RuleOutcome.no_evidence(f"`{check}` was not part of this run", f"run `invoke ci --only {check}`")


def _errored(check: str, reason: str) -> RuleOutcome:
    return RuleOutcome.no_evidence(f"`{check}` errored: {reason}", f"fix the `{check}` check so it can run")


def _gated(ctx: RuleContext, check: str, failed_cap: float, read: Callable[[], RuleOutcome]) -> RuleOutcome:
    """What `read` makes of `check`'s artifacts, as far as the check's own gate allows.

    - an unreadable artifact, or a check not in this run: no evidence;
    - `error`: no evidence, naming the check's reason, whatever its files say (a crashed, killed
      or contradicted tool leaves nothing trustworthy, though the runner lists what it wrote);
    - `skipped`: no evidence (files left from an earlier run are not this run's);
    - `failed`: the artifacts are read but earn at most `failed_cap` (below 1: never met), and
      the gate's verdict is named where it limits the credit;
    - `passed`: the artifacts speak.
    """
    if (problem := _problem(ctx, check)) is not None:
        return problem
    status = ctx.evidence.check_status(check)
    if status is None:
        return _not_in_run(check)
    reason = _reason(ctx, check)
    match status:
        case Status.PASSED:
            return read()
        case Status.FAILED:
            return _capped(read(), check, reason, failed_cap)
        case Status.ERROR:
            return _errored(check, reason)
        case Status.SKIPPED:
            return RuleOutcome.no_evidence(f"`{check}` skipped: {reason}", f"a `{check}` result")
        case _:
            assert_never(status)


def _capped(outcome: RuleOutcome, check: str, reason: str, cap: float) -> RuleOutcome:
    """The artifacts of a failed gate earn at most `cap`."""
    if outcome.status is RuleStatus.NO_EVIDENCE or outcome.fraction <= cap:
        return outcome
    fix = f"make the `{check}` gate pass"
    return RuleOutcome.partial(
        cap,
        f"`{check}` failed: {reason}; {outcome.evidence}",
        f"{outcome.missing}; {fix}" if outcome.missing else fix,
    )


@rule(
    check=_s(),
    skipped_credit=_n(0.0),
    workflow_patterns=_list(()),
    minor_metrics=_list(()),
    clean_metrics=_list(()),
    minor_credit=_n(0.0),
    minor_evidence=_s(""),
)
def check_passed(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's gate passed in this run. A skipped check may earn `skipped_credit` when a
    blocking workflow step matching `workflow_patterns` runs it where it can (e.g. Trivy in CI).

    A check that failed only on `minor_metrics` (run.json metrics: each of `clean_metrics` recorded
    and 0, some minor one above 0; e.g. lint with `violations` 0 and `unformatted_files` 9) earns
    `minor_credit`; `minor_evidence` says so, `{metric}` standing for a metric's value."""
    check = params.text("check")
    if (problem := _problem(ctx, check)) is not None:
        return problem
    status = ctx.evidence.check_status(check)
    if status is None:
        return _not_in_run(check)
    reason = _reason(ctx, check)
    match status:
        case Status.PASSED:
            return RuleOutcome.met(f"`{check}` passed: {reason}")
        case Status.FAILED:
            if (minor := _minor_failure(ctx, params)) is not None:
                return minor
            return RuleOutcome.unmet(f"`{check}` failed: {reason}", f"make the `{check}` gate pass")
        case Status.SKIPPED:
            return _skipped_elsewhere(ctx, params, reason)
        case Status.ERROR:
            return _errored(check, reason)
        case _:
            assert_never(status)


def _skipped_elsewhere(ctx: RuleContext, params: Params, reason: str) -> RuleOutcome:
    """A skipped check: `skipped_credit` when a blocking workflow step runs it (see check_passed)."""
    check = params.text("check")
    patterns = params.strs("workflow_patterns")
    credit = params.number("skipped_credit")
    declared = [
        (job, step)
        for job, step in (_matching_steps(ctx.workflows, patterns) if patterns else [])
        if not _soft(job, step)
    ]
    if declared and credit > 0:
        return RuleOutcome.partial(
            credit,
            f"`{check}` skipped here ({reason}); workflow declares it at {_where(*declared[0])} "
            "- workflow evidence only, no result seen",
            f"a passing `{check}` result (run it where the tool exists and keep its artifact)",
        )
    return RuleOutcome.no_evidence(f"`{check}` skipped: {reason}", f"a `{check}` result")


def _minor_failure(ctx: RuleContext, params: Params) -> RuleOutcome | None:
    """Partial credit for a failure on minor metrics only (see check_passed), else None."""
    check = params.text("check")
    minor = {name: ctx.evidence.metric(check, name) for name in params.strs("minor_metrics")}
    clean = {name: ctx.evidence.metric(check, name) for name in params.strs("clean_metrics")}
    if not minor or params.number("minor_credit") <= 0:
        return None
    if any(value is None or value != 0 for value in clean.values()):
        return None
    if not any(value is not None and value > 0 for value in minor.values()):
        return None
    values = {name: value for name, value in (*minor.items(), *clean.items()) if value is not None}
    shown = "; ".join(f"{name} {value:g}" for name, value in values.items())
    try:
        said = params.text("minor_evidence").format_map(values) or shown
    except (KeyError, ValueError, IndexError):
        said = shown
    above = ", ".join(f"{name} {value:g}" for name, value in minor.items() if value)
    return RuleOutcome.partial(
        params.number("minor_credit"),
        f"`{check}` failed: {said} ({_reason(ctx, check)})",
        f"make the `{check}` gate pass ({above})",
    )


@rule(check=_s())
def check_ran(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's tool ran to completion (its gate passed or failed on real results)."""
    check = params.text("check")
    if (problem := _problem(ctx, check)) is not None:
        return problem
    status = ctx.evidence.check_status(check)
    if status is None:
        return _not_in_run(check)
    match status:
        case Status.PASSED | Status.FAILED:
            return RuleOutcome.met(f"`{check}` ran ({status}): {_reason(ctx, check)}")
        case Status.ERROR | Status.SKIPPED:
            return RuleOutcome.no_evidence(
                f"`{check}` {status}: {_reason(ctx, check)}", f"a `{check}` result"
            )
        case _:
            assert_never(status)


# A failed gate leaves its artifacts at most this share (rule parameter `failed_cap`).
_FAILED_CAP = _n(0.5)


@rule(check=_s(), min_tests=_n(1), stand_in=_s(""), stand_in_credit=_n(0.5), failed_cap=_FAILED_CAP)
def tests_passed(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's JUnit results: every test passed, at least `min_tests` of them; read as the
    check's own gate allows (`_gated`: nothing from an errored or skipped check, at most
    `failed_cap` from a failed one).

    When the check found no suite of its own (skipped as not applicable: no tests/integration),
    the `stand_in` check's suite (e.g. `test`, the whole suite the CI runs against the database)
    stands in for at most `stand_in_credit`, read as its own gate allows."""
    check = params.text("check")
    if (problem := _problem(ctx, check)) is not None:
        return problem
    stand_in = params.text("stand_in")
    if stand_in and _no_suite(ctx, check):
        return _stand_in_tests(ctx, params, check, stand_in)
    min_tests = params.number("min_tests")
    return _gated(ctx, check, params.number("failed_cap"), lambda: _read_tests(ctx, check, min_tests))


_NOT_APPLICABLE = "not applicable"  # how a check skipped for want of its suite starts its reason


def _no_suite(ctx: RuleContext, check: str) -> bool:
    return ctx.evidence.check_status(check) is Status.SKIPPED and _reason(ctx, check).startswith(
        _NOT_APPLICABLE
    )


def _stand_in_tests(ctx: RuleContext, params: Params, check: str, stand_in: str) -> RuleOutcome:
    alone = f"no separate `{check}` suite ({_reason(ctx, check)})"
    min_tests = params.number("min_tests")
    outcome = _gated(
        ctx, stand_in, params.number("failed_cap"), lambda: _read_tests(ctx, stand_in, min_tests)
    )
    stands_in = f"{alone}; the `{stand_in}` suite stands in: {outcome.evidence}"
    match outcome.status:
        case RuleStatus.MET:
            return RuleOutcome.partial(
                params.number("stand_in_credit"),
                stands_in,
                f"a `{check}` suite of its own (the `{stand_in}` suite stands in for it)",
            )
        case RuleStatus.PARTIAL | RuleStatus.UNMET:
            return RuleOutcome.unmet(stands_in, outcome.missing)
        case RuleStatus.NO_EVIDENCE | RuleStatus.NOT_APPLICABLE:
            return RuleOutcome.no_evidence(
                f"{alone}; the `{stand_in}` suite would stand in, but {outcome.evidence}",
                f"{outcome.missing} (or a `{check}` suite of its own)",
            )
        case _:
            assert_never(outcome.status)


def _read_tests(ctx: RuleContext, check: str, min_tests: float) -> RuleOutcome:
    tests = ctx.evidence.tests.loc[ctx.evidence.tests["check"] == check]
    if tests.empty:
        return RuleOutcome.no_evidence(
            f"no JUnit results from `{check}`", f"JUnit XML from the `{check}` suite"
        )
    return _tests_outcome(tests, check, min_tests)


def _tests_outcome(tests: pd.DataFrame, check: str, min_tests: float) -> RuleOutcome:
    counts = tests["status"].value_counts()
    passed = int(counts.get("passed", 0))
    broken = int(counts.get("failed", 0)) + int(counts.get("error", 0))
    summary = f"{passed} passed, {broken} failed, {int(counts.get('skipped', 0))} skipped ({check})"
    if broken:
        return RuleOutcome.unmet(summary, f"fix the failing `{check}` tests")
    if passed < min_tests:
        return RuleOutcome.unmet(summary, f"at least {min_tests:.0f} passing `{check}` test(s)")
    return RuleOutcome.met(summary)


@rule(target=_n(70.0), failed_cap=_FAILED_CAP)
def coverage_at_least(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Coverage's total against `target`, in proportion; read as the `test` check, which measures
    it, allows (see tests_passed). A total that is not a percentage (NaN, inf, outside 0-100) is
    no evidence."""
    target = params.number("target")
    percent = ctx.evidence.coverage_percent
    return _gated(ctx, "test", params.number("failed_cap"), lambda: _coverage(percent, "test", target))


def _coverage(percent: float | None, check: str, target: float) -> RuleOutcome:
    wanted = f"coverage JSON from the `{check}` check"
    if percent is None:
        return RuleOutcome.no_evidence("no coverage report in this run", wanted)
    if not (math.isfinite(percent) and 0.0 <= percent <= 100.0):
        return RuleOutcome.no_evidence(f"coverage total {percent} is not a percentage", wanted)
    summary = f"coverage {percent:.1f}% (target {target:.0f}%)"
    return RuleOutcome.partial(
        percent / target, summary, f"raise coverage from {percent:.1f}% to {target:.0f}%"
    )


@rule(p95_ms=_n(500.0), p99_ms=_n(1000.0), failed_cap=_FAILED_CAP)
def performance_within(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Locust's aggregated row within the p95/p99 thresholds with no failed request; read as the
    `performance` check's gate allows (see tests_passed). No request sent, or a number that is
    not finite (Locust's `nan` percentiles of an empty run), is no evidence."""
    return _gated(
        ctx, "performance", params.number("failed_cap"), lambda: _load_test(ctx.evidence.performance, params)
    )


_LOAD_TEST = "a load test that sends requests (Locust stats CSV from the `performance` check)"


def _load_test(frame: pd.DataFrame, params: Params) -> RuleOutcome:
    rows = frame.loc[frame["name"] == "Aggregated"]
    if rows.empty:
        return RuleOutcome.no_evidence(
            "no load-test results", "Locust stats CSV from the `performance` check"
        )
    row = rows.iloc[0]
    numbers = {
        "requests": (_float(row["requests"]), ""),
        "failures": (_float(row["failures"]), ""),
        "p95": (_float(row["p95_ms"]), " ms"),
        "p99": (_float(row["p99_ms"]), " ms"),
    }
    requests = numbers["requests"][0]
    if math.isfinite(requests) and requests <= 0:
        return RuleOutcome.no_evidence(
            f"{requests:.0f} requests in the load test: no latency measured", _LOAD_TEST
        )
    odd = [f"{name} {value}{unit}" for name, (value, unit) in numbers.items() if not math.isfinite(value)]
    if odd:
        return RuleOutcome.no_evidence(f"load-test numbers are not finite ({', '.join(odd)})", _LOAD_TEST)
    p95, p99 = numbers["p95"][0], numbers["p99"][0]
    failures = int(numbers["failures"][0])
    summary = f"{int(requests)} requests, {failures} failed, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    over = []
    if p95 > params.number("p95_ms"):
        over.append(f"p95 {p95:.0f} > {params.number('p95_ms'):.0f} ms")
    if p99 > params.number("p99_ms"):
        over.append(f"p99 {p99:.0f} > {params.number('p99_ms'):.0f} ms")
    if failures:
        over.append(f"{failures} failed request(s)")
    if over:
        return RuleOutcome.unmet(summary, "bring the load test within thresholds: " + ", ".join(over))
    return RuleOutcome.met(summary)


def _float(value: object) -> float:
    """A frame cell as a float; NaN when it is no number (None, NA, text)."""
    return float(value) if isinstance(value, numbers.Real) else math.nan


def _suppression_count(evidence: Evidence, kind: str) -> int:
    rows = evidence.suppressions.loc[evidence.suppressions["kind"] == kind, "count"]
    return int(rows.sum()) if not rows.empty else 0


@rule(kinds=_list(), max=_n(), cap=_n(0.5))
def suppressions_at_most(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Suppressions are shown; more than `max` caps the criterion at `cap` of its points, so
    silencing findings can never raise a score above what the unsilenced code would earn."""
    counts = {kind: _suppression_count(ctx.evidence, kind) for kind in params.strs("kinds")}
    total = sum(counts.values())
    shown = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    limit = params.number("max")
    if total > limit:
        return RuleOutcome.partial(
            params.number("cap"),
            f"suppressions: {shown} (over {limit:.0f})",
            f"review suppressions ({shown})",
        )
    return RuleOutcome.met(f"suppressions: {shown} (at most {limit:.0f} allowed)")


@rule(check=_s(), max_fraction=_n(0.1), cap=_n(0.5), failed_cap=_n(1.0))
def skipped_tests_at_most(ctx: RuleContext, params: Params) -> RuleOutcome:
    """More than `max_fraction` of the check's tests skipped caps the criterion at `cap`; read as
    the check's gate allows (see tests_passed). A cap of its own: by default (`failed_cap` 1) a
    failed gate is left to the rule reading the results."""
    check = params.text("check")
    return _gated(ctx, check, params.number("failed_cap"), lambda: _skipped_tests(ctx, params))


def _skipped_tests(ctx: RuleContext, params: Params) -> RuleOutcome:
    tests = ctx.evidence.tests.loc[ctx.evidence.tests["check"] == params.text("check")]
    skipped = int((tests["status"] == "skipped").sum())
    share = skipped / len(tests) if len(tests) else 0.0
    if share > params.number("max_fraction"):
        return RuleOutcome.partial(
            params.number("cap"),
            f"{skipped} of {len(tests)} tests skipped ({share:.0%})",
            "un-skip or delete skipped tests",
        )
    return RuleOutcome.met(f"{skipped} of {len(tests)} tests skipped")


@rule(
    checks=_list(("tests", "lint format", "typecheck")),
    required=_s("tests"),
    all_checks=_list(()),
)
def local_entry_point(ctx: RuleContext, params: Params) -> RuleOutcome:
    """One local command runs the checks the CI runs, from the project's own configuration: tox
    envs, nox sessions, pre-commit hooks, Makefile targets, just recipes, hatch or pdm scripts,
    invoke tasks, shell scripts (`ProjectFacts.local_entries`, with what each runs).

    `checks` are groups of command kinds (`lint format`: either; named by the first); a group
    counts when the CI runs such a command, the `required` one always. A command matching
    `all_checks` (`invoke ci`) runs every group. Met when one entry point runs every group the CI
    runs; partial, half for coverage and half for one command, when they are split over several;
    unmet when none runs the `required` group (a pre-commit config of formatters alone is not the
    CI's checks)."""
    entries = ctx.project.local_entries
    if not entries:
        return RuleOutcome.unmet(
            "no local CI entry point (tox, nox, pre-commit, Makefile, justfile, hatch or pdm "
            "scripts, tasks.py, scripts/*.sh)",
            "one local command that runs the CI checks",
        )
    groups = {group.split()[0]: frozenset(group.split()) for group in params.strs("checks")}
    everything = params.strs("all_checks")
    ci = _ci_kinds(ctx.workflows, everything)
    required = params.text("required")
    needed = [name for name, kinds in groups.items() if name == required or ci is None or kinds & ci]
    runs = {entry: _entry_runs(entry, groups, everything) for entry in entries}
    useful = [entry for entry in entries if runs[entry] & set(needed)]
    together = set().union(*(runs[entry] for entry in useful)) & set(needed)
    shown = "; ".join(_entry_text(ctx, entry, runs[entry], needed) for entry in (useful or entries)[:4])
    if required not in together:
        return RuleOutcome.unmet(
            f"no local command runs the {required}: {shown}",
            f"a local command (tox env, nox session, make target, script) running the {required} as CI does",
        )
    best = max(useful, key=lambda entry: len(runs[entry] & set(needed)))
    single = runs[best] & set(needed)
    if len(single) == len(needed):
        return RuleOutcome.met(
            f"local CI entry point: {_entry_label(ctx, best)}; it runs {', '.join(needed)}, as the CI does"
        )
    lacking = [name for name in needed if name not in together]
    if lacking:
        said = f"{shown}; CI also runs {', '.join(lacking)}, which no local command runs"
        missing = f"run {', '.join(lacking)} locally too, in one command with the rest"
    else:
        said = f"{shown}: {', '.join(needed)} run locally, but no single command runs them all"
        missing = f"one command running {', '.join(needed)} (a tox env list, a make target, a script)"
    return RuleOutcome.partial((len(together) + len(single)) / (2 * len(needed)), said, missing)


def _ci_kinds(workflows: WorkflowFacts, everything: tuple[str, ...]) -> frozenset[str] | None:
    """The kinds of command the workflows run (step text and what it reaches); None: every kind
    (a step matching `everything`, e.g. `invoke ci`)."""
    kinds: set[str] = set()
    for _job, step in ((job, step) for job in workflows.jobs for step in job.steps):
        if everything and _matches(step.text, everything):
            return None
        kinds.update(kind.value for kind in classify(step.text))
        kinds.update(kind.value for item in step.reached for kind in item.kinds)
    return frozenset(kinds)


def _entry_runs(
    entry: LocalEntry, groups: Mapping[str, frozenset[str]], everything: tuple[str, ...]
) -> set[str]:
    """The groups an entry point runs."""
    commands = [item.command for item in entry.reached] + [f"{entry.tool} {name}" for name in entry.names]
    if everything and any(_matches(command, everything) for command in commands):
        return set(groups)
    kinds = {kind.value for item in entry.reached for kind in item.kinds}
    return {name for name, members in groups.items() if members & kinds}


_ENTRY_LABELS = {
    "tox": "tox envs in {source}",
    "nox": "{source} sessions",
    "pre-commit": "pre-commit hooks in {source}",
    "make": "{source} targets",
    "just": "{source} recipes",
    "hatch": "hatch scripts in {source}",
    "pdm": "pdm scripts in {source}",
    "invoke": "invoke tasks in {source}",
}


def _entry_text(ctx: RuleContext, entry: LocalEntry, runs: set[str], needed: list[str]) -> str:
    """`tox envs in pyproject.toml [tool.tox] (tests, lint, typecheck)`, `script the CI runs:
    backend/scripts/test.sh (tests)`."""
    ran = [name for name in needed if name in runs]
    return f"{_entry_label(ctx, entry)} ({', '.join(ran) if ran else 'no check the CI runs'})"


def _entry_label(ctx: RuleContext, entry: LocalEntry) -> str:
    if entry.tool == "script":
        ran_by_ci = _ci_runs_script(ctx.workflows, entry.source)
        label = f"{'script the CI runs' if ran_by_ci else 'script'}: {entry.source}"
    else:
        label = _ENTRY_LABELS.get(entry.tool, f"{entry.tool} in {{source}}").format(source=entry.source)
        label = f"{label} {entry.context}".rstrip()
        if entry.tool in ("nox", "make", "just", "invoke") and entry.names:
            more = f" (+{len(entry.names) - 4})" if len(entry.names) > 4 else ""
            label += " " + ", ".join(entry.names[:4]) + more
    return label


def _ci_runs_script(workflows: WorkflowFacts, source: str) -> bool:
    """A step runs the script, or reaches it (a script calling it)."""
    tail = "/".join(source.split("/")[-2:])
    pattern = re.compile(rf"(?<![\w.-]){re.escape(tail)}\b")
    return any(
        any(item.file == source for item in step.reached) or pattern.search(step.text) is not None
        for job in workflows.jobs
        for step in job.steps
    )


@rule()
def local_run_recorded(ctx: RuleContext, params: Params) -> RuleOutcome:
    run = ctx.evidence.run
    if run is None:
        return RuleOutcome.no_evidence("no run.json", "run the checks locally (`invoke ci`)")
    return RuleOutcome.met(f"local run {run.run_id} recorded ({run.profile} profile, {run.duration_s:.0f} s)")


# --- placeholders in a criterion's next action -------------------------------------------------

_TEST_STEP = (
    r"\bpytest\b",
    r"\btox\b",
    r"\bnox\b",
    r"\binvoke\s+(?:ci|test)\b",
    r"\bunittest\b",
    r"\bcoverage\s+run\b",
    r"\brun\s+(?:the\s+)?(?:unit\s+)?tests?\b",
)
_CI_FILE = re.compile(r"(?:^|/)(?:ci|tests?|checks?|build|main|python)[^/]*\.ya?ml$", re.IGNORECASE)


def _test_job(workflows: WorkflowFacts) -> Job | None:
    return next((job for job, _step in _matching_steps(workflows, _TEST_STEP)), None)


def _ci_workflow(workflows: WorkflowFacts, test: Job | None) -> str | None:
    """The workflow running the tests, else one named like CI (`ci.yml`, `tests.yaml`)."""
    if test is not None:
        return test.file
    return next((name for name in workflows.files if _CI_FILE.search(name)), None)


DOCKERFILES = (
    "Dockerfile",
    "Containerfile",
    "*.Dockerfile",
    "Dockerfile.*",
    "docker/Dockerfile",
    "docker/*.Dockerfile",
    "docker/Dockerfile.*",
)
_DEV_IMAGE = re.compile(r"dev|local|test|ci\b", re.IGNORECASE)


def _main_dockerfile(project: ProjectFacts) -> str | None:
    """The shipped image's Dockerfile: `production.Dockerfile` before `local.Dockerfile`."""
    found = [path for pattern in DOCKERFILES for path in project.locate_all(pattern)]
    shipped = [path for path in found if not _DEV_IMAGE.search(path.rsplit("/", 1)[-1])]
    return next(iter(shipped or found), None)


def action_values(ctx: RuleContext) -> dict[str, str]:
    """What `{name}` stands for in a rubric's `next_action`: the project's own branch, workflow,
    jobs and files, or a plain description when the project has none."""
    branch = ctx.project.default_branch
    test = _test_job(ctx.workflows)
    workflow = _ci_workflow(ctx.workflows, test)
    dockerfile = _main_dockerfile(ctx.project)
    signs = service_signs(ctx)
    in_workflow = f"`{workflow}`" if workflow else "the CI workflow (`.github/workflows/ci.yml`)"
    return {
        "default_branch": f"`{branch}`" if branch else "the default branch",
        "ci_workflow": in_workflow,
        "test_job": f"job `{test.id}` (`{test.file}`)" if test else in_workflow,
        "dockerfile": f"`{dockerfile}`" if dockerfile else "the Dockerfile",
        "service": f"the service (`{signs[0][0]}`)" if signs else "the service",
    }


ACTION_PLACEHOLDERS = frozenset({"default_branch", "ci_workflow", "test_job", "dockerfile", "service"})
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def placeholders_in(text: str) -> set[str]:
    return {match.group(1) for match in _PLACEHOLDER.finditer(text)}


def fill_action(text: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)
