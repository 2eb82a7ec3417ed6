"""cimaturity's own workflow rules: what the plan's reviewers look for and the linters do not.

Each rule is an `AuditRule` (id, level, what it finds, a function over the audited workflows);
`RULES` lists them all, explicitly. A finding names its file and line. A comment
`# cimaturity: ignore[<rule-id>]` on the finding's line (or the line of the key it is about)
keeps the finding in the report as suppressed.

Levels: `error` can break the pipeline's promise (a check that cannot fail, code injection,
a mutable action); `warning` weakens it (no timeout, a fixed sleep, an image by tag); `note`
is advice (a job the plan asks for and the workflows lack).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from cimaturity.audit import detect
from cimaturity.audit.located import Located

Level = Literal["error", "warning", "note"]

_SHA = re.compile(r"^[0-9a-f]{40}$")
_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)
_UNTRUSTED = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bgithub\.head_ref\b",
        r"\bgithub\.event\.(?:issue|pull_request|discussion)\.(?:title|body)\b",
        r"\bgithub\.event\.(?:comment|review|review_comment|discussion_comment)\.body\b",
        r"\bgithub\.event\.pull_request\.head\.(?:ref|label|repo\.default_branch)\b",
        r"\bgithub\.event\.(?:head_commit|commits\b[^}]*?)\.(?:message|(?:author|committer)\.(?:email|name))\b",
        r"\bgithub\.event\.pages\b[^}]*?\.page_name\b",
        r"\bgithub\.event\.workflow_run\.(?:head_branch|display_title|head_commit\.message)\b",
    )
)
_SECRET = re.compile(r"\bsecrets\.(\w+)")
_PR_HEAD = re.compile(r"github\.event\.pull_request\.head\.|github\.head_ref|refs/pull/")
# Steps whose own failure does not decide whether the code is good: continue-on-error is fine.
_NOT_GATING_ACTIONS = (
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/cache",
    "actions/github-script",
    "github/codeql-action/upload-sarif",
    "codecov/codecov-action",
    "coverallsapp/github-action",
)


@dataclass(frozen=True)
class Workflow:
    file: str  # relative to the repository root
    document: Located
    source: tuple[str, ...]  # the file's lines, for ignore comments
    # per job id, what the job runs including what its steps reach (tox envs, pre-commit hooks,
    # scripts: `cimaturity.report.workflows`); empty: only the workflow's own text is known
    job_work: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    level: Level
    message: str
    file: str
    line: int
    suppressed: bool = False


@dataclass(frozen=True)
class Hit:
    """What a rule function yields: the rule adds its id and level (unless `level` overrides it)."""

    message: str
    file: str
    line: int
    level: Level | None = None


@dataclass(frozen=True)
class AuditRule:
    id: str
    level: Level
    summary: str
    find: Callable[[Sequence[Workflow]], Iterator[Hit]]


def audit(workflows: Sequence[Workflow]) -> list[Finding]:
    """Every rule's findings over `workflows`, ignore comments applied, in file/line order."""
    found = [
        _suppress(Finding(rule.id, hit.level or rule.level, hit.message, hit.file, hit.line), workflows)
        for rule in RULES
        for hit in rule.find(workflows)
    ]
    return sorted(found, key=lambda f: (f.file, f.line, f.rule))


def _suppress(finding: Finding, workflows: Sequence[Workflow]) -> Finding:
    marker = f"cimaturity: ignore[{finding.rule}]"
    workflow = next((w for w in workflows if w.file == finding.file), None)
    if workflow is None or not 0 < finding.line <= len(workflow.source):
        return finding
    return replace(finding, suppressed=True) if marker in workflow.source[finding.line - 1] else finding


# --- walking a workflow ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    workflow: Workflow
    job_id: str
    index: int
    node: Located

    def value(self, key: str) -> str | None:
        found = self.node.get(key)
        return found.text() if found is not None else None

    @property
    def label(self) -> str:
        name = self.value("name") or self.value("uses") or (self.value("run") or "").strip().split("\n")[0]
        return f"job `{self.job_id}` step “{name[:60]}”"


def _jobs(workflow: Workflow) -> Iterator[tuple[str, Located]]:
    jobs = workflow.document.get("jobs")
    for job_id, job in (jobs.mapping() if jobs is not None else {}).items():
        if isinstance(job.value, dict):
            yield job_id, job


def _steps(workflow: Workflow) -> Iterator[_Step]:
    for job_id, job in _jobs(workflow):
        steps = job.get("steps")
        for index, step in enumerate(steps.items() if steps is not None else []):
            if isinstance(step.value, dict):
                yield _Step(workflow, job_id, index, step)


def _true(node: Located | None) -> bool:
    return node is not None and (node.text() or "").strip().lower() == "true"


def _hit(message: str, workflow: Workflow, line: int, level: Level | None = None) -> Hit:
    return Hit(message, workflow.file, line, level)


def _triggers(workflow: Workflow) -> set[str]:
    on = workflow.document.get("on")
    if on is None:
        return set()
    if isinstance(on.value, str):
        return {on.value}
    if isinstance(on.value, list):
        return {item.text() or "" for item in on.items()}
    return set(on.mapping())


def _each(
    find: Callable[[Workflow], Iterator[Hit]],
) -> Callable[[Sequence[Workflow]], Iterator[Hit]]:
    def over(workflows: Sequence[Workflow]) -> Iterator[Hit]:
        for workflow in workflows:
            yield from find(workflow)

    return over


# --- the rules ------------------------------------------------------------------------------


def _soft_fail_step(workflow: Workflow) -> Iterator[Hit]:
    for job_id, job in _jobs(workflow):
        flag = job.get("continue-on-error")
        if _true(flag) and flag is not None:
            yield _hit(
                f"job `{job_id}` has continue-on-error: true: none of its checks can fail the workflow",
                workflow,
                flag.key_line,
            )
    steps = list(_steps(workflow))
    for step in steps:
        flag = step.node.get("continue-on-error")
        if not _true(flag) or flag is None or not _gating(step):
            continue
        later = [s for s in steps if s.job_id == step.job_id and s.index > step.index]
        step_id = step.value("id")
        if step_id and any(detect.reraises(step_id, s.value("if"), s.value("run")) for s in later):
            continue
        yield _hit(
            f"{step.label} has continue-on-error: true: its failure cannot fail the job",
            workflow,
            flag.key_line,
        )


def _gating(step: _Step) -> bool:
    uses = step.value("uses")
    if uses is not None:
        return not uses.split("@")[0].startswith(_NOT_GATING_ACTIONS)
    return step.value("run") is not None


def _soft_fail_command(workflow: Workflow) -> Iterator[Hit]:
    for step in _steps(workflow):
        run = step.node.get("run")
        if run is not None and run.text():
            for marker in detect.soft_markers(run.text() or ""):
                yield _hit(
                    f"{step.label}: `{marker.command}` {marker.marker} swallows the check's failure",
                    workflow,
                    run.line_of(marker.line_index),
                )
        inputs = step.node.get("with")
        exit_code = inputs.get("exit-code") if inputs is not None else None
        if exit_code is not None and (exit_code.text() or "").strip() == "0":
            yield _hit(
                f"{step.label}: exit-code: 0 makes the scan pass whatever it finds",
                workflow,
                exit_code.key_line,
            )


def _unpinned_action(workflow: Workflow) -> Iterator[Hit]:
    places: list[tuple[str, Located]] = []
    for job_id, job in _jobs(workflow):
        uses = job.get("uses")
        if uses is not None:
            places.append((f"job `{job_id}`", uses))
    for step in _steps(workflow):
        uses = step.node.get("uses")
        if uses is not None:
            places.append((step.label, uses))
    for label, uses in places:
        reference = (uses.text() or "").strip()
        problem = _pin_problem(reference)
        if problem:
            yield _hit(
                f"{label}: `{reference}` {problem}; pin it to a full commit SHA (the version in a comment)",
                workflow,
                uses.line,
            )


def _pin_problem(reference: str) -> str:
    if reference.startswith("./") or "${{" in reference:
        return ""  # a local action or reusable workflow: it comes with the commit
    if reference.startswith("docker://"):
        return "" if "@sha256:" in reference else "is an image by tag"
    ref = reference.partition("@")[2]
    if not ref:
        return "has no version"
    return "" if _SHA.match(ref) else f"follows the mutable ref `{ref}`"


def _unpinned_image(workflow: Workflow) -> Iterator[Hit]:
    for job_id, job in _jobs(workflow):
        images: list[tuple[str, Located]] = []
        container = job.get("container")
        if container is not None:
            image = container.get("image") if isinstance(container.value, dict) else container
            if image is not None:
                images.append(("container", image))
        services = job.get("services")
        for name, service in (services.mapping() if services is not None else {}).items():
            image = service.get("image") if isinstance(service.value, dict) else service
            if image is not None:
                images.append((f"service `{name}`", image))
        for what, image in images:
            reference = (image.text() or "").strip()
            if reference and "${{" not in reference and "@sha256:" not in reference:
                yield _hit(
                    f"job `{job_id}` {what}: image `{reference}` is not pinned by digest (`@sha256:...`)",
                    workflow,
                    image.line,
                )


def _missing_timeout(workflow: Workflow) -> Iterator[Hit]:
    for job_id, job in _jobs(workflow):
        if job.get("uses") is None and job.get("timeout-minutes") is None:
            yield _hit(
                f"job `{job_id}` has no timeout-minutes: a hung step holds a runner for 6 hours",
                workflow,
                job.key_line,
            )


def _permissions(workflow: Workflow) -> Iterator[Hit]:
    top = workflow.document.get("permissions")
    jobs = list(_jobs(workflow))
    for where, node in [
        ("the workflow", top),
        *((f"job `{job_id}`", job.get("permissions")) for job_id, job in jobs),
    ]:
        if node is not None and (node.text() or "").strip() == "write-all":
            yield _hit(
                f"{where} grants write-all: every scope of the token", workflow, node.key_line, "error"
            )
    if top is None:
        for job_id, job in jobs:
            if job.get("permissions") is None and job.get("uses") is None:
                yield _hit(
                    f"job `{job_id}` sets no permissions and neither does the workflow: its token gets "
                    "the repository's default (read-write on older repositories)",
                    workflow,
                    job.key_line,
                )
        return
    if len(jobs) > 1:
        for scope, value in top.mapping().items():
            if (value.text() or "").strip() == "write":
                yield _hit(
                    f"the workflow grants `{scope}: write` to all {len(jobs)} jobs; grant it where needed",
                    workflow,
                    value.key_line,
                )


def _fixed_sleep(workflow: Workflow) -> Iterator[Hit]:
    for step in _steps(workflow):
        run = step.node.get("run")
        if run is None:
            continue
        for sleep in detect.fixed_sleeps(run.text() or ""):
            yield _hit(
                f"{step.label}: `sleep {sleep.seconds:g}` waits a fixed time instead of polling "
                "until the thing is ready (retries with a timeout)",
                workflow,
                run.line_of(sleep.line_index),
            )


def _pr_target_checkout(workflow: Workflow) -> Iterator[Hit]:
    if "pull_request_target" not in _triggers(workflow):
        return
    for step in _steps(workflow):
        uses = step.value("uses") or ""
        inputs = step.node.get("with")
        ref = inputs.get("ref") if inputs is not None else None
        if uses.startswith("actions/checkout") and ref is not None and _PR_HEAD.search(ref.text() or ""):
            yield _hit(
                f"{step.label} checks out the pull request's code in a pull_request_target workflow, "
                "which runs with the base repository's secrets and write token",
                workflow,
                ref.line,
            )


def _run_expressions(workflow: Workflow) -> Iterator[tuple[_Step, str, int]]:
    """Every `${{ }}` inside a step's run: (the step, the expression, its file line)."""
    for step in _steps(workflow):
        run = step.node.get("run")
        if run is None:
            continue
        for index, line in enumerate((run.text() or "").splitlines()):
            for match in _EXPRESSION.finditer(line):
                yield step, match.group(1).strip(), run.line_of(index)


def _untrusted_expression(workflow: Workflow) -> Iterator[Hit]:
    for step, expression, line in _run_expressions(workflow):
        if any(pattern.search(expression) for pattern in _UNTRUSTED):
            yield _hit(
                f"{step.label}: `${{{{ {expression} }}}}` inside run: is attacker-controlled text pasted "
                "into the script; pass it through env: and quote the variable",
                workflow,
                line,
            )


def _secret_in_run(workflow: Workflow) -> Iterator[Hit]:
    for step, expression, line in _run_expressions(workflow):
        if secret := _SECRET.search(expression):
            yield _hit(
                f"{step.label}: secret `{secret.group(1)}` is pasted into the script; pass it through "
                "env: so it never becomes part of the command text",
                workflow,
                line,
            )


@dataclass(frozen=True)
class PlanJob:
    """A job the plan asks for: present when a job has one of `ids`, or runs what `patterns` match."""

    name: str
    ids: tuple[str, ...]
    patterns: tuple[str, ...]


PLAN_JOBS: tuple[PlanJob, ...] = (
    PlanJob("lint", ("lint",), (r"\bruff\b", r"\bflake8\b", r"\bpylint\b", r"\binvoke\s+lint\b")),
    PlanJob(
        "test", ("test", "tests", "unit-tests"), (r"\bpytest\b", r"\btox\b", r"\bnox\b", r"\binvoke\s+test\b")
    ),
    PlanJob(
        "security",
        ("security", "sast", "codeql"),
        (r"\bbandit\b", r"codeql-action/analyze", r"\bsemgrep\b", r"\bsast\b"),
    ),
    PlanJob("container-scan", ("container-scan",), (r"\btrivy\b", r"\bgrype\b")),
    PlanJob("integration", ("integration",), (r"integration",)),
    PlanJob("e2e-smoke", ("e2e", "e2e-smoke"), (r"\bplaywright\b", r"\be2e\b", r"\bselenium\b")),
    PlanJob("migration-test", ("migration-test", "migrations"), (r"alembic\s+upgrade", r"\bmigrat")),
    PlanJob(
        "contract-tests",
        ("contract-tests", "contract"),
        (r"\bschemathesis\b", r"openapi-spec-validator", r"\bcontract\b"),
    ),
    PlanJob("performance", ("performance", "load"), (r"\blocust\b", r"\bk6\b", r"\bperformance\b")),
    PlanJob(
        "secrets-scan",
        ("secrets-scan", "secrets"),
        # `secrets` alone is every `${{ secrets.X }}`: only cimaturity's own check counts
        (r"\bgitleaks\b", r"\btrufflehog\b", r"detect-secrets", r"\binvoke\s+(?:ci\b[^\n]*[\s,=])?secrets\b"),
    ),
    PlanJob("dependency-review", ("dependency-review",), (r"dependency-review-action",)),
    PlanJob("deploy-staging", ("deploy-staging",), ()),
)


def _missing_plan_jobs(workflows: Sequence[Workflow]) -> Iterator[Hit]:
    if not workflows:
        return
    jobs = [(job_id, job) for workflow in workflows for job_id, job in _jobs(workflow)]
    work = [
        " ".join(filter(None, (s.value("uses"), s.value("run"))))
        for workflow in workflows
        for s in _steps(workflow)
    ] + [text for workflow in workflows for text in workflow.job_work.values()]
    staging = any("staging" in _environment(job).lower() for _, job in jobs)
    for wanted in PLAN_JOBS:
        present = (
            any(job_id in wanted.ids for job_id, _ in jobs)
            or any(re.search(pattern, text, re.IGNORECASE) for pattern in wanted.patterns for text in work)
            or (wanted.name == "deploy-staging" and staging)
        )
        if not present:
            yield _hit(
                f"no `{wanted.name}` job (the plan's pipeline has one) in any workflow", workflows[0], 1
            )


def _environment(job: Located) -> str:
    environment = job.get("environment")
    if environment is None:
        return ""
    name = environment.get("name") if isinstance(environment.value, dict) else environment
    return (name.text() or "") if name is not None else ""


RULES: tuple[AuditRule, ...] = (
    AuditRule(
        "soft-fail-step", "error", "continue-on-error on a job or a gating step", _each(_soft_fail_step)
    ),
    AuditRule(
        "soft-fail-command",
        "error",
        "--exit-zero, || true, || echo or exit-code: 0 after a check",
        _each(_soft_fail_command),
    ),
    AuditRule(
        "unpinned-action",
        "error",
        "an action or reusable workflow not pinned to a commit SHA",
        _each(_unpinned_action),
    ),
    AuditRule(
        "unpinned-image",
        "warning",
        "a container or service image not pinned by digest",
        _each(_unpinned_image),
    ),
    AuditRule("missing-timeout", "warning", "a job without timeout-minutes", _each(_missing_timeout)),
    AuditRule("permissions", "warning", "missing or broad token permissions", _each(_permissions)),
    AuditRule(
        "fixed-sleep", "warning", "a fixed sleep standing in for a readiness check", _each(_fixed_sleep)
    ),
    AuditRule(
        "pr-target-checkout",
        "error",
        "pull_request_target checking out the pull request's code",
        _each(_pr_target_checkout),
    ),
    AuditRule(
        "untrusted-expression",
        "error",
        "attacker-controlled ${{ }} inside run:",
        _each(_untrusted_expression),
    ),
    AuditRule("secret-in-run", "warning", "a secret pasted into a run: script", _each(_secret_in_run)),
    AuditRule(
        "missing-plan-job", "note", "a job the plan's pipeline has and the workflows lack", _missing_plan_jobs
    ),
)
