"""secrets: detect-secrets over the tracked files and every commit in git history (SARIF).

Gate: zero unaudited secrets. Entries of the baseline (`secrets_baseline`, detect-secrets'
format) audited as false positives are suppressions: counted, shown, never failures.
The scan itself is `cimaturity.tools.secrets_history` (detect-secrets has no history mode).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.sarif import read_sarif_log
from cimaturity.tools import helper_command

SARIF = "secrets.sarif"


def _not_applicable(ctx: CheckContext) -> str | None:
    if (ctx.root / ".git").exists():
        return None
    return "not applicable: not a git repository (the secrets scan covers git history)"


def _commands(ctx: CheckContext) -> list[Command]:
    return [
        helper_command(
            "secrets_history",
            "--sarif",
            str(ctx.artifact(SARIF)),
            "--baseline",
            ctx.config.secrets_baseline,
            env=ctx.env,
        )
    ]


def _run_properties(path: Path, runs: list[dict[str, Any]]) -> dict[str, Any]:
    properties = runs[0].get("properties") or {}
    if "commits_scanned" not in properties:
        raise ArtifactError(f"{path}: no 'commits_scanned' in run properties; history was not scanned")
    return dict(properties)


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(SARIF)
    log = read_sarif_log(path, expected_tool="detect-secrets")
    results = log.results
    scope = _run_properties(path, log.runs)
    audited = [r for r in results if r.properties.get("audited") is True]
    unaudited = [r for r in results if r.properties.get("audited") is not True]
    in_history_only = [r for r in unaudited if not r.properties.get("in_working_tree")]
    metrics = {
        "secrets": float(len(results)),
        "unaudited_secrets": float(len(unaudited)),
        "history_only_secrets": float(len(in_history_only)),
        "suppressions_baseline": float(len(audited)),
        "commits_scanned": float(scope["commits_scanned"]),
        "baseline_entries": float(scope.get("baseline_entries") or 0),
    }
    where = f"{int(scope['commits_scanned'])} commit(s) and the working tree"
    if unaudited:
        first = unaudited[0]
        commit = first.properties.get("commit")
        origin = "working tree" if first.properties.get("in_working_tree") else f"commit {str(commit)[:12]}"
        return Verdict.failed(
            f"{len(unaudited)} unaudited potential secret(s) in {where} "
            f"({len(in_history_only)} only in history), first: {first.rule_id} {first.file}:{first.line} "
            f"({origin}); value redacted",
            **metrics,
        )
    return Verdict.passed(
        f"no unaudited secret in {where} ({len(audited)} audited false positive(s) in "
        f"{ctx.config.secrets_baseline})",
        **metrics,
    )


SECRETS = Check(
    name="secrets",
    stage=Stage.SECURITY,
    summary="detect-secrets over the tracked files and all git history (SARIF, redacted); "
    "gate: zero unaudited secrets",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("detect-secrets", "git"),
    not_applicable=_not_applicable,
    version_argv=("detect-secrets", "--version"),
    timeout_s=300.0,
)
