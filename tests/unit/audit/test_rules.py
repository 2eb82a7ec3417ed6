"""cimaturity's own workflow rules, on fixture workflows: every fault found, at its line, and
nothing else; the plan's own snippets; this repository's workflows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cimaturity.audit.located import load_located
from cimaturity.audit.rules import RULES, Finding, Workflow, audit
from cimaturity.tools.workflow_audit import run

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audit"
REPOSITORY = Path(__file__).resolve().parents[3]
_EXPECT = re.compile(r"# expect: ([a-z-]+)")


def _findings(project: Path) -> list[Finding]:
    findings, files = run(project)
    assert files, f"no workflow under {project}"
    return findings


def _shown(findings: list[Finding], *, notes: bool = False) -> set[tuple[str, int, str]]:
    return {(f.file, f.line, f.rule) for f in findings if not f.suppressed and (notes or f.level != "note")}


def test_every_fault_is_found_at_its_line_and_nothing_else() -> None:
    project = FIXTURES / "faults"
    relative = ".github/workflows/faults.yml"
    lines = (project / relative).read_text(encoding="utf-8").splitlines()
    expected = {
        (relative, number, match.group(1))
        for number, line in enumerate(lines, start=1)
        if (match := _EXPECT.search(line))
    }
    assert _shown(_findings(project)) == expected


def test_every_rule_has_a_fault_in_the_fixture() -> None:
    text = (FIXTURES / "faults" / ".github/workflows/faults.yml").read_text(encoding="utf-8")
    covered = set(_EXPECT.findall(text)) | {"missing-plan-job"}  # tested below
    assert {rule.id for rule in RULES} == covered


def test_an_ignore_comment_keeps_the_finding_as_suppressed() -> None:
    findings = _findings(FIXTURES / "faults")
    suppressed = [f for f in findings if f.suppressed]
    assert [(f.rule, f.line) for f in suppressed] == [("fixed-sleep", 72)]


# What the plan's reviewers would flag in the plan's own snippets (lines of plan_snippets.yml).
PLAN = {
    (17, "unpinned-action"),  # aquasecurity/trivy-action@master
    (261, "unpinned-action"),  # trufflesecurity/trufflehog@main
    (226, "fixed-sleep"),  # run: sleep 60 (Wait for deployment)
    (101, "fixed-sleep"),  # uvicorn ... & sleep 10 (E2E)
    (197, "fixed-sleep"),  # uvicorn ... & sleep 10 (contract tests)
    (171, "soft-fail-command"),  # || echo "Schema validation script not found"
    (222, "secret-in-run"),  # curl -X POST ${{ secrets.STAGING_DEPLOY_HOOK }}
    (209, "missing-timeout"),  # deploy-staging
    (266, "missing-timeout"),  # dependency-review
    (36, "unpinned-image"),  # postgres:15
    (50, "unpinned-image"),  # redis:7-alpine
    (124, "unpinned-image"),  # postgres:15 (migrations)
}


def test_the_plans_own_snippets_are_caught() -> None:
    project = FIXTURES / "plan"
    relative = ".github/workflows/plan_snippets.yml"
    found = {(line, rule) for file, line, rule in _shown(_findings(project)) if file == relative}
    assert found >= PLAN, sorted(PLAN - found)
    pinned = {line for line, rule in found if rule == "unpinned-action"}
    uses = (FIXTURES / "plan" / relative).read_text(encoding="utf-8").count("uses:")
    assert len(pinned) == uses == 18  # every `uses:` of the snippets follows a tag or a branch
    assert {rule for _, rule in found} <= PLAN_RULES


PLAN_RULES = {"unpinned-action", "fixed-sleep", "soft-fail-command", "secret-in-run", "missing-timeout"} | {
    "unpinned-image",
    "permissions",
}


def test_missing_plan_jobs_are_notes_naming_each_job() -> None:
    findings = _findings(FIXTURES / "plan")
    missing = sorted(f.message.split("`")[1] for f in findings if f.rule == "missing-plan-job")
    assert missing == ["lint", "performance", "security"]  # the snippets add to an existing CI
    assert {f.level for f in findings if f.rule == "missing-plan-job"} == {"note"}


def test_this_repositorys_workflows_have_no_finding() -> None:
    findings = [f for f in _findings(REPOSITORY) if not f.suppressed]
    assert findings == []


def test_an_unreadable_workflow_is_a_finding_naming_its_line(tmp_path: Path) -> None:
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    (folder / "broken.yml").write_text("on: push\njobs:\n  a: [\n", encoding="utf-8")
    (folder / "fine.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    timeout-minutes: 1\n    steps:\n"
        "      - run: echo hi\n",
        encoding="utf-8",
    )
    findings, files = run(tmp_path)
    assert files == (".github/workflows/broken.yml", ".github/workflows/fine.yml")
    broken = [f for f in findings if f.rule == "unreadable-workflow"]
    assert (
        len(broken) == 1 and broken[0].file == ".github/workflows/broken.yml" and broken[0].level == "error"
    )
    assert "not valid YAML" in broken[0].message and "\n" not in broken[0].message
    assert [f for f in findings if f.file.endswith("fine.yml") and f.level != "note"] == []


@pytest.mark.parametrize(
    ("permissions", "jobs", "expected"),
    [
        ("", "", {"permissions"}),  # neither the workflow nor the job: the repository default
        (
            "permissions:\n  contents: write\n",
            "  b:\n    runs-on: x\n    timeout-minutes: 1\n    steps: []\n",
            {"permissions"},
        ),
        ("permissions:\n  contents: write\n", "", set()),  # one job: the workflow's grant is the job's
        ("permissions: {}\n", "", set()),
    ],
    ids=["missing", "broad-write-for-all-jobs", "write-for-one-job", "none-granted"],
)
def test_permissions(tmp_path: Path, permissions: str, jobs: str, expected: set[str]) -> None:
    path = tmp_path / "w.yml"
    path.write_text(
        f"on: push\n{permissions}jobs:\n  a:\n    runs-on: x\n    timeout-minutes: 1\n    steps: []\n{jobs}",
        encoding="utf-8",
    )
    workflow = Workflow("w.yml", load_located(path, "w.yml"), tuple(path.read_text().splitlines()))
    found = {f.rule for f in audit([workflow]) if f.level != "note"}
    assert found == expected


def test_the_plans_current_pipeline_shows_the_soft_failures_it_lists() -> None:
    """Tasks 1.1 and 1.3: safety, bandit (also --exit-zero), pip-audit and mypy cannot fail the build."""
    current = FIXTURES.parent / "current_state"
    soft = {
        (f.rule, f.message.split("“")[1].split("”")[0])
        for f in _findings(current)
        if f.rule in ("soft-fail-step", "soft-fail-command")
    }
    assert soft == {
        ("soft-fail-step", "Mypy"),
        ("soft-fail-step", "Safety check"),
        ("soft-fail-step", "Bandit"),
        ("soft-fail-command", "Bandit"),
        ("soft-fail-step", "pip-audit"),
    }
