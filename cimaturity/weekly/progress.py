"""The plan's tasks as data, and how far each one is, from the criteria statuses a record holds.

A task is proved by the rubric criteria whose `plan_tasks` name it (the plan rubric). In one
record it is:
- done: every criterion proving it is met;
- in progress: some are met or partial;
- not started: none is;
- no evidence: no criterion proves it (the task is listed, never counted as done).
A criterion the record does not mention counts as "no evidence" (never met).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from cimaturity.history.record import HistoryRecord
from cimaturity.report.rubric import PLAN, Rubric, load_rubric
from cimaturity.weekly.weeks import WeekKey, week_of

TASKS_FILE = "plan_tasks.toml"
FORMAT_VERSION = 1
PRIORITIES = ("critical", "high", "medium", "low")
WEEKS = ("1", "2", "3-4", "5-6", "config")
WEEK_LABELS = {
    "1": "Week 1 (Critical)",
    "2": "Week 2 (High)",
    "3-4": "Week 3-4 (Medium)",
    "5-6": "Week 5-6 (Nice-to-Have)",
    "config": "Configuration tasks",
}
# What the plan's own PROGRESS TRACKING section claims (it does not match its sections).
PLAN_CLAIMED_TOTAL = 24
PLAN_CLAIMED_PRIORITIES = {"critical": 5, "high": 5, "medium": 8, "low": 6}
PLAN_CLAIMED_WEEKS = {"1": 5, "2": 5, "3-4": 8, "5-6": 6}


class PlanTasksError(Exception):
    """plan_tasks.toml does not say what it must; one line naming the task and key."""


class TaskState(StrEnum):
    DONE = "done"
    IN_PROGRESS = "in progress"
    NOT_STARTED = "not started"
    NO_EVIDENCE = "no evidence"


@dataclass(frozen=True)
class PlanTask:
    id: str
    title: str
    priority: str  # critical | high | medium | low
    week: str  # one of WEEKS
    criteria: tuple[str, ...]  # rubric criterion ids that prove it done; () when none does
    note: str = ""


@dataclass(frozen=True)
class TaskStatus:
    task: PlanTask
    state: TaskState
    criteria: Mapping[str, str]  # criterion id -> its status in the record ("no evidence" if absent)


@dataclass(frozen=True)
class GroupCount:
    done: int
    total: int

    @property
    def percent(self) -> float:
        return 100 * self.done / self.total if self.total else 0.0


@dataclass(frozen=True)
class Progress:
    """The plan's PROGRESS TRACKING tables, filled from one record."""

    recorded_at: str
    tasks: tuple[TaskStatus, ...]

    def count(self, state: TaskState) -> int:
        return sum(1 for status in self.tasks if status.state is state)

    def by_week(self) -> dict[str, GroupCount]:
        return {week: _done_of([s for s in self.tasks if s.task.week == week]) for week in WEEKS}

    def by_priority(self) -> dict[str, GroupCount]:
        return {p: _done_of([s for s in self.tasks if s.task.priority == p]) for p in PRIORITIES}


def _done_of(statuses: Sequence[TaskStatus]) -> GroupCount:
    return GroupCount(sum(1 for s in statuses if s.state is TaskState.DONE), len(statuses))


@dataclass(frozen=True)
class WeekProgress:
    """Completion as of the last record of one calendar week of history."""

    week: WeekKey
    progress: Progress


def load_plan_tasks(rubric: Rubric | None = None) -> tuple[PlanTask, ...]:
    """The plan's 20 tasks, each with the criteria of `rubric` (default: the plan rubric) proving it."""
    rubric = rubric or load_rubric(PLAN)
    text = resources.files("cimaturity.weekly").joinpath(TASKS_FILE).read_text(encoding="utf-8")
    document = tomllib.loads(text)
    if document.get("format_version") != FORMAT_VERSION:
        raise PlanTasksError(f"{TASKS_FILE}: format_version {document.get('format_version')!r}, expected 1")
    proving: dict[str, list[str]] = {}
    for criterion in rubric.criteria:
        for task_id in criterion.plan_tasks:
            proving.setdefault(task_id, []).append(criterion.id)
    return tuple(_task(raw, proving) for raw in document.get("tasks", ()))


def _task(raw: Mapping[str, Any], proving: Mapping[str, list[str]]) -> PlanTask:
    task_id = str(raw.get("id", "?"))
    for key in ("id", "title", "priority", "week"):
        if not isinstance(raw.get(key), str):
            raise PlanTasksError(f"{TASKS_FILE}: task {task_id}: missing or non-text {key!r}")
    if raw["priority"] not in PRIORITIES:
        raise PlanTasksError(
            f"{TASKS_FILE}: task {task_id}: priority {raw['priority']!r} not in {PRIORITIES}"
        )
    if raw["week"] not in WEEKS:
        raise PlanTasksError(f"{TASKS_FILE}: task {task_id}: week {raw['week']!r} not in {WEEKS}")
    return PlanTask(
        id=task_id,
        title=raw["title"],
        priority=raw["priority"],
        week=raw["week"],
        criteria=tuple(proving.get(task_id, ())),
        note=str(raw.get("note", "")),
    )


def task_state(task: PlanTask, criteria_status: Mapping[str, str]) -> TaskStatus:
    statuses = {cid: criteria_status.get(cid, "no evidence") for cid in task.criteria}
    if not statuses:
        state = TaskState.NO_EVIDENCE
    elif all(s == "met" for s in statuses.values()):
        state = TaskState.DONE
    elif any(s in ("met", "partial") for s in statuses.values()):
        state = TaskState.IN_PROGRESS
    else:
        state = TaskState.NOT_STARTED
    return TaskStatus(task, state, statuses)


def progress_of(tasks: Sequence[PlanTask], record: HistoryRecord) -> Progress:
    return Progress(record.recorded_at, tuple(task_state(t, record.criteria_status) for t in tasks))


def weekly_progress(tasks: Sequence[PlanTask], records: Sequence[HistoryRecord]) -> tuple[WeekProgress, ...]:
    """For each calendar week with a record (oldest first): the progress as of its last record."""
    last: dict[WeekKey, HistoryRecord] = {}
    for record in records:  # oldest -> newest: the last one seen in a week wins
        last[week_of(record.recorded_at)] = record
    return tuple(WeekProgress(week, progress_of(tasks, last[week])) for week in sorted(last))
