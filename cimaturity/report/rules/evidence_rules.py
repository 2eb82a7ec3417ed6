"""Rules over run evidence: the checks' statuses and the artifacts they wrote (JUnit, coverage,
Locust, suppressions, run.json).

A rule reading a check's artifacts reads them as that check's own gate allows (`_gated`): nothing
from an errored or skipped check, at most `failed_cap` from a failed one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import assert_never

import pandas as pd

from cimaturity.model import Status
from cimaturity.report.evidence import Evidence
from cimaturity.report.rules.model import Params, RuleContext, RuleOutcome, RuleStatus, _list, _n, _s, rule
from cimaturity.report.rules.workflow_rules import _matching_steps, _soft, _where

# --- run evidence rules ----------------------------------------------------------------------
#
# Any evidence of a check is read as that check's result: every rule reading a check's artifacts
# asks `_gated` first, so an artifact never says more than the gate that judged it.


def _problem(ctx: RuleContext, check: str) -> RuleOutcome | None:
    problems = ctx.evidence.problems_for(check)
    if problems:
        return RuleOutcome.no_evidence(
            "; ".join(problem.message for problem in problems),
            f"a readable artifact from the `{check}` check",
        )
    return None


def _reason(ctx: RuleContext, check: str) -> str:
    return ctx.evidence.check_reason(check)


def _not_in_run(check: str) -> RuleOutcome:
    return RuleOutcome.no_evidence(f"`{check}` was not part of this run", f"run `invoke ci --only {check}`")


def _errored(check: str, reason: str) -> RuleOutcome:
    return RuleOutcome.no_evidence(f"`{check}` errored: {reason}", f"fix the `{check}` check so it can run")


def _run_status(ctx: RuleContext, check: str) -> tuple[Status, str] | RuleOutcome:
    """The check's status and reason in this run, or why there is none to judge (an unreadable
    artifact, the check not in the run): every run-evidence rule starts here."""
    if (problem := _problem(ctx, check)) is not None:
        return problem
    status = ctx.evidence.check_status(check)
    if status is None:
        return _not_in_run(check)
    return status, _reason(ctx, check)


def _gated(ctx: RuleContext, check: str, failed_cap: float, read: Callable[[], RuleOutcome]) -> RuleOutcome:
    """What `read` makes of `check`'s artifacts, as far as the check's own gate allows.

    - an unreadable artifact, or a check not in this run: no evidence;
    - `error`: no evidence, naming the check's reason, whatever its files say (a crashed, killed
      or contradicted tool leaves nothing trustworthy, though the runner lists what it wrote);
    - `skipped`: no evidence (files left from an earlier run are not this run's);
    - `failed`: the artifacts are read but earn at most `failed_cap` (below 1: never met), and
      the gate's verdict is named where it limits the credit;
    - `passed`: the artifacts speak.
    """
    found = _run_status(ctx, check)
    if isinstance(found, RuleOutcome):
        return found
    status, reason = found
    match status:
        case Status.PASSED:
            return read()
        case Status.FAILED:
            return _capped(read(), check, reason, failed_cap)
        case Status.ERROR:
            return _errored(check, reason)
        case Status.SKIPPED:
            return RuleOutcome.no_evidence(f"`{check}` skipped: {reason}", f"a `{check}` result")
        case _:
            assert_never(status)


def _capped(outcome: RuleOutcome, check: str, reason: str, cap: float) -> RuleOutcome:
    """The artifacts of a failed gate earn at most `cap`."""
    if outcome.status is RuleStatus.NO_EVIDENCE or outcome.fraction <= cap:
        return outcome
    fix = f"make the `{check}` gate pass"
    return RuleOutcome.partial(
        cap,
        f"`{check}` failed: {reason}; {outcome.evidence}",
        f"{outcome.missing}; {fix}" if outcome.missing else fix,
    )


@rule(
    check=_s(),
    skipped_credit=_n(0.0),
    workflow_patterns=_list(()),
    minor_metrics=_list(()),
    clean_metrics=_list(()),
    minor_credit=_n(0.0),
    minor_evidence=_s(""),
)
def check_passed(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's gate passed in this run. A skipped check may earn `skipped_credit` when a
    blocking workflow step matching `workflow_patterns` runs it where it can (e.g. Trivy in CI).

    A check that failed only on `minor_metrics` (run.json metrics: each of `clean_metrics` recorded
    and 0, some minor one above 0; e.g. lint with `violations` 0 and `unformatted_files` 9) earns
    `minor_credit`; `minor_evidence` says so, `{metric}` standing for a metric's value."""
    check = params.text("check")
    found = _run_status(ctx, check)
    if isinstance(found, RuleOutcome):
        return found
    status, reason = found
    match status:
        case Status.PASSED:
            return RuleOutcome.met(f"`{check}` passed: {reason}")
        case Status.FAILED:
            if (minor := _minor_failure(ctx, params)) is not None:
                return minor
            return RuleOutcome.unmet(f"`{check}` failed: {reason}", f"make the `{check}` gate pass")
        case Status.SKIPPED:
            return _skipped_elsewhere(ctx, params, reason)
        case Status.ERROR:
            return _errored(check, reason)
        case _:
            assert_never(status)


def _skipped_elsewhere(ctx: RuleContext, params: Params, reason: str) -> RuleOutcome:
    """A skipped check: `skipped_credit` when a blocking workflow step runs it (see check_passed)."""
    check = params.text("check")
    patterns = params.strs("workflow_patterns")
    credit = params.number("skipped_credit")
    declared = [
        (job, step)
        for job, step in (_matching_steps(ctx.workflows, patterns) if patterns else [])
        if not _soft(job, step)
    ]
    if declared and credit > 0:
        return RuleOutcome.partial(
            credit,
            f"`{check}` skipped here ({reason}); workflow declares it at {_where(*declared[0])} "
            "- workflow evidence only, no result seen",
            f"a passing `{check}` result (run it where the tool exists and keep its artifact)",
        )
    return RuleOutcome.no_evidence(f"`{check}` skipped: {reason}", f"a `{check}` result")


def _minor_failure(ctx: RuleContext, params: Params) -> RuleOutcome | None:
    """Partial credit for a failure on minor metrics only (see check_passed), else None."""
    check = params.text("check")
    minor = {name: ctx.evidence.metric(check, name) for name in params.strs("minor_metrics")}
    clean = {name: ctx.evidence.metric(check, name) for name in params.strs("clean_metrics")}
    if not minor or params.number("minor_credit") <= 0:
        return None
    if any(value is None or value != 0 for value in clean.values()):
        return None
    if not any(value is not None and value > 0 for value in minor.values()):
        return None
    values = {name: value for name, value in (*minor.items(), *clean.items()) if value is not None}
    shown = "; ".join(f"{name} {value:g}" for name, value in values.items())
    try:
        said = params.text("minor_evidence").format_map(values) or shown
    except (KeyError, ValueError, IndexError):
        said = shown
    above = ", ".join(f"{name} {value:g}" for name, value in minor.items() if value)
    return RuleOutcome.partial(
        params.number("minor_credit"),
        f"`{check}` failed: {said} ({_reason(ctx, check)})",
        f"make the `{check}` gate pass ({above})",
    )


@rule(check=_s())
def check_ran(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's tool ran to completion (its gate passed or failed on real results)."""
    check = params.text("check")
    found = _run_status(ctx, check)
    if isinstance(found, RuleOutcome):
        return found
    status, reason = found
    match status:
        case Status.PASSED | Status.FAILED:
            return RuleOutcome.met(f"`{check}` ran ({status}): {reason}")
        case Status.ERROR | Status.SKIPPED:
            return RuleOutcome.no_evidence(f"`{check}` {status}: {reason}", f"a `{check}` result")
        case _:
            assert_never(status)


# A failed gate leaves its artifacts at most this share (rule parameter `failed_cap`).
_FAILED_CAP = _n(0.5)


@rule(check=_s(), min_tests=_n(1), stand_in=_s(""), stand_in_credit=_n(0.5), failed_cap=_FAILED_CAP)
def tests_passed(ctx: RuleContext, params: Params) -> RuleOutcome:
    """The check's JUnit results: every test passed, at least `min_tests` of them; read as the
    check's own gate allows (`_gated`: nothing from an errored or skipped check, at most
    `failed_cap` from a failed one).

    When the check found no suite of its own (skipped as not applicable: no tests/integration),
    the `stand_in` check's suite (e.g. `test`, the whole suite the CI runs against the database)
    stands in for at most `stand_in_credit`, read as its own gate allows."""
    check = params.text("check")
    if (problem := _problem(ctx, check)) is not None:
        return problem
    stand_in = params.text("stand_in")
    if stand_in and _no_suite(ctx, check):
        return _stand_in_tests(ctx, params, check, stand_in)
    min_tests = params.number("min_tests")
    return _gated(ctx, check, params.number("failed_cap"), lambda: _read_tests(ctx, check, min_tests))


_NOT_APPLICABLE = "not applicable"  # how a check skipped for want of its suite starts its reason


def _no_suite(ctx: RuleContext, check: str) -> bool:
    return ctx.evidence.check_status(check) is Status.SKIPPED and _reason(ctx, check).startswith(
        _NOT_APPLICABLE
    )


def _stand_in_tests(ctx: RuleContext, params: Params, check: str, stand_in: str) -> RuleOutcome:
    alone = f"no separate `{check}` suite ({_reason(ctx, check)})"
    min_tests = params.number("min_tests")
    outcome = _gated(
        ctx, stand_in, params.number("failed_cap"), lambda: _read_tests(ctx, stand_in, min_tests)
    )
    stands_in = f"{alone}; the `{stand_in}` suite stands in: {outcome.evidence}"
    match outcome.status:
        case RuleStatus.MET:
            return RuleOutcome.partial(
                params.number("stand_in_credit"),
                stands_in,
                f"a `{check}` suite of its own (the `{stand_in}` suite stands in for it)",
            )
        case RuleStatus.PARTIAL | RuleStatus.UNMET:
            return RuleOutcome.unmet(stands_in, outcome.missing)
        case RuleStatus.NO_EVIDENCE | RuleStatus.NOT_APPLICABLE:
            return RuleOutcome.no_evidence(
                f"{alone}; the `{stand_in}` suite would stand in, but {outcome.evidence}",
                f"{outcome.missing} (or a `{check}` suite of its own)",
            )
        case _:
            assert_never(outcome.status)


def _statuses(ctx: RuleContext, check: str) -> pd.Series:
    """The outcomes of `check`'s tests: one column, never a copy of the whole tests frame (it
    may hold a million rows)."""
    tests = ctx.evidence.tests
    return tests.loc[tests["check"] == check, "status"]


def _read_tests(ctx: RuleContext, check: str, min_tests: float) -> RuleOutcome:
    statuses = _statuses(ctx, check)
    if statuses.empty:
        return RuleOutcome.no_evidence(
            f"no JUnit results from `{check}`", f"JUnit XML from the `{check}` suite"
        )
    return _tests_outcome(statuses, check, min_tests)


def _tests_outcome(statuses: pd.Series, check: str, min_tests: float) -> RuleOutcome:
    counts = statuses.value_counts()
    passed = int(counts.get("passed", 0))
    broken = int(counts.get("failed", 0)) + int(counts.get("error", 0))
    summary = f"{passed} passed, {broken} failed, {int(counts.get('skipped', 0))} skipped ({check})"
    if broken:
        return RuleOutcome.unmet(summary, f"fix the failing `{check}` tests")
    if passed < min_tests:
        return RuleOutcome.unmet(summary, f"at least {min_tests:.0f} passing `{check}` test(s)")
    return RuleOutcome.met(summary)


@rule(target=_n(70.0), failed_cap=_FAILED_CAP)
def coverage_at_least(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Coverage's total against `target`, in proportion; read as the `test` check, which measures
    it, allows (see tests_passed). A total that is not a percentage (NaN, inf, outside 0-100) is
    no evidence."""
    target = params.number("target")
    percent = ctx.evidence.coverage_percent
    return _gated(ctx, "test", params.number("failed_cap"), lambda: _coverage(percent, "test", target))


def _coverage(percent: float | None, check: str, target: float) -> RuleOutcome:
    wanted = f"coverage JSON from the `{check}` check"
    if percent is None:
        return RuleOutcome.no_evidence("no coverage report in this run", wanted)
    if not (math.isfinite(percent) and 0.0 <= percent <= 100.0):
        return RuleOutcome.no_evidence(f"coverage total {percent} is not a percentage", wanted)
    summary = f"coverage {percent:.1f}% (target {target:.0f}%)"
    return RuleOutcome.partial(
        percent / target, summary, f"raise coverage from {percent:.1f}% to {target:.0f}%"
    )


@rule(p95_ms=_n(500.0), p99_ms=_n(1000.0), failed_cap=_FAILED_CAP)
def performance_within(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Locust's aggregated row within the p95/p99 thresholds with no failed request; read as the
    `performance` check's gate allows (see tests_passed). No request sent, or a number that is
    not finite (Locust's `nan` percentiles of an empty run), is no evidence."""
    return _gated(
        ctx, "performance", params.number("failed_cap"), lambda: _load_test(ctx.evidence.performance, params)
    )


_LOAD_TEST = "a load test that sends requests (Locust stats CSV from the `performance` check)"


def _load_test(frame: pd.DataFrame, params: Params) -> RuleOutcome:
    rows = frame.loc[frame["name"] == "Aggregated"]
    if rows.empty:
        return RuleOutcome.no_evidence(
            "no load-test results", "Locust stats CSV from the `performance` check"
        )
    row = rows.iloc[0]
    numbers = {
        "requests": (_float(row["requests"]), ""),
        "failures": (_float(row["failures"]), ""),
        "p95": (_float(row["p95_ms"]), " ms"),
        "p99": (_float(row["p99_ms"]), " ms"),
    }
    requests = numbers["requests"][0]
    if math.isfinite(requests) and requests <= 0:
        return RuleOutcome.no_evidence(
            f"{requests:.0f} requests in the load test: no latency measured", _LOAD_TEST
        )
    odd = [f"{name} {value}{unit}" for name, (value, unit) in numbers.items() if not math.isfinite(value)]
    if odd:
        return RuleOutcome.no_evidence(f"load-test numbers are not finite ({', '.join(odd)})", _LOAD_TEST)
    p95, p99 = numbers["p95"][0], numbers["p99"][0]
    failures = int(numbers["failures"][0])
    summary = f"{int(requests)} requests, {failures} failed, p95 {p95:.0f} ms, p99 {p99:.0f} ms"
    over = []
    if p95 > params.number("p95_ms"):
        over.append(f"p95 {p95:.0f} > {params.number('p95_ms'):.0f} ms")
    if p99 > params.number("p99_ms"):
        over.append(f"p99 {p99:.0f} > {params.number('p99_ms'):.0f} ms")
    if failures:
        over.append(f"{failures} failed request(s)")
    if over:
        return RuleOutcome.unmet(summary, "bring the load test within thresholds: " + ", ".join(over))
    return RuleOutcome.met(summary)


def _float(value: object) -> float:
    """A frame cell as a float; NaN when it is no number (None, NA, text)."""
    return float(value) if isinstance(value, numbers.Real) else math.nan


def _suppression_count(evidence: Evidence, kind: str) -> int:
    rows = evidence.suppressions.loc[evidence.suppressions["kind"] == kind, "count"]
    return int(rows.sum()) if not rows.empty else 0


@rule(kinds=_list(), max=_n(), cap=_n(0.5))
def suppressions_at_most(ctx: RuleContext, params: Params) -> RuleOutcome:
    """Suppressions are shown; more than `max` caps the criterion at `cap` of its points, so
    silencing findings can never raise a score above what the unsilenced code would earn."""
    counts = {kind: _suppression_count(ctx.evidence, kind) for kind in params.strs("kinds")}
    total = sum(counts.values())
    shown = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    limit = params.number("max")
    if total > limit:
        return RuleOutcome.partial(
            params.number("cap"),
            f"suppressions: {shown} (over {limit:.0f})",
            f"review suppressions ({shown})",
        )
    return RuleOutcome.met(f"suppressions: {shown} (at most {limit:.0f} allowed)")


@rule(check=_s(), max_fraction=_n(0.1), cap=_n(0.5), failed_cap=_n(1.0))
def skipped_tests_at_most(ctx: RuleContext, params: Params) -> RuleOutcome:
    """More than `max_fraction` of the check's tests skipped caps the criterion at `cap`; read as
    the check's gate allows (see tests_passed). A cap of its own: by default (`failed_cap` 1) a
    failed gate is left to the rule reading the results."""
    check = params.text("check")
    return _gated(ctx, check, params.number("failed_cap"), lambda: _skipped_tests(ctx, params))


def _skipped_tests(ctx: RuleContext, params: Params) -> RuleOutcome:
    tests = _statuses(ctx, params.text("check"))
    skipped = int((tests == "skipped").sum())
    share = skipped / len(tests) if len(tests) else 0.0
    if share > params.number("max_fraction"):
        return RuleOutcome.partial(
            params.number("cap"),
            f"{skipped} of {len(tests)} tests skipped ({share:.0%})",
            "un-skip or delete skipped tests",
        )
    return RuleOutcome.met(f"{skipped} of {len(tests)} tests skipped")


@rule()
def local_run_recorded(ctx: RuleContext, params: Params) -> RuleOutcome:
    run = ctx.evidence.run
    if run is None:
        return RuleOutcome.no_evidence("no run.json", "run the checks locally (`invoke ci`)")
    return RuleOutcome.met(f"local run {run.run_id} recorded ({run.profile} profile, {run.duration_s:.0f} s)")
