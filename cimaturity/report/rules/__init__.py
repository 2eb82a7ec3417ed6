"""Evidence rules: small questions about workflow facts, project facts and run evidence.

Each rule is a function `(RuleContext, Params) -> RuleOutcome` paired by `@rule(...)` with the
parameters it accepts (validated when the rubric loads). Rules never read files and never score:
they say met / partial (with a fraction) / unmet / no evidence / not applicable, and why.

One module per thing the rules read: `workflow_rules` (the GitHub Actions workflows),
`project_rules` (the project's files and configuration), `evidence_rules` (the run's check
statuses and artifacts, each read as the check's own gate allows). `RULES` lists every rule here,
explicitly: adding a rule is one function and one line below.
"""

from __future__ import annotations

from collections.abc import Mapping

from cimaturity.report.rules import evidence_rules, project_rules, workflow_rules
from cimaturity.report.rules.actions import (
    ACTION_PLACEHOLDERS,
    DOCKERFILES,
    action_values,
    fill_action,
    placeholders_in,
)
from cimaturity.report.rules.model import (
    ParamKind,
    Params,
    ParamSpec,
    ParamValue,
    RuleContext,
    RuleDef,
    RuleFn,
    RuleOutcome,
    RuleStatus,
    rule,
)
from cimaturity.report.rules.project_rules import LIBRARY, SERVER_COMMANDS, service_signs
from cimaturity.report.rules.workflow_rules import deploy_jobs

WORKFLOW_RULES: tuple[RuleDef, ...] = (
    workflow_rules.triggers,
    workflow_rules.workflow_step,
    workflow_rules.workflow_steps_all_hard,
    workflow_rules.job_with_services,
    workflow_rules.job_environment,
    workflow_rules.secrets_history,
    workflow_rules.health_check_polling,
)
PROJECT_RULES: tuple[RuleDef, ...] = (
    project_rules.any_file,
    project_rules.requires_file,
    project_rules.requires_dependency,
    project_rules.requires_service,
    project_rules.requires_migrations,
    project_rules.requires_database,
    project_rules.required_checks_declared,
    project_rules.docs_match_jobs,
    project_rules.local_entry_point,
)
EVIDENCE_RULES: tuple[RuleDef, ...] = (
    evidence_rules.check_passed,
    evidence_rules.check_ran,
    evidence_rules.tests_passed,
    evidence_rules.coverage_at_least,
    evidence_rules.performance_within,
    evidence_rules.suppressions_at_most,
    evidence_rules.skipped_tests_at_most,
    evidence_rules.local_run_recorded,
)

RULES: Mapping[str, RuleDef] = {
    definition.name: definition for definition in (*WORKFLOW_RULES, *PROJECT_RULES, *EVIDENCE_RULES)
}

__all__ = [
    "ACTION_PLACEHOLDERS",
    "DOCKERFILES",
    "EVIDENCE_RULES",
    "LIBRARY",
    "PROJECT_RULES",
    "RULES",
    "SERVER_COMMANDS",
    "WORKFLOW_RULES",
    "ParamKind",
    "ParamSpec",
    "ParamValue",
    "Params",
    "RuleContext",
    "RuleDef",
    "RuleFn",
    "RuleOutcome",
    "RuleStatus",
    "action_values",
    "deploy_jobs",
    "fill_action",
    "placeholders_in",
    "rule",
    "service_signs",
]
