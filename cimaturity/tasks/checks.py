"""One invoke task per registered check (`invoke lint`, `invoke typecheck`, ...)."""

from __future__ import annotations

from collections.abc import Callable

from invoke.context import Context
from invoke.tasks import Task

from cimaturity.model import Check
from cimaturity.registry import CHECKS
from cimaturity.tasks.ci import finish, reports_folder, run_pipeline


def _task_for(check: Check) -> Task[Callable[..., None]]:
    def body(
        c: Context, project: str = ".", reports: str = "", python: str = "", profile: str = "full"
    ) -> None:
        with run_pipeline(
            project=project, reports=reports, only=(check.name,), jobs=1, python=python, profile=profile
        ) as record:
            finish(record, reports_folder(project, reports))

    body.__doc__ = f"Run the {check.name} check alone: {check.summary}."
    body.__name__ = check.name.replace("-", "_")
    return Task(
        body,
        name=check.name,
        help={
            "project": "the repository to check (default: this one)",
            "reports": "reports folder",
            "python": "the project's interpreter (default: its virtualenv, else provisioned by uv)",
            "profile": "full, or plan: the load test at the plan's 100 users for 2 minutes",
        },
    )


def check_tasks() -> list[Task[Callable[..., None]]]:
    return [_task_for(check) for check in CHECKS]
