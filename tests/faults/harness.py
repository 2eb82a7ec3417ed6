"""Run one matrix case through the real runner, then read its result through the real report.

`run_case` builds the case's project in a temporary folder, installs the scenario's fakes (one
of them faulted) in a folder that is the whole PATH with a sandbox holding only `git`, and calls
`cimaturity.runner.execute`. `report_on` writes run.json exactly as the runner does (`write_run`
of a `RunRecord`, artifacts relative to the reports folder) and loads it with the report's own
`gather`, so the rules see what `invoke report` would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cimaturity import __version__
from cimaturity.config import load_config
from cimaturity.model import Check, CheckContext, CheckResult, Command, Status
from cimaturity.registry import by_name
from cimaturity.report.pipeline import ReportInputs, evaluate, gather
from cimaturity.report.rubric import Rubric, RuleUse, load_rubric
from cimaturity.report.rules import RULES, RuleOutcome, RuleStatus
from cimaturity.runfile import GitInfo, RunRecord, write_run
from cimaturity.runner import execute
from cimaturity.targetenv import TargetEnvironment
from tests.faults.fakes import MISSING, Fake, Tool, install
from tests.faults.scenarios import SCENARIOS, Scenario

TIMEOUT_S = 1.0  # the check's timeout in a timeout case
CEILING_S = 30.0  # any other case: a fake that hangs by mistake fails the case, not the suite
RUBRICS = ("builtin", "plan")

# Evidence rules that read a check's result without naming it in a `check` parameter.
IMPLICIT_CHECK = {"coverage_at_least": "test", "performance_within": "performance"}
# Rules met by design on a `failed` gate: the tool ran (`check_ran`: static analysis *runs*), and
# few of its tests were skipped (a cap, leaving the failure to the rule reading the results).
MAY_MEET_ON_FAILED = frozenset({"check_ran", "skipped_tests_at_most"})
# Evidence rules that read no check's result (source comments, the run record itself).
NOT_CHECK_EVIDENCE = frozenset({"suppressions_at_most", "local_run_recorded"})

_INHERITED = ("PYTEST_", "COV_CORE_", "COVERAGE_")
_DROPPED = frozenset(
    {
        "VIRTUAL_ENV",
        "PYTHONPATH",
        "CIMATURITY_OSV_URL",
        "SAFETY_API_KEY",
        "MYPY_CACHE_DIR",
        "DATABASE_URL",
        "GITHUB_ACTIONS",  # inside Actions a check that runs there errors instead of skipping
        "REDIS_URL",
    }
)


@dataclass(frozen=True)
class Ran:
    result: CheckResult
    root: Path
    reports: Path


def _faulted(scenario: Scenario, tool: str, fake: Fake | None) -> tuple[dict[str, Tool], frozenset[str]]:
    """The scenario's tools and installed modules with `tool` behaving as `fake` (None: absent)."""
    tools = dict(scenario.tools)
    modules = scenario.modules
    if tool.startswith("python -m "):
        module = tool.removeprefix("python -m ")
        python = tools["python"]
        tools["python"] = dataclasses.replace(python, modules={**python.modules, module: fake or MISSING})
        if fake is None or fake.missing:
            modules = modules - {module}
    elif tool.startswith("helper "):
        name = tool.removeprefix("helper ")
        if fake is None:
            raise ValueError(f"{tool}: cimaturity's own helper cannot be missing; fault another tool")
        tools[name] = dataclasses.replace(tools[name], default=fake)
    elif fake is None:
        del tools[tool]
    else:
        tools[tool] = dataclasses.replace(tools[tool], default=fake)
    return tools, modules


def _with_helper_replaced(check: Check, helper: str, executable: Path) -> Check:
    """`check` whose `python -m cimaturity.tools.<helper>` command runs `executable` instead."""
    module = f"cimaturity.tools.{helper}"

    def commands(ctx: CheckContext) -> Sequence[Command]:
        built = list(check.commands(ctx))
        replaced = [
            dataclasses.replace(command, argv=(str(executable), *command.argv[3:]))
            if command.argv[1:3] == ("-m", module)
            else command
            for command in built
        ]
        if replaced == built:
            raise AssertionError(f"{check.name} runs no `python -m {module}`: update the scenario")
        return replaced

    return dataclasses.replace(check, commands=commands)


def _sandbox(folder: Path) -> Path:
    """A folder holding only `git` (the secrets helper's history walk): no real tool leaks in."""
    folder.mkdir(parents=True, exist_ok=True)
    git = shutil.which("git")
    if git is not None:
        (folder / "git").symlink_to(git)
    return folder


def _environment(path: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_INHERITED) and key not in _DROPPED
    }
    env["PATH"] = path
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _git_repository(root: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Fault",
        "GIT_AUTHOR_EMAIL": "fault@example.invalid",
        "GIT_COMMITTER_NAME": "Fault",
        "GIT_COMMITTER_EMAIL": "fault@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    for argv in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "initial"]):
        subprocess.run(["git", *argv], cwd=root, env=env, check=True, capture_output=True)


def run_case(
    check_name: str, fake: Fake | None, tmp_path: Path, *, tool: str = "", timeout_s: float = CEILING_S
) -> Ran:
    """Run `check_name` with its faulted tool (or `tool`) behaving as `fake`, through `execute`."""
    scenario = SCENARIOS[check_name]
    faulted = tool or scenario.faulted
    root = tmp_path / "project"
    for name, text in scenario.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if scenario.git:
        _git_repository(root)
    reports = root / "reports"
    artifact_dir = reports / "artifacts" / check_name
    bin_dir = tmp_path / "bin"
    tools, modules = _faulted(scenario, faulted, fake)
    tools.setdefault("python", Tool("Python 3.11.9"))
    for name, spec in tools.items():
        install(bin_dir, name, spec, artifact_dir)
    check = by_name(check_name)
    if faulted.startswith("helper "):
        helper = faulted.removeprefix("helper ")
        check = _with_helper_replaced(check, helper, bin_dir / helper)
    env = _environment(os.pathsep.join([str(bin_dir), str(_sandbox(tmp_path / "sandbox"))]))
    env.update(scenario.env)
    config = dataclasses.replace(load_config(root, environ={}), timeouts={check_name: timeout_s})
    target = (
        TargetEnvironment(
            python=bin_dir / "python",
            origin="a fake project environment",
            version="3.11.9",
            modules=modules,
        )
        if check.runs_project_code
        else None
    )
    ctx = CheckContext(config=config, artifact_dir=artifact_dir, env=env)
    return Ran(execute(check, ctx, target), root, reports)


# --- the report ---------------------------------------------------------------------------------


@functools.cache
def rubric(name: str) -> Rubric:
    """A packaged rubric, parsed once per test process (rubrics are frozen values)."""
    return load_rubric(name)


def checks_read(use: RuleUse, *, stand_in: bool = True) -> frozenset[str]:
    """The checks whose result (status, artifacts) a rubric rule use reads; with `stand_in`, also
    the check that stands in for a missing suite (`tests_passed` with `stand_in`)."""
    keys = ("check", "stand_in") if stand_in else ("check",)
    named = {str(use.params.values.get(key) or "") for key in keys}
    implicit = {IMPLICIT_CHECK[use.name]} if use.name in IMPLICIT_CHECK else set()
    return frozenset((named | implicit) - {""})


def _companions(check: str, started_at: str) -> tuple[CheckResult, ...]:
    """For a check that stands in for another's missing suite (`test` for `integration`), that
    other check skipped as not applicable, so the stand-in path of the rule reads this result."""
    others = sorted(
        str(use.params.values["check"])
        for criterion in rubric(RUBRICS[0]).criteria
        for use in criterion.rules
        if use.params.values.get("stand_in") == check
    )
    return tuple(
        CheckResult(
            other, by_name(other).stage, Status.SKIPPED, f"not applicable: no {other} suite", started_at, 0.0
        )
        for other in others
    )


@dataclass(frozen=True)
class Judged:
    """What the report made of one check's result: each rule use reading it, each criterion holding one."""

    rules: tuple[tuple[str, str, RuleOutcome], ...]  # (rubric:criterion, rule, outcome)
    primary: tuple[tuple[str, str, RuleOutcome], ...]  # those reading the check as their own
    criteria: tuple[tuple[str, RuleStatus], ...]  # (rubric:criterion, status)


def report_on(ran: Ran) -> Judged:
    """Write run.json as the runner does, load it through the report, judge the check's evidence."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    record = RunRecord(
        run_id="fault0matrix",
        project=str(ran.root),
        profile="full",
        jobs=1,
        git=GitInfo(None, None, None),
        started_at=ran.result.started_at,
        finished_at=now,
        duration_s=ran.result.duration_s,
        tool_version=__version__,
        checks=(ran.result, *_companions(ran.result.name, ran.result.started_at)),
    )
    write_run(ran.reports / "run.json", record)
    base = gather(ran.root, ran.reports)
    check = ran.result.name
    rules: list[tuple[str, str, RuleOutcome]] = []
    primary: list[tuple[str, str, RuleOutcome]] = []
    criteria: list[tuple[str, RuleStatus]] = []
    for name in RUBRICS:
        inputs: ReportInputs = dataclasses.replace(base, rubric=rubric(name))
        context = inputs.context
        reading = set()
        for criterion in inputs.rubric.criteria:
            for use in criterion.rules:
                if check in checks_read(use):
                    where = f"{name}:{criterion.id}"
                    judged = (where, use.name, RULES[use.name].fn(context, use.params))
                    rules.append(judged)
                    if check in checks_read(use, stand_in=False):
                        primary.append(judged)
                    reading.add(criterion.id)
        score = evaluate(inputs)
        criteria += [
            (f"{name}:{r.criterion.id}", r.status) for r in score.results if r.criterion.id in reading
        ]
    return Judged(tuple(rules), tuple(primary), tuple(criteria))
