"""The performance check's load profile: the CI default, the plan's, numbers set by the project,
and `invoke ci --profile plan`."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from cimaturity.checks.performance import PERFORMANCE, judge
from cimaturity.config import LOAD_PROFILES, ConfigError, LoadProfile, ProjectConfig, ServiceSpec, load_config
from cimaturity.formats.locust import StatsRow
from cimaturity.model import CheckContext
from cimaturity.targetenv import TargetEnvironment


def project(tmp_path: Path, toml: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(toml)
    return tmp_path


def argv(load: LoadProfile, tmp_path: Path) -> list[str]:
    config = dataclasses.replace(
        load_config(project(tmp_path), environ={}),
        performance=load,
        service=ServiceSpec("app:app", "/health", {}),
    )
    target = TargetEnvironment(
        python=Path(sys.executable), origin="this interpreter", version="3.11", modules=frozenset()
    )
    ctx = CheckContext(config=config, artifact_dir=tmp_path / "artifacts", env={}, target=target)
    (command,) = PERFORMANCE.commands(ctx)
    return list(command.argv)


def test_the_ci_profile_is_the_default_and_the_plan_is_100_users_for_2_minutes(tmp_path: Path) -> None:
    assert load_config(project(tmp_path), environ={}).performance == LoadProfile(20, 10.0, 20, 500.0, 1000.0)
    assert LOAD_PROFILES["plan"] == LoadProfile(100, 10.0, 120, 500.0, 1000.0)
    plan = argv(LOAD_PROFILES["plan"], tmp_path)
    assert plan[plan.index("-u") + 1] == "100" and plan[plan.index("-t") + 1] == "120s"


def test_a_project_picks_a_profile_and_sets_its_own_numbers(tmp_path: Path) -> None:
    toml = '[tool.cimaturity.performance]\nprofile = "plan"\nseconds = 60\np95_ms = 100\np99_ms = 250\n'
    load = load_config(project(tmp_path, toml), environ={}).performance
    assert load == LoadProfile(100, 10.0, 60, 100.0, 250.0)
    chosen = load_config(project(tmp_path, ""), environ={"CIMATURITY_LOAD_PROFILE": "plan"}).performance
    assert chosen.users == 100


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('profile = "huge"', r"performance\.profile: must be one of ci, plan, got 'huge'"),
        ("users = 0", r"performance\.users: must be a positive number, got 0"),
        ('p95_ms = "fast"', r"performance\.p95_ms: expected a positive number, got str"),
        ("rps = 5", r"tool\.cimaturity\.performance: unknown key 'rps'"),
    ],
)
def test_a_wrong_setting_is_one_line_naming_the_key(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(project(tmp_path, f"[tool.cimaturity.performance]\n{toml}\n"), environ={})


def test_the_gate_holds_the_projects_limits() -> None:
    stats = StatsRow("", "Aggregated", 100, 0, 40.0, 120.0, 200.0, 50.0)
    assert judge(stats, [], 0, "none").status.value == "passed"
    tight = judge(stats, [], 0, "none", p95_limit=100.0, p99_limit=250.0)
    assert tight.status.value == "failed" and tight.reason.endswith("p95 120 ms >= 100 ms")


def test_invoke_ci_profile_plan_runs_the_plans_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cimaturity.tasks import ci as ci_task

    seen: list[LoadProfile] = []

    def fake_run_checks(selection: object, config: ProjectConfig, *args: object, **kwargs: object) -> object:
        seen.append(config.performance)
        raise SystemExit(0)

    monkeypatch.setattr(ci_task, "run_checks", fake_run_checks)
    toml = "[tool.cimaturity.performance]\np95_ms = 100\n"
    with (
        pytest.raises(SystemExit),
        ci_task.run_pipeline(project=str(project(tmp_path, toml)), profile="plan"),
    ):
        pass
    assert seen == [LoadProfile(100, 10.0, 120, 100.0, 1000.0)]  # the plan's load, the project's limit
