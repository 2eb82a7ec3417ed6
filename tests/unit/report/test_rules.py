"""The evidence rules one by one, on Evidence frames built directly and tiny repositories."""

from __future__ import annotations

from pathlib import Path

from cimaturity.report.rubric import RuleUse, load_rubric
from cimaturity.report.rules import RULES, RuleContext, RuleOutcome, RuleStatus

from . import _report_fixtures as fx

TRIVY_JOB = """
on: [push, pull_request]
jobs:
  container-scan:
    steps:
      - uses: aquasecurity/trivy-action@0.28.0
        with:
          exit-code: "1"
"""


def _rule(criterion: str, name: str) -> RuleUse:
    return next(use for use in load_rubric().criterion(criterion).rules if use.name == name)


def _apply(use: RuleUse, ctx: RuleContext) -> RuleOutcome:
    return RULES[use.name].fn(ctx, use.params)


def test_coverage_gives_proportional_credit(tmp_path: Path) -> None:
    use = _rule("coverage", "coverage_at_least")
    tested = fx.checks(("test", "passed", "4 passed"))
    partial = _apply(use, fx.context(tmp_path, fx.evidence(checks=tested, coverage_percent=55.0)))
    assert partial.status is RuleStatus.PARTIAL
    assert abs(partial.fraction - 55 / 70) < 1e-9
    met = _apply(use, fx.context(tmp_path, fx.evidence(checks=tested, coverage_percent=71.0)))
    assert met.status is RuleStatus.MET
    none = _apply(use, fx.context(tmp_path, fx.evidence(checks=tested)))
    assert none.status is RuleStatus.NO_EVIDENCE and none.fraction == 0


def test_check_passed_maps_every_status(tmp_path: Path) -> None:
    use = _rule("security_gates", "check_passed")  # check = sast
    for status, expected in (
        ("passed", RuleStatus.MET),
        ("failed", RuleStatus.UNMET),
        ("error", RuleStatus.NO_EVIDENCE),
        ("skipped", RuleStatus.NO_EVIDENCE),
    ):
        ev = fx.evidence(checks=fx.checks(("sast", status, "why")))
        assert _apply(use, fx.context(tmp_path, ev)).status is expected, status
    assert _apply(use, fx.context(tmp_path, fx.evidence())).status is RuleStatus.NO_EVIDENCE


def test_artifact_problem_is_no_evidence_even_when_the_check_passed(tmp_path: Path) -> None:
    use = _rule("security_gates", "check_passed")
    ev = fx.evidence(
        checks=fx.checks(("sast", "passed", "ok")), problems=(fx.problem("sast", "bandit.sarif: truncated"),)
    )
    outcome = _apply(use, fx.context(tmp_path, ev))
    assert outcome.status is RuleStatus.NO_EVIDENCE
    assert "truncated" in outcome.evidence


def test_skipped_container_scan_with_declared_trivy_earns_half_only(tmp_path: Path) -> None:
    use = _rule("container_scanning", "check_passed")
    root = fx.write(tmp_path, {".github/workflows/ci.yml": TRIVY_JOB})
    ev = fx.evidence(checks=fx.checks(("container", "skipped", "trivy not installed")))
    outcome = _apply(use, fx.context(root, ev))
    assert outcome.status is RuleStatus.PARTIAL and outcome.fraction == 0.5
    soft = fx.write(tmp_path / "soft", {".github/workflows/ci.yml": TRIVY_JOB.replace('"1"', '"0"')})
    assert _apply(use, fx.context(soft, ev)).status is RuleStatus.NO_EVIDENCE


def test_soft_security_steps_get_soft_credit_and_are_named(tmp_path: Path) -> None:
    use = _rule("security_gates", "workflow_steps_all_hard")
    root = fx.write(
        tmp_path,
        {
            ".github/workflows/ci.yml": (
                "on: push\njobs:\n  s:\n    steps:\n      - run: bandit -r app -ll --exit-zero\n"
                "      - run: pip-audit -r requirements.txt --strict\n"
            )
        },
    )
    outcome = _apply(use, fx.context(root, fx.evidence()))
    assert outcome.status is RuleStatus.PARTIAL and outcome.fraction == 0.25
    assert "--exit-zero" in outcome.evidence and "ci.yml:5" in outcome.evidence
    missing = fx.write(
        tmp_path / "m",
        {".github/workflows/ci.yml": "on: push\njobs:\n  s:\n    steps:\n      - run: bandit -r a\n"},
    )
    assert _apply(use, fx.context(missing, fx.evidence())).status is RuleStatus.UNMET


def test_unreadable_workflow_is_no_evidence_for_workflow_rules(tmp_path: Path) -> None:
    root = fx.write(tmp_path, {".github/workflows/ci.yml": "jobs: [unclosed\n"})
    outcome = _apply(_rule("ci_triggers", "triggers"), fx.context(root, fx.evidence()))
    assert outcome.status is RuleStatus.NO_EVIDENCE
    assert "ci.yml" in outcome.evidence


def test_suppressions_over_the_limit_cap_the_criterion(tmp_path: Path) -> None:
    use = _rule("lint", "suppressions_at_most")  # more than 25 noqa -> half
    few = _apply(use, fx.context(tmp_path, fx.evidence(suppressions=fx.suppressions(noqa=3))))
    many = _apply(use, fx.context(tmp_path, fx.evidence(suppressions=fx.suppressions(noqa=40))))
    assert few.status is RuleStatus.MET and "3 noqa" in few.evidence
    assert many.status is RuleStatus.PARTIAL and many.fraction == 0.5


def test_skipped_tests_cap(tmp_path: Path) -> None:
    use = _rule("unit_tests", "skipped_tests_at_most")
    tested = fx.checks(("test", "passed", "ok"))
    ok = fx.evidence(checks=tested, tests=fx.tests_frame("test", passed=10, skipped=1))
    hidden = fx.evidence(checks=tested, tests=fx.tests_frame("test", passed=5, skipped=5))
    assert _apply(use, fx.context(tmp_path, ok)).status is RuleStatus.MET
    assert _apply(use, fx.context(tmp_path, hidden)).fraction == 0.5


def test_tests_passed(tmp_path: Path) -> None:
    use = _rule("integration", "tests_passed")
    ran = fx.checks(("integration", "passed", "3 passed"))
    failed = fx.checks(("integration", "failed", "1 failed"))
    good = _apply(
        use, fx.context(tmp_path, fx.evidence(checks=ran, tests=fx.tests_frame("integration", passed=3)))
    )
    bad = _apply(
        use,
        fx.context(
            tmp_path, fx.evidence(checks=failed, tests=fx.tests_frame("integration", passed=3, failed=1))
        ),
    )
    other = _apply(use, fx.context(tmp_path, fx.evidence(checks=ran, tests=fx.tests_frame("test", passed=3))))
    assert (good.status, bad.status, other.status) == (
        RuleStatus.MET,
        RuleStatus.UNMET,
        RuleStatus.NO_EVIDENCE,
    )


def test_performance_thresholds(tmp_path: Path) -> None:
    use = _rule("performance", "performance_within")
    passed, failed = fx.checks(("performance", "passed", "ok")), fx.checks(("performance", "failed", "slow"))
    fast = _apply(use, fx.context(tmp_path, fx.evidence(checks=passed, performance=fx.performance(120, 400))))
    slow = _apply(use, fx.context(tmp_path, fx.evidence(checks=failed, performance=fx.performance(650, 900))))
    failing = _apply(
        use,
        fx.context(tmp_path, fx.evidence(checks=failed, performance=fx.performance(100, 200, failures=3))),
    )
    assert fast.status is RuleStatus.MET
    assert slow.status is RuleStatus.UNMET and "p95 650 > 500" in slow.missing
    assert failing.status is RuleStatus.UNMET


def test_services_job(tmp_path: Path) -> None:
    use = _rule("integration", "job_with_services")
    both = (
        "on: push\n"
        "jobs:\n"
        "  i:\n"
        "    services:\n"
        "      p: {image: 'postgres:15'}\n"
        "      r: {image: redis}\n"
        "    steps:\n"
        "      - run: pytest tests/integration\n"
    )
    only_pg = both.replace("      r: {image: redis}\n", "")
    uses_both = {"requirements.txt": "psycopg2==2.9\nredis==5\n"}  # the services come from the project
    assert (
        _apply(
            use,
            fx.context(
                fx.write(tmp_path / "a", {**uses_both, ".github/workflows/c.yml": both}), fx.evidence()
            ),
        ).status
        is RuleStatus.MET
    )
    assert (
        _apply(
            use,
            fx.context(
                fx.write(tmp_path / "b", {**uses_both, ".github/workflows/c.yml": only_pg}), fx.evidence()
            ),
        ).status
        is RuleStatus.UNMET
    )


def test_health_check_polling_in_thirds(tmp_path: Path) -> None:
    use = _rule("deployment_validation", "health_check_polling")
    weak = (
        "on: push\njobs:\n  deploy:\n    environment: production\n    steps:\n      - run: sleep 60\n"
        "      - run: |\n          for i in {1..5}; do curl -f https://x/health && exit 0; sleep 10; done\n"
    )
    strong = (
        weak.replace("      - run: sleep 60\n", "")
        .replace("{1..5}", "{1..10}")
        .replace("curl -f", "curl -f --max-time 2")
    )
    assert (
        _apply(
            use, fx.context(fx.write(tmp_path / "w", {".github/workflows/c.yml": weak}), fx.evidence())
        ).status
        is RuleStatus.UNMET
    )
    result = _apply(
        use, fx.context(fx.write(tmp_path / "s", {".github/workflows/c.yml": strong}), fx.evidence())
    )
    assert result.status is RuleStatus.MET, result


def test_health_check_polling_through_cimaturitys_own_validation(tmp_path: Path) -> None:
    """`invoke deploy` polls 10 rounds with backoff and times every answer: all three thirds;
    `--attempts 3` is too few retries, and a fixed sleep beside it still costs its third."""
    use = _rule("deployment_validation", "health_check_polling")
    job = "on: push\njobs:\n  deploy-staging:\n    environment: staging\n    steps:\n"
    cases = {
        "own": (job + "      - run: .venv/bin/invoke deploy --env staging\n", RuleStatus.MET),
        "few": (job + "      - run: invoke health --url https://x --attempts 3\n", RuleStatus.PARTIAL),
        "sleep": (
            job + "      - run: sleep 60\n      - run: invoke deploy --env staging\n",
            RuleStatus.PARTIAL,
        ),
    }
    for name, (workflow, expected) in cases.items():
        root = fx.write(tmp_path / name, {".github/workflows/d.yml": workflow})
        result = _apply(use, fx.context(root, fx.evidence()))
        assert result.status is expected, (name, result)
    own = _apply(use, fx.context(tmp_path / "own", fx.evidence()))
    assert "invoke deploy" in own.evidence and "found 10" in own.evidence


def test_a_validated_deployment_decides_over_the_workflow_text(tmp_path: Path) -> None:
    use = _rule("deployment_validation", "health_check_polling")
    root = fx.write(
        tmp_path,
        {
            ".github/workflows/d.yml": (
                "on: push\njobs:\n  deploy:\n    environment: x\n    steps:\n      - run: sleep 60\n"
            )
        },
    )
    healthy = fx.evidence(
        checks=fx.checks(("deployment", "passed", "https://x (staging) healthy: 2 round(s) passed"))
    )
    result = _apply(use, fx.context(root, healthy))
    assert result.status is RuleStatus.MET and "healthy" in result.evidence
    broken = fx.evidence(
        checks=fx.checks(("deployment", "failed", "https://x: /api/v1/health: database down"))
    )
    assert _apply(use, fx.context(root, broken)).status is RuleStatus.UNMET
    errored = fx.evidence(checks=fx.checks(("deployment", "error", "health_check timed out after 600s")))
    assert _apply(use, fx.context(root, errored)).status is RuleStatus.NO_EVIDENCE
    skipped = fx.evidence(checks=fx.checks(("deployment", "skipped", "not applicable: no deployed service")))
    fallback = _apply(use, fx.context(root, skipped))
    assert fallback.status is RuleStatus.UNMET and "not run here" in fallback.evidence


def test_a_workflow_named_in_the_docs_is_not_a_phantom_job(tmp_path: Path) -> None:
    use = _rule("documentation", "docs_match_jobs")
    root = fx.write(
        tmp_path,
        {
            ".github/workflows/deploy.yml": "on: push\njobs:\n  deploy-staging: {steps: [{run: x}]}\n",
            ".github/WORKFLOW_DOCUMENTATION.md": "## `deploy` (deploy.yml)\n\n- `deploy-staging`\n",
        },
    )
    result = _apply(use, fx.context(root, fx.evidence()))
    assert result.status is RuleStatus.MET, result


def test_docs_must_match_jobs(tmp_path: Path) -> None:
    use = _rule("documentation", "docs_match_jobs")
    workflow = {
        ".github/workflows/c.yml": (
            "on: push\njobs:\n  lint: {steps: [{run: ruff check}]}\n  test: {steps: [{run: pytest}]}\n"
        )
    }
    accurate = fx.write(
        tmp_path / "a", {**workflow, ".github/WORKFLOW_DOCUMENTATION.md": "- `lint`\n- `test`\n"}
    )
    phantom = fx.write(
        tmp_path / "p",
        {**workflow, ".github/WORKFLOW_DOCUMENTATION.md": "- `lint`\n- `test`\n- `container-scan`\n"},
    )
    assert _apply(use, fx.context(accurate, fx.evidence())).status is RuleStatus.MET
    outcome = _apply(use, fx.context(phantom, fx.evidence()))
    assert outcome.status is RuleStatus.PARTIAL and "container-scan" in outcome.evidence
    assert abs(outcome.fraction - 2 / 3) < 1e-9


def test_required_checks_must_name_real_jobs(tmp_path: Path) -> None:
    use = _rule("branch_protection", "required_checks_declared")
    workflow = {".github/workflows/c.yml": "on: push\njobs:\n  lint: {steps: [{run: ruff check}]}\n"}
    settings = (
        "branches:\n"
        "  - name: main\n"
        "    protection:\n"
        "      required_status_checks:\n"
        "        contexts: [lint{extra}]\n"
    )
    good = fx.write(tmp_path / "g", {**workflow, ".github/settings.yml": settings.format(extra="")})
    ghost = fx.write(
        tmp_path / "h", {**workflow, ".github/settings.yml": settings.format(extra=", integration")}
    )
    assert _apply(use, fx.context(good, fx.evidence())).status is RuleStatus.MET
    assert _apply(use, fx.context(ghost, fx.evidence())).status is RuleStatus.PARTIAL
    assert (
        _apply(use, fx.context(fx.write(tmp_path / "n", workflow), fx.evidence())).status is RuleStatus.UNMET
    )


def test_applicability_from_dockerfile_and_service(tmp_path: Path) -> None:
    docker = _rule("container_scanning", "requires_file")
    web = _rule("e2e", "requires_service")
    bare = fx.context(tmp_path, fx.evidence())
    assert _apply(docker, bare).status is RuleStatus.NOT_APPLICABLE
    assert _apply(web, bare).status is RuleStatus.NOT_APPLICABLE
    service = fx.write(
        tmp_path / "svc",
        {
            "Dockerfile": 'FROM python\nCMD ["uvicorn", "app.main:app"]\n',
            "requirements.txt": "FastAPI==1.0\n",
        },
    )
    assert _apply(docker, fx.context(service, fx.evidence())).status is RuleStatus.MET
    outcome = _apply(web, fx.context(service, fx.evidence()))
    assert outcome == RuleOutcome.met("service: `Dockerfile` runs `uvicorn app.main:app`")


def test_secrets_over_history_needs_full_checkout(tmp_path: Path) -> None:
    use = _rule("secrets_history", "secrets_history")
    full = (
        "on: push\n"
        "jobs:\n"
        "  s:\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        "        with: {fetch-depth: 0}\n"
        "      - uses: gitleaks/gitleaks-action@v2\n"
    )
    shallow = full.replace("        with: {fetch-depth: 0}\n", "")
    assert (
        _apply(
            use, fx.context(fx.write(tmp_path / "f", {".github/workflows/c.yml": full}), fx.evidence())
        ).status
        is RuleStatus.MET
    )
    assert (
        _apply(
            use, fx.context(fx.write(tmp_path / "s", {".github/workflows/c.yml": shallow}), fx.evidence())
        ).fraction
        == 0.5
    )


def _workflow_with(tmp_path: Path, name: str, run: str) -> Path:
    text = f"on: push\njobs:\n  j:\n    steps:\n      - name: step\n        run: {run}\n"
    return fx.write(tmp_path / name, {".github/workflows/ci.yml": text})


def test_cimaturity_tasks_count_as_the_checks_they_run(tmp_path: Path) -> None:
    """`invoke lint`, `invoke ci --only ...,lint` and a plain `invoke ci` run lint; a skip does not."""
    use = _rule("lint", "workflow_step")
    runs = {
        "task": ("invoke lint", RuleStatus.MET),
        "only": (".venv/bin/invoke ci --profile quick --only typecheck,lint", RuleStatus.MET),
        "everything": (".venv/bin/invoke ci --profile full", RuleStatus.MET),
        "skipped": ("invoke ci --skip lint", RuleStatus.UNMET),
        "other": ("invoke ci --only typecheck", RuleStatus.UNMET),
    }
    for name, (run, expected) in runs.items():
        outcome = _apply(use, fx.context(_workflow_with(tmp_path, name, run), fx.evidence()))
        assert outcome.status is expected, (run, outcome)


def test_security_tasks_must_cover_both_scanners(tmp_path: Path) -> None:
    use = _rule("security_gates", "workflow_steps_all_hard")
    both = _workflow_with(tmp_path, "both", "invoke ci --only sast,deps,secrets")
    assert _apply(use, fx.context(both, fx.evidence())).status is RuleStatus.MET
    sast_only = _workflow_with(tmp_path, "sast", "invoke sast")
    assert _apply(use, fx.context(sast_only, fx.evidence())).status is RuleStatus.UNMET
