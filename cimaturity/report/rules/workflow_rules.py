"""Rules over workflow facts: what the GitHub Actions workflows run, and whether it can fail the
build. The helpers here (`_matches`, `_matching_steps`, `_where`, `_soft`, `_workflow_unreadable`,
`deploy_jobs`) are shared with the project and evidence rules."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Mapping

from cimaturity.audit import detect
from cimaturity.model import Status
from cimaturity.report.rules.model import Params, RuleContext, RuleOutcome, _b, _list, _n, _s, rule
from cimaturity.report.workflows import Job, Step, WorkflowFacts

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
_TIMING = re.compile(r"time_total|--max-time|response[ _-]time|-m\s+\d+", re.IGNORECASE)


# cimaturity's own validation in a deploy job: `invoke deploy`, `invoke health` (or the
# `cimaturity` command) poll with retries and backoff and time every answer (--max-response).
_CIMATURITY_POLL = re.compile(r"\b(?:invoke|cimaturity)\s+(?:deploy|health)\b(?P<args>[^\n]*)")
_ATTEMPTS = re.compile(r"--attempts[ =](\d+)")
_DEFAULT_ATTEMPTS = 10


@rule(min_retries=_n(10), max_bare_sleep_s=_n(15), check=_s("deployment"))
def health_check_polling(ctx: RuleContext, params: Params) -> RuleOutcome:
    """A deployment validated by polling: the `check` (health.json of a real deployment) when it
    ran; else the deploy jobs poll health with enough retries, do not just sleep, and bound
    response time (in their scripts, or through cimaturity's `invoke deploy` / `invoke health`)."""
    check = params.text("check")
    status = ctx.evidence.check_status(check)
    reason = ctx.evidence.check_reason(check)
    if status is Status.PASSED:
        return RuleOutcome.met(f"`{check}` passed: {reason}")
    if status is Status.FAILED:
        return RuleOutcome.unmet(
            f"`{check}` failed: {reason}", "a deployment that passes its health validation"
        )
    if status is Status.ERROR:
        return RuleOutcome.no_evidence(f"`{check}` could not validate: {reason}", f"a `{check}` result")
    if (problem := _workflow_unreadable(ctx)) is not None:
        return problem
    deploys = deploy_jobs(ctx.workflows)
    if not deploys:
        return RuleOutcome.unmet("no deployment job", "a deploy job with health-check polling")
    text = "\n".join(step.run or "" for job in deploys for step in job.steps)
    retries = max((int(next(g for g in m.groups() if g)) for m in _RETRIES.finditer(text)), default=0)
    looping = bool(_LOOP.search(text))
    timed = bool(_TIMING.search(text))
    own = [m.group("args") for m in _CIMATURITY_POLL.finditer(text)]
    if own:
        attempts = [int(a.group(1)) if (a := _ATTEMPTS.search(args)) else _DEFAULT_ATTEMPTS for args in own]
        retries, looping, timed = max(retries, *attempts), True, True
    # A sleep outside any polling loop, as the workflow audit's `fixed-sleep` rule finds it.
    sleeps = [
        sleep.seconds
        for job in deploys
        for step in job.steps
        for sleep in detect.fixed_sleeps(step.run or "")
    ]
    long_sleeps = [f"{s:g}" for s in sleeps if s > params.number("max_bare_sleep_s")]
    parts = {
        f"polls health with >= {params.number('min_retries'):.0f} retries (found {retries})": looping
        and retries >= params.number("min_retries"),
        "no fixed sleep standing in for a deployment status check": not long_sleeps,
        "checks response time": timed,
    }
    done = [name for name, ok in parts.items() if ok]
    missing = [name for name, ok in parts.items() if not ok]
    jobs = ", ".join(f"`{job.id}`" for job in deploys)
    if long_sleeps:
        missing[missing.index("no fixed sleep standing in for a deployment status check")] = (
            f"replace `sleep {long_sleeps[0]}` with deployment status polling"
        )
    how = " (by `invoke deploy`/`invoke health`)" if own else ""
    seen = f"; `{check}` not run here ({reason})" if status is Status.SKIPPED else ""
    return RuleOutcome.partial(
        len(done) / len(parts),
        f"deploy job(s) {jobs}{how}: "
        + ("; ".join(done) if done else "no health-check practice found")
        + seen,
        "; ".join(missing),
    )


# A job that publishes a package or documentation is a release, not a deployment of a service.
_RELEASE_STEP = re.compile(
    r"pypi-publish|\btwine\s+upload|\b(?:flit|poetry|uv|hatch|pdm)\s+publish\b|deploy-pages|gh-deploy|ghp-import",
    re.IGNORECASE,
)
_RELEASE_NAME = re.compile(r"pypi|release|publish|docs|pages", re.IGNORECASE)


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
