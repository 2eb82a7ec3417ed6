"""Rules over project facts: the files, dependencies, launch commands and local entry points a
project has (what applies to it, and what it declares), read against its workflows where they
meet."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath

from cimaturity.report.ci_follow import classify
from cimaturity.report.project import Launch, LocalEntry, required_status_checks
from cimaturity.report.rules.model import Params, RuleContext, RuleOutcome, _list, _s, rule
from cimaturity.report.rules.workflow_rules import _matches, _workflow_unreadable, deploy_jobs
from cimaturity.report.workflows import WorkflowFacts

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
LIBRARY = "a library: no Dockerfile, compose app, deploy job or server entry point"


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
    names = required_status_checks(text, source)
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
    id or one of `known_jobs` (the plan's job names), so prose words are not mistaken for jobs;
    a workflow's file name (`deploy` for deploy.yml) is the workflow's, not a phantom job.
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
    # a workflow's own name (`deploy` for deploy.yml) names the workflow, not a job
    workflows = {PurePosixPath(file).stem for file in ctx.workflows.files}
    phantom = sorted(mentioned - real - workflows)
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
            "scripts, tasks.py, shell scripts in scripts/ or bin/)",
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
