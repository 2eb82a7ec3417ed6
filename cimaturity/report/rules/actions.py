"""Placeholders in a criterion's next action (`{default_branch}`, `{ci_workflow}`, ...): filled
from the project's own facts, or a plain description when the project has none."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cimaturity.report.project import ProjectFacts
from cimaturity.report.rules.model import RuleContext
from cimaturity.report.rules.project_rules import service_signs
from cimaturity.report.rules.workflow_rules import _matching_steps
from cimaturity.report.workflows import Job, WorkflowFacts

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
