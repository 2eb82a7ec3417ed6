"""secrets: detect-secrets over the tracked files and every commit in git history (SARIF).

Gate: zero unaudited secrets. Entries of the baseline (`secrets_baseline`, detect-secrets'
format) audited as false positives are suppressions: counted, shown, never failures.
The scan itself is `cimaturity.tools.secrets_history` (detect-secrets has no history mode).

History belongs to the repository, so the scan covers the whole repository even for a project
in a subfolder (`--project backend`): it runs at the git root and names files from there. The
baseline is looked up in the project folder first, then at the git root. A shallow clone has
incomplete history: no finding there is no evidence (error), a finding is still a failure.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cimaturity.artifacts import COUNT, json_int
from cimaturity.formats.sarif import SarifRun, read_sarif
from cimaturity.layout import layout_of
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.tools import helper_command

SARIF = "secrets.sarif"
SHALLOW = "shallow clone: history incomplete, fetch with --unshallow / fetch-depth: 0"


def _not_applicable(ctx: CheckContext) -> str | None:
    if layout_of(ctx.root).in_git:
        return None
    return "not applicable: not a git repository (the secrets scan covers git history)"


def baseline_in_repository(ctx: CheckContext) -> str | None:
    """The baseline as the repository names it: in the project folder first, then the git root."""
    layout = layout_of(ctx.root)
    for folder in (layout.project, layout.repo):
        path = (folder / ctx.config.secrets_baseline).resolve()
        if path.is_file():
            return path.relative_to(layout.repo).as_posix() if path.is_relative_to(layout.repo) else str(path)
    return None


def _commands(ctx: CheckContext) -> list[Command]:
    baseline = baseline_in_repository(ctx)
    options = ("--baseline", baseline) if baseline else ()
    sarif = str(ctx.artifact(SARIF).resolve())
    command = helper_command("secrets_history", "--sarif", sarif, *options, env=ctx.env)
    return [dataclasses.replace(command, cwd=layout_of(ctx.root).repo)]


def _run_properties(path: Path, runs: tuple[SarifRun, ...]) -> dict[str, Any]:
    properties = runs[0].properties
    if "commits_scanned" not in properties:
        raise ArtifactError(f"{path}: no 'commits_scanned' in run properties; history was not scanned")
    json_int(properties["commits_scanned"], path, "runs[0].properties.commits_scanned", COUNT)
    if not isinstance(properties.get("shallow"), bool):
        raise ArtifactError(f"{path}: no 'shallow' in run properties; history may be incomplete")
    return dict(properties)


def _scope(ctx: CheckContext, scope: dict[str, Any]) -> str:
    """`3 commit(s) and the working tree` (of the whole repository, for a project in a subfolder)."""
    where = f"{int(scope['commits_scanned'])} commit(s) and the working tree"
    subfolder = layout_of(ctx.root).subfolder
    if subfolder:
        where += f" of the whole repository (paths from its root; the project is {subfolder}/)"
    return where


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(SARIF)
    log = read_sarif(path, expected_tool="detect-secrets")
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
    where = _scope(ctx, scope)
    if unaudited:
        first = unaudited[0]
        commit = first.properties.get("commit")
        origin = "working tree" if first.properties.get("in_working_tree") else f"commit {str(commit)[:12]}"
        shallow = f"; {SHALLOW}" if scope["shallow"] else ""
        return Verdict.failed(
            f"{len(unaudited)} unaudited potential secret(s) in {where} "
            f"({len(in_history_only)} only in history), first: {first.rule_id} {first.file}:{first.line} "
            f"({origin}); value redacted{shallow}",
            **metrics,
        )
    if scope["commits_scanned"] < 1:
        return Verdict.error(f"the history scan examined no commit ({where})", **metrics)
    if scope["shallow"]:
        # Nothing found in part of the history is no evidence about the rest.
        return Verdict.error(f"{SHALLOW} (scanned only {where}; nothing found there)", **metrics)
    baseline = scope.get("baseline")
    audit = (
        f"{len(audited)} audited false positive(s) in {baseline}"
        if baseline
        else f"no {ctx.config.secrets_baseline}"
    )
    return Verdict.passed(f"no unaudited secret in {where} ({audit})", **metrics)


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
