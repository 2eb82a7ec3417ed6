"""DORA metrics from GitHub (the fake REST server in tests/support) and from the history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from cimaturity.github import GitHubClient
from cimaturity.weekly.dora import NO_GITHUB, Dora, GitHubDelivery, delivery_from_env, dora
from cimaturity.weekly.metrics import Metric
from tests.support.github_server import EPOCH, GitHubServer
from tests.unit.weekly._history import record

A, B, C, D = ("a" * 40, "b" * 40, "c" * 40, "d" * 40)
SINCE = EPOCH - dt.timedelta(days=7)
NOW = EPOCH + dt.timedelta(days=7)  # a 14-day window


def by_name(metrics: tuple[Metric, ...]) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


@pytest.fixture
def github() -> Iterator[GitHubServer]:
    """Deployments and runs; the server stamps the n-th object it creates (ids from 1001) at
    EPOCH + (id - 1000) seconds, runs at the time given."""
    with GitHubServer() as gh:
        gh.add_run(A, created_at=EPOCH - dt.timedelta(hours=1))  # 1001: A reaches GitHub
        gh.add_run(B, created_at=EPOCH - dt.timedelta(minutes=30))  # 1002
        gh.add_run(A, created_at=EPOCH - dt.timedelta(minutes=10))  # 1003: a re-run, not the push
        first = gh.add_deployment(A)  # 1004
        gh.add_deployment_status(first["id"], "success")  # 1005: lead time 3600 + 5 s
        failed = gh.add_deployment(B)  # 1006
        gh.add_deployment_status(failed["id"], "failure")  # 1007: production down
        fix = gh.add_deployment(C)  # 1008 (no run of C: no lead time)
        gh.add_deployment_status(fix["id"], "in_progress")  # 1009
        gh.add_deployment_status(fix["id"], "success")  # 1010: restored after 3 s
        back = gh.add_deployment(A)  # 1011: A again, after C: a rollback
        gh.add_deployment_status(back["id"], "success")  # 1012: lead time 3600 + 12 s
        staging = gh.add_deployment(B, environment="staging")  # 1013: not production
        gh.add_deployment_status(staging["id"], "failure")  # 1014
        gh.add_deployment(D)  # 1015: no status yet, not finished
        yield gh


def test_dora_from_github_deployments_and_runs(github: GitHubServer) -> None:
    source = delivery_from_env(github.env())
    assert isinstance(source, GitHubDelivery)
    found = by_name(dora(source, [], since=SINCE, now=NOW).github)
    assert found["Deployment frequency"].value == pytest.approx(3 / 2)  # 3 successes in 2 weeks
    assert found["Lead time for changes"].value == pytest.approx((3605 + 3612) / 2)
    assert found["Deployment success rate"].value == pytest.approx(75.0)  # 3 of 4 finished
    assert found["Deployment success rate"].met is False
    assert found["Change failure rate"].value == pytest.approx(25.0)
    assert found["Time to restore"].value == pytest.approx(3.0)
    assert found["Time to restore"].met is True
    assert found["Rollback frequency"].value == pytest.approx(1 / (14 / 30))
    assert found["Rollback frequency"].met is False
    assert "environment 'production'" in found["Deployment success rate"].basis


def test_every_environment_when_none_is_production() -> None:
    with GitHubServer() as gh:
        one = gh.add_deployment(A, environment="staging")
        gh.add_deployment_status(one["id"], "error")
        two = gh.add_deployment(B, environment="preview")
        gh.add_deployment_status(two["id"], "success")
        found = by_name(
            dora(GitHubDelivery(GitHubClient.from_env(gh.env())), [], since=SINCE, now=NOW).github
        )
    assert found["Change failure rate"].value == pytest.approx(50.0)
    assert found["Time to restore"].value is None  # the failure and the success are different environments
    assert "every environment" in found["Change failure rate"].basis


def test_no_github_configuration_is_no_data_with_the_reason() -> None:
    assert delivery_from_env({}) == NO_GITHUB
    assert delivery_from_env({"GITHUB_REPOSITORY": "octo/service"}) == NO_GITHUB
    result = dora(NO_GITHUB, [], since=None, now=NOW)
    assert [m.display for m in result.github] == ["no data"] * 6
    assert all(m.basis == NO_GITHUB for m in result.github)


def test_a_github_error_is_no_data_not_a_crash(github: GitHubServer) -> None:
    github.fail_next(1, "422")
    source = delivery_from_env(github.env())
    assert not isinstance(source, str)
    result = dora(source, [], since=SINCE, now=NOW)
    assert all(m.value is None and m.basis.startswith("no data: GitHub:") for m in result.github)


def test_no_deployment_in_the_window(github: GitHubServer) -> None:
    source = delivery_from_env(github.env())
    assert not isinstance(source, str)
    result = dora(source, [], since=NOW, now=NOW + dt.timedelta(days=1))
    assert all(m.value is None for m in result.github)
    assert result.github[0].basis == "no data: no deployment in this window"


def _history() -> Dora:
    t0 = EPOCH
    records = [
        record(t0, sha="1" * 40),
        record(t0 + dt.timedelta(minutes=10), sha="2" * 40, checks=[("test", "failed", 5.0)]),
        record(t0 + dt.timedelta(minutes=20), sha="2" * 40, checks=[("test", "failed", 5.0)]),
        record(
            t0 + dt.timedelta(minutes=25), sha="9" * 40, branch="feature", checks=[("test", "passed", 5.0)]
        ),
        record(t0 + dt.timedelta(minutes=40), sha="3" * 40),
    ]
    return dora(NO_GITHUB, records, since=None, now=NOW)


def test_dora_from_the_history() -> None:
    found = by_name(_history().history)
    assert found["Change failure rate (CI)"].value == pytest.approx(100 / 4)  # commit 2 of 1, 2, 9, 3
    # main went red at +10 min and green at +40 (a green run on another branch does not restore it)
    assert found["Time to restore (CI)"].value == pytest.approx(30 * 60)
    assert found["Time to restore (CI)"].met is False
    assert found["Deployment frequency"].display == "no data"
    assert found["Lead time for changes"].display == "no data"
