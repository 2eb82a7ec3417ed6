"""Fail closed, for every registered check: a faulted tool never yields `passed`, and the report
never scores its evidence as `met`.

The matrix (`matrix.py`) has a row per check x fault; each row runs the real check through the
real runner (`execute`) with the tool replaced by a fake (`fakes.py`), then writes run.json as the
runner does and reads it with the report (`harness.report_on`). A control case per check, with
clean fakes, proves each check passes and each rule reading it is met when nothing is wrong: the
faults are then what makes the difference, not a broken fixture.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cimaturity.model import Status
from cimaturity.registry import CHECKS
from cimaturity.report.rubric import load_rubric
from cimaturity.report.rules import EVIDENCE_RULES, RuleStatus
from tests.faults.fakes import Fake
from tests.faults.harness import (
    IMPLICIT_CHECK,
    MAY_MEET_ON_FAILED,
    NOT_CHECK_EVIDENCE,
    RUBRICS,
    TIMEOUT_S,
    checks_read,
    report_on,
    run_case,
)
from tests.faults.matrix import MATRIX, Case, Fault
from tests.faults.scenarios import SCENARIOS

# Checks no rubric criterion reads (their findings are shown, not scored): the report half of
# their cases has nothing to refuse. Listed so that a rubric change is a visible change here.
# docs: the `documentation` criterion reads the documentation itself (docs_match_jobs), which
# any repository can be scored on without having run the check.
# audit: its findings are shown; the rubric's questions it answers (soft steps, fixed sleeps) are
# asked through the same detectors (cimaturity.audit.detect) of the workflow facts.
UNSCORED = frozenset({"dockerfile", "sbom", "docs", "audit"})
# Criteria the clean control meets outright (the others also need project or workflow facts the
# fixture does not have): for these checks "no criterion met" in a fault case is a real claim.
CRITERION_MET_IN_CONTROL = {
    "lint": "lint",
    "test": "unit_tests",
    "typecheck": "type_checking",
    "sast": "static_analysis",
    "secrets": "secrets_history",
}


def _cases() -> list[object]:
    return [
        pytest.param(case, id=case.id, marks=pytest.mark.skip(reason=f"n/a: {case.na}") if case.na else ())
        for case in MATRIX
    ]


@pytest.mark.parametrize("case", _cases())
def test_fault_fails_closed(case: Case, tmp_path: Path) -> None:
    assert case.expect is not None and case.expect is not Status.PASSED
    timeout = TIMEOUT_S if case.fault is Fault.TIMEOUT else None
    ran = run_case(
        case.check, case.fake, tmp_path, tool=case.tool, **({"timeout_s": timeout} if timeout else {})
    )
    result = ran.result
    log = (ran.reports / result.log).read_text() if result.log else ""
    assert result.status is case.expect, f"{result.status}: {result.reason}\n--- log.txt ---\n{log}"
    assert "\n" not in result.reason and result.reason.strip() == result.reason != ""
    assert re.search(case.says, result.reason), f"reason {result.reason!r} does not match {case.says!r}"

    judged = report_on(ran)
    if case.expect is Status.FAILED:
        # real findings: read, capped, never met (but "it ran" and "few skipped" may be, by design)
        met = [(w, rule, o.evidence) for w, rule, o in judged.rules if o.status is RuleStatus.MET]
        met = [found for found in met if found[1] not in MAY_MEET_ON_FAILED]
        assert not met, f"the report scores a failed `{case.check}` as met: {met}"
    else:
        # error / skipped: refused evidence earns nothing, not even a share of the points
        credited = [(w, rule, o.status, o.fraction) for w, rule, o in judged.rules if o.fraction > 0]
        assert not credited, f"the report credits refused evidence of `{case.check}`: {credited}"
        assert all(o.status is RuleStatus.NO_EVIDENCE for _, _, o in judged.rules), judged.rules
    assert not [c for c in judged.criteria if c[1] is RuleStatus.MET], judged.criteria
    assert bool(judged.rules) is (case.check not in UNSCORED)


@pytest.mark.parametrize("check", sorted(SCENARIOS))
def test_control_passes_and_is_met(check: str, tmp_path: Path) -> None:
    """The scenario's clean fakes pass the check, and the report credits it: the fixtures work."""
    ran = run_case(check, _clean(check), tmp_path)
    log = (ran.reports / ran.result.log).read_text() if ran.result.log else ""
    assert ran.result.status is Status.PASSED, f"{ran.result.reason}\n--- log.txt ---\n{log}"
    judged = report_on(ran)
    unmet = [
        (where, rule, o.status, o.evidence)
        for where, rule, o in judged.primary
        if o.status is not RuleStatus.MET
    ]
    assert not unmet
    assert bool(judged.rules) is (check not in UNSCORED)
    if check in CRITERION_MET_IN_CONTROL:  # the fixture's workflow meets the rest of the criterion
        assert (f"{RUBRICS[0]}:{CRITERION_MET_IN_CONTROL[check]}", RuleStatus.MET) in judged.criteria


def _clean(check: str) -> Fake:
    scenario = SCENARIOS[check]
    name = scenario.faulted
    if name.startswith("python -m "):
        return scenario.tools["python"].modules[name.removeprefix("python -m ")]
    return scenario.tools[name.removeprefix("helper ")].default


# --- the matrix itself --------------------------------------------------------------------------


def test_matrix_covers_every_check_and_fault() -> None:
    """Adding a check without its fault cases (or its scenario) fails here."""
    have = {(case.check, case.fault) for case in MATRIX}
    missing = [
        f"{check.name}-{fault.value}"
        for check in CHECKS
        for fault in Fault
        if (check.name, fault) not in have
    ]
    assert not missing, f"no fault case for: {', '.join(missing)}"
    assert set(SCENARIOS) == {check.name for check in CHECKS}
    assert {case.check for case in MATRIX} <= {check.name for check in CHECKS}


def test_matrix_rows_are_well_formed() -> None:
    ids = [case.id for case in MATRIX]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    for case in MATRIX:
        if case.na:
            assert case.expect is None, f"{case.id}: a not-applicable case expects nothing"
        else:
            assert case.expect in (Status.ERROR, Status.FAILED, Status.SKIPPED), case.id
            assert case.says, f"{case.id}: say what the reason must name"
        if case.expect is Status.SKIPPED:
            assert case.check == "container" and case.fault is Fault.TOOL_MISSING, (
                f"{case.id}: only designed skips"
            )


def test_every_evidence_rule_is_classified() -> None:
    """A new evidence rule must say which check it reads, or that it reads none."""
    for definition in EVIDENCE_RULES:
        reads_named = "check" in definition.params
        assert reads_named or definition.name in IMPLICIT_CHECK or definition.name in NOT_CHECK_EVIDENCE, (
            f"evidence rule {definition.name}: add it to harness.IMPLICIT_CHECK or NOT_CHECK_EVIDENCE"
        )


def test_scored_checks_are_the_rubrics() -> None:
    for name in RUBRICS:
        read = {
            check
            for criterion in load_rubric(name).criteria
            for use in criterion.rules
            for check in checks_read(use)
        }
        assert read == {check.name for check in CHECKS} - UNSCORED, name
