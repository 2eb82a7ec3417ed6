"""Validate a deployed service: poll its three health endpoints until they pass, or give up.

One *round* asks each endpoint once. A round passes when every answer is 200 within
`max_response_s`, with the body the service documents (`app/api/health.py`):

- `/health`: `{"status": "up"}` (the process is alive);
- `/api/v1/health`: `status` "up" and the `database` and `cache` dependencies "up"
  (with `require_redis`, the cache must also be of kind "redis", not the in-process fallback);
- `/api/diagnostics`: the same two dependencies "up", a `version`, and with `expect_sha`
  the `git_sha` of the commit that was deployed (an old release answering is not a pass).

The deployment is healthy after `required_passes` rounds in a row pass (one lucky answer from a
flapping service is not enough). Up to `attempts` rounds are made; after a failed round the wait
doubles from `backoff_s` up to `max_backoff_s`; no fixed sleep. `sleep` is injectable.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cimaturity.deploy.http import Answer, Send, UnreachableError, host_of, send

LIVENESS = "/health"
READINESS = "/api/v1/health"
DIAGNOSTICS = "/api/diagnostics"
ENDPOINTS = (LIVENESS, READINESS, DIAGNOSTICS)
DEPENDENCIES = ("database", "cache")  # the service's probe names (app/health.py)
UP = "up"


@dataclass(frozen=True)
class HealthPolicy:
    attempts: int = 10
    backoff_s: float = 1.0  # the wait after the first failed round; doubled after each further one
    max_backoff_s: float = 30.0
    max_response_s: float = 2.0
    timeout_s: float = 10.0  # one request; past it the answer is "none"
    required_passes: int = 2
    require_redis: bool = False
    expect_sha: str = ""

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.required_passes < 1 or self.required_passes > self.attempts:
            raise ValueError(
                f"--passes ({self.required_passes}) must be from 1 to --attempts ({self.attempts})"
            )
        if self.backoff_s < 0 or self.max_response_s <= 0 or self.timeout_s <= 0:
            raise ValueError("--backoff must be 0 or more, --max-response and the timeout more than 0")


@dataclass(frozen=True)
class EndpointCheck:
    path: str
    status: int | None  # None: no answer
    elapsed_ms: float | None
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Round:
    number: int
    waited_s: float  # the wait before this round
    checks: tuple[EndpointCheck, ...]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def describe(self) -> str:
        failed = [f"{c.path}: {'; '.join(c.problems)}" for c in self.checks if not c.ok]
        return "; ".join(failed) if failed else "all endpoints passed"


class RollbackState(StrEnum):
    NOT_CONFIGURED = "not_configured"  # validation failed and no hook was given
    CALLED = "called"  # the hook answered 2xx
    FAILED = "failed"  # the hook answered otherwise, or not at all


@dataclass(frozen=True)
class Rollback:
    state: RollbackState
    detail: str  # one line, no URL

    @property
    def ok(self) -> bool:
        return self.state is RollbackState.CALLED


@dataclass(frozen=True)
class HealthResult:
    target: str  # scheme://host[:port] only
    policy: HealthPolicy
    rounds: tuple[Round, ...]
    passed: bool
    reason: str
    rollback: Rollback | None = None  # None: not needed (passed) or not asked for

    def with_rollback(self, rollback: Rollback | None) -> HealthResult:
        return HealthResult(self.target, self.policy, self.rounds, self.passed, self.reason, rollback)


@dataclass
class HealthChecker:
    base_url: str
    policy: HealthPolicy = field(default_factory=HealthPolicy)
    http: Send = send
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[str], None] = lambda line: None

    def run(self) -> HealthResult:
        rounds: list[Round] = []
        passes, wait, waited = 0, self.policy.backoff_s, 0.0
        for number in range(1, self.policy.attempts + 1):
            found = Round(number, waited, tuple(self._check(path) for path in ENDPOINTS))
            rounds.append(found)
            self.progress(f"health round {number}/{self.policy.attempts}: {found.describe()}")
            passes = passes + 1 if found.ok else 0
            if passes >= self.policy.required_passes:
                return HealthResult(
                    host_of(self.base_url),
                    self.policy,
                    tuple(rounds),
                    True,
                    f"healthy after {number} round(s)",
                )
            if number == self.policy.attempts:
                break
            if found.ok:
                waited = self.policy.backoff_s  # confirming a pass: the base interval
            else:
                waited, wait = wait, min(wait * 2, self.policy.max_backoff_s)
            self.sleep(waited)
        last = rounds[-1]
        why = last.describe() if not last.ok else f"only {passes} passing round(s) in a row at the end"
        return HealthResult(
            host_of(self.base_url),
            self.policy,
            tuple(rounds),
            False,
            f"not healthy after {len(rounds)} round(s): {why}",
        )

    def _check(self, path: str) -> EndpointCheck:
        url = self.base_url.rstrip("/") + path
        try:
            answer = self.http("GET", url, timeout_s=self.policy.timeout_s)
        except UnreachableError as error:
            return EndpointCheck(path, None, None, (f"no answer ({error})",))
        problems = list(_judge(path, answer, self.policy))
        return EndpointCheck(path, answer.status, round(answer.elapsed_s * 1000, 1), tuple(problems))


def _judge(path: str, answer: Answer, policy: HealthPolicy) -> list[str]:
    problems: list[str] = []
    if answer.status != 200:
        problems.append(f"HTTP {answer.status}")
    if answer.elapsed_s >= policy.max_response_s:
        problems.append(f"took {answer.elapsed_s:.2f} s (limit {policy.max_response_s:g} s)")
    if answer.status not in (200, 503):  # 503: readiness says which dependency is down; others say nothing
        return problems
    body = answer.json()
    if not isinstance(body, dict):
        problems.append("the body is not a JSON object")
        return problems
    if path == LIVENESS:
        if body.get("status") != UP:
            problems.append(f"status is {_show(body.get('status'))}, expected 'up'")
        return problems
    if path == READINESS and body.get("status") != UP:
        problems.append(f"status is {_show(body.get('status'))}, expected 'up'")
    problems.extend(_dependencies(body.get("dependencies"), policy))
    if path == DIAGNOSTICS:
        if not isinstance(body.get("version"), str):
            problems.append("no version")
        if policy.expect_sha and body.get("git_sha") != policy.expect_sha:
            problems.append(f"git_sha is {_show(body.get('git_sha'))}, expected {policy.expect_sha[:12]!r}")
    return problems


def _dependencies(value: object, policy: HealthPolicy) -> list[str]:
    if not isinstance(value, Mapping):
        return ["no dependencies object"]
    problems: list[str] = []
    for name in DEPENDENCIES:
        dependency: Any = value.get(name)
        if not isinstance(dependency, Mapping):
            problems.append(f"{name} not reported")
            continue
        if dependency.get("status") != UP:
            error = f" ({_show(dependency.get('error'))})" if dependency.get("error") else ""
            problems.append(f"{name} is {_show(dependency.get('status'))}{error}")
        if name == "cache" and policy.require_redis and dependency.get("kind") != "redis":
            problems.append(f"cache is {_show(dependency.get('kind'))}, expected redis")
    return problems


def _show(value: object) -> str:
    return repr(value)[:40]


def call_rollback(hook: str, http: Send = send, timeout_s: float = 30.0) -> Rollback:
    """POST to the rollback hook; its outcome, never raised: the caller reports both failures."""
    if not hook:
        return Rollback(RollbackState.NOT_CONFIGURED, "no rollback hook configured")
    try:
        answer = http("POST", hook, timeout_s=timeout_s)
    except UnreachableError as error:
        return Rollback(RollbackState.FAILED, f"rollback hook unreachable: {error}")
    if 200 <= answer.status < 300:
        return Rollback(RollbackState.CALLED, f"rollback hook answered HTTP {answer.status}")
    return Rollback(RollbackState.FAILED, f"rollback hook answered HTTP {answer.status}")
