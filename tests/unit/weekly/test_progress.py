"""The plan's tasks as data and their completion, overall, by plan week and per week of history."""

from __future__ import annotations

import datetime as dt

import pytest

from cimaturity.report.rubric import PLAN, load_rubric
from cimaturity.weekly.progress import (
    PLAN_CLAIMED_TOTAL,
    WEEKS,
    TaskState,
    load_plan_tasks,
    progress_of,
    task_state,
    weekly_progress,
)
from tests.unit.weekly._history import MONDAY, eight_weeks, record

TASKS = load_plan_tasks()


def test_the_plan_defines_twenty_tasks_not_the_twenty_four_its_summary_counts() -> None:
    assert [t.id for t in TASKS] == [f"{s}.{n}" for s in range(1, 6) for n in range(1, 5)]
    assert len(TASKS) == 20 != PLAN_CLAIMED_TOTAL
    by_priority = {p: [t.id for t in TASKS if t.priority == p] for p in ("critical", "high", "medium", "low")}
    assert by_priority == {
        "critical": ["1.4", "5.1"],
        "high": ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "5.2"],
        "medium": ["2.4", "3.1", "3.2", "3.3", "3.4", "5.3"],
        "low": ["4.1", "4.2", "4.3", "4.4", "5.4"],
    }
    assert {w: sum(t.week == w for t in TASKS) for w in WEEKS} == dict.fromkeys(WEEKS, 4)


def test_criteria_come_from_the_rubrics_plan_tasks() -> None:
    proving = {t.id: t.criteria for t in TASKS}
    assert proving["1.1"] == ("security_gates",)
    assert proving["4.1"] == ("security_gates",)
    assert proving["5.4"] == ("lint", "local_validation")
    assert [t for t, c in proving.items() if not c] == ["4.2", "4.3", "5.2"]
    # every task a criterion of the plan rubric names is one of the 20 (or the plan's "Current State")
    named = {task for c in load_rubric(PLAN).criteria for task in c.plan_tasks}
    assert named - set(proving) == {"Current State"}


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        ({"lint": "met", "local_validation": "met"}, TaskState.DONE),
        ({"lint": "met", "local_validation": "unmet"}, TaskState.IN_PROGRESS),
        ({"lint": "unmet", "local_validation": "partial"}, TaskState.IN_PROGRESS),
        ({"lint": "unmet", "local_validation": "no evidence"}, TaskState.NOT_STARTED),
        ({"lint": "met"}, TaskState.IN_PROGRESS),  # a criterion the record lacks is never met
        ({"lint": "met", "local_validation": "not applicable"}, TaskState.IN_PROGRESS),
    ],
)
def test_task_state(statuses: dict[str, str], state: TaskState) -> None:
    task = next(t for t in TASKS if t.id == "5.4")
    found = task_state(task, statuses)
    assert found.state is state
    assert set(found.criteria) == {"lint", "local_validation"}


def test_a_task_no_criterion_proves_is_no_evidence_even_when_everything_is_met() -> None:
    everything = {c.id: "met" for c in load_rubric(PLAN).criteria}
    progress = progress_of(TASKS, record(MONDAY, met=everything))
    states = {s.task.id: s.state for s in progress.tasks}
    assert {t for t, s in states.items() if s is TaskState.NO_EVIDENCE} == {"4.2", "4.3", "5.2"}
    assert progress.count(TaskState.DONE) == 17


# (Week 1, Week 2, Week 3-4, Week 5-6, config) done as of each week's last record.
EXPECTED_BY_WEEK = [
    (2, 0, 0, 1, 0),
    (3, 0, 0, 1, 0),
    (4, 0, 0, 1, 1),
    (4, 2, 0, 1, 1),
    (4, 4, 0, 1, 1),
    (4, 4, 2, 1, 1),
    (4, 4, 4, 2, 1),
    (4, 4, 4, 2, 3),
]


def test_eight_weeks_of_history_give_the_completion_of_each_week() -> None:
    weeks = weekly_progress(TASKS, eight_weeks())
    assert [w.week.label for w in weeks] == [f"2026-W{n:02d}" for n in range(2, 10)]
    found = [tuple(g.done for g in w.progress.by_week().values()) for w in weeks]
    assert found == EXPECTED_BY_WEEK
    assert all(g.total == 4 for w in weeks for g in w.progress.by_week().values())
    # as of the week's last record (Friday), not its first (Monday)
    assert [w.progress.recorded_at[:10] for w in weeks][:2] == ["2026-01-09", "2026-01-16"]
    in_progress = [w.progress.count(TaskState.IN_PROGRESS) for w in weeks]
    assert in_progress == [1, 1, 0, 0, 0, 1, 1, 0]  # 1.4 (coverage partial), then 5.4 (lint only)


def test_overall_status_is_the_latest_record() -> None:
    records = eight_weeks()
    progress = progress_of(TASKS, records[-1])
    assert {w: (g.done, g.total) for w, g in progress.by_week().items()} == {
        "1": (4, 4),
        "2": (4, 4),
        "3-4": (4, 4),
        "5-6": (2, 4),
        "config": (3, 4),
    }
    assert [progress.count(s) for s in TaskState] == [17, 0, 0, 3]
    assert {p: (g.done, g.total) for p, g in progress.by_priority().items()} == {
        "critical": (2, 2),
        "high": (6, 7),
        "medium": (6, 6),
        "low": (3, 5),
    }


def test_a_week_is_an_iso_week_in_utc() -> None:
    sunday_late = dt.datetime(2026, 1, 11, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))  # Monday UTC
    weeks = weekly_progress(TASKS, [record(MONDAY), record(sunday_late)])
    assert [w.week.label for w in weeks] == ["2026-W02", "2026-W03"]
