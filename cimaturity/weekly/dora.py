"""DORA metrics: from GitHub's deployments and workflow runs, and what the history can say.

From GitHub (a `DeliverySource`; `GitHubDelivery` reads it with `cimaturity.github`):
- deployment frequency: successful deployments per week, over the window (from `since`, else
  from the first deployment, to now; at least one week);
- deployment success rate (the plan: > 99%) and change failure rate: deployments whose final
  status is success / failure or error, of those with a final status;
- lead time for changes: from the first workflow run of the deployed commit (when the push
  reached GitHub; the API gives no commit time) to the deployment's success status; median;
- time to restore (the plan: < 10 min): from the first failed deployment of a streak to the next
  successful one of that environment; median;
- rollback frequency (the plan: < 1/month): successful deployments of a commit that environment
  had already run, other than the one deployed just before; per 30 days.
The environment named "production" is measured when there is one, else every environment.

From the history (no deployments in it): the CI's own change failure rate (commits whose first
record failed) and time to restore (a branch's first failing record to its next green one).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from cimaturity.github import Deployment, GitHubClient, GitHubError, WorkflowRun
from cimaturity.history.record import HistoryRecord
from cimaturity.weekly.metrics import Metric, Unit, metric
from cimaturity.weekly.weeks import moment

PRODUCTION = "production"
FINAL = frozenset({"success", "failure", "error"})
DEPLOYMENT_LIMIT = 100  # each deployment costs one more request for its statuses
RUN_LIMIT = 1000  # what GitHub answers at most for a filtered list of runs
NO_GITHUB = "no data: not in GitHub Actions / no token (GITHUB_REPOSITORY and GITHUB_TOKEN unset)"
NO_DEPLOYMENTS_IN_HISTORY = "no data: the history records no deployments"
WEEK = dt.timedelta(days=7)
MONTH = dt.timedelta(days=30)


class DeliverySource(Protocol):
    """Where deployments and workflow runs come from (GitHub, or fixture data)."""

    def deployments(self) -> Sequence[Deployment]:
        """Deployments with their statuses."""
        ...

    def workflow_runs(self, since: dt.datetime | None) -> Sequence[WorkflowRun]: ...


@dataclass(frozen=True)
class GitHubDelivery:
    client: GitHubClient
    deployment_limit: int = DEPLOYMENT_LIMIT

    def deployments(self) -> Sequence[Deployment]:
        return self.client.list_deployments(with_statuses=True, limit=self.deployment_limit)

    def workflow_runs(self, since: dt.datetime | None) -> Sequence[WorkflowRun]:
        return self.client.list_workflow_runs(created_since=since, limit=RUN_LIMIT)


def delivery_from_env(env: Mapping[str, str]) -> DeliverySource | str:
    """GitHub as the environment configures it, or why not (one line)."""
    if not env.get("GITHUB_REPOSITORY", "").strip() or not env.get("GITHUB_TOKEN", "").strip():
        return NO_GITHUB
    try:
        return GitHubDelivery(GitHubClient.from_env(env))
    except GitHubError as exc:
        return f"no data: {exc}"


@dataclass(frozen=True)
class Dora:
    github: tuple[Metric, ...]
    history: tuple[Metric, ...]


@dataclass(frozen=True)
class _Finished:
    deployment: Deployment
    state: str  # success, failure or error
    at: dt.datetime  # when that final status was set


def dora(
    source: DeliverySource | str,
    records: Sequence[HistoryRecord],
    *,
    since: dt.datetime | None,
    now: dt.datetime,
) -> Dora:
    """`source` is a delivery source, or the reason there is none."""
    if isinstance(source, str):
        github = _github_metrics_missing(source)
    else:
        try:
            github = github_metrics(source.deployments(), source.workflow_runs(since), since=since, now=now)
        except GitHubError as exc:
            github = _github_metrics_missing(f"no data: GitHub: {exc}")
    return Dora(tuple(github), tuple(history_metrics(records)))


_GITHUB_METRICS = (
    ("Deployment frequency", "track trend", Unit.PER_WEEK),
    ("Lead time for changes", "-", Unit.SECONDS),
    ("Deployment success rate", "> 99%", Unit.PERCENT),
    ("Change failure rate", "-", Unit.PERCENT),
    ("Time to restore", "< 10 min", Unit.SECONDS),
    ("Rollback frequency", "< 1/month", Unit.PER_MONTH),
)


def _github_metrics_missing(reason: str) -> list[Metric]:
    return [
        metric("Deployment", name, target, unit, None, None, reason) for name, target, unit in _GITHUB_METRICS
    ]


def _finished(deployment: Deployment) -> _Finished | None:
    final = [s for s in deployment.statuses if s.state in FINAL]
    if not final:
        return None
    newest = max(final, key=lambda s: (s.created_at, s.id))
    return _Finished(deployment, newest.state, newest.created_at)


def github_metrics(
    deployments: Sequence[Deployment],
    runs: Sequence[WorkflowRun],
    *,
    since: dt.datetime | None,
    now: dt.datetime,
) -> list[Metric]:
    production = [d for d in deployments if d.environment == PRODUCTION]
    chosen = production or list(deployments)
    where = f"environment {PRODUCTION!r}" if production else "every environment"
    if since is not None:
        chosen = [d for d in chosen if d.created_at >= since]
    if not chosen:
        return _github_metrics_missing(
            "no data: no deployment in this window" if deployments else "no data: GitHub lists no deployment"
        )
    finished = sorted(
        (f for f in map(_finished, chosen) if f is not None), key=lambda f: (f.at, f.deployment.id)
    )
    successes = [f for f in finished if f.state == "success"]
    start = since or min(d.created_at for d in chosen)
    span = max(now - start, WEEK)
    frequency = len(successes) / (span / WEEK)
    n = len(finished)
    success_rate = 100 * len(successes) / n if n else None
    failure_rate = 100 - success_rate if success_rate is not None else None
    no_final = "no data: no deployment has a final status (success, failure, error)"

    first_run: dict[str, dt.datetime] = {}
    for run in runs:
        if run.head_sha not in first_run or run.created_at < first_run[run.head_sha]:
            first_run[run.head_sha] = run.created_at
    leads = [
        (f.at - first_run[f.deployment.sha]).total_seconds()
        for f in successes
        if f.deployment.sha in first_run
    ]
    restores = _restore_times(finished)
    rollbacks = _rollbacks(successes)
    return [
        metric(
            "Deployment",
            "Deployment frequency",
            "track trend",
            Unit.PER_WEEK,
            frequency,
            None,
            f"{len(successes)} successful deployments ({where}) over {span / WEEK:.1f} weeks",
        ),
        metric(
            "Deployment",
            "Lead time for changes",
            "-",
            Unit.SECONDS,
            statistics.median(leads) if leads else None,
            None,
            f"median over {len(leads)} deployments: first workflow run of the commit to the success status"
            if leads
            else "no data: no workflow run of a successfully deployed commit",
        ),
        metric(
            "Deployment",
            "Deployment success rate",
            "> 99%",
            Unit.PERCENT,
            success_rate,
            lambda v: v > 99,
            f"success of {n} deployments with a final status ({where})" if n else no_final,
        ),
        metric(
            "Deployment",
            "Change failure rate",
            "-",
            Unit.PERCENT,
            failure_rate,
            None,
            f"failure or error of {n} deployments with a final status ({where})" if n else no_final,
        ),
        metric(
            "Deployment",
            "Time to restore",
            "< 10 min",
            Unit.SECONDS,
            statistics.median(restores) if restores else None,
            lambda v: v < 10 * 60,
            f"median over {len(restores)} failures: first failed deployment to the next success"
            if restores
            else "no data: no failed deployment followed by a successful one",
        ),
        metric(
            "Deployment",
            "Rollback frequency",
            "< 1/month",
            Unit.PER_MONTH,
            len(rollbacks) / (span / MONTH),
            lambda v: v < 1,
            f"{len(rollbacks)} redeployments of an earlier commit over {span.days} days",
        ),
    ]


def _restore_times(finished: Sequence[_Finished]) -> list[float]:
    times: list[float] = []
    failing_since: dict[str, dt.datetime] = {}
    for f in finished:
        env = f.deployment.environment
        if f.state == "success":
            if env in failing_since:
                times.append((f.at - failing_since.pop(env)).total_seconds())
        else:
            failing_since.setdefault(env, f.at)
    return times


def _rollbacks(successes: Sequence[_Finished]) -> list[_Finished]:
    seen: dict[str, list[str]] = defaultdict(list)  # environment -> deployed shas, in order
    found: list[_Finished] = []
    for f in successes:
        shas = seen[f.deployment.environment]
        if f.deployment.sha in shas[:-1]:
            found.append(f)
        shas.append(f.deployment.sha)
    return found


def history_metrics(records: Sequence[HistoryRecord]) -> list[Metric]:
    with_checks = [r for r in records if r.checks]
    first_by_sha: dict[str, HistoryRecord] = {}
    for record in with_checks:
        if record.git_sha is not None:
            first_by_sha.setdefault(record.git_sha, record)
    commits = len(first_by_sha)
    failed = sum(not r.succeeded for r in first_by_sha.values())
    restores: list[float] = []
    failing_since: dict[str | None, dt.datetime] = {}
    for record in with_checks:
        if record.succeeded:
            if record.branch in failing_since:
                restores.append(
                    (moment(record.recorded_at) - failing_since.pop(record.branch)).total_seconds()
                )
        else:
            failing_since.setdefault(record.branch, moment(record.recorded_at))
    return [
        metric(
            "Deployment",
            "Deployment frequency",
            "track trend",
            Unit.PER_WEEK,
            None,
            None,
            NO_DEPLOYMENTS_IN_HISTORY,
        ),
        metric(
            "Deployment", "Lead time for changes", "-", Unit.SECONDS, None, None, NO_DEPLOYMENTS_IN_HISTORY
        ),
        metric(
            "Deployment",
            "Change failure rate (CI)",
            "-",
            Unit.PERCENT,
            100 * failed / commits if commits else None,
            None,
            f"commits whose first recorded run failed, of {commits}"
            if commits
            else "no data: no record of a commit with checks",
        ),
        metric(
            "Deployment",
            "Time to restore (CI)",
            "< 10 min",
            Unit.SECONDS,
            statistics.median(restores) if restores else None,
            lambda v: v < 10 * 60,
            f"median over {len(restores)} red streaks: a branch's first failing record to its next green one"
            if restores
            else "no data: no failing record followed by a green one on its branch",
        ),
    ]
