"""dockerfile: hadolint as SARIF. Gate: no error-level finding; skipped when there is no Dockerfile."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cimaturity.checks.suppressions import count_matches
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.sarif import read_sarif

SARIF = "hadolint.sarif"
_PRAGMA = re.compile(r"#\s*hadolint\s+(?:global\s+)?ignore=")
_INSTRUCTION = re.compile(r"^\s*[A-Za-z]+\b")


def _not_applicable(ctx: CheckContext) -> str | None:
    if (ctx.root / ctx.config.dockerfile).is_file():
        return None
    return f"not applicable: no Dockerfile ({ctx.config.dockerfile} not found)"


def _commands(ctx: CheckContext) -> list[Command]:
    # --no-fail: exit 0 whatever it finds, so any other exit code is a crash (an unreadable
    # file exits 1); the gate judges the levels in the SARIF.
    output = str(ctx.artifact(SARIF))
    return [Command(("hadolint", "--no-fail", "--format", "sarif", "-o", output, ctx.config.dockerfile))]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(SARIF)
    results = read_sarif(path, expected_tool="hadolint")
    dockerfile = ctx.root / ctx.config.dockerfile
    lines = dockerfile.read_text(encoding="utf-8", errors="replace").splitlines()
    by_level = {level: [r for r in results if r.level == level] for level in ("error", "warning", "note")}
    metrics = {
        "errors": float(len(by_level["error"])),
        "warnings": float(len(by_level["warning"])),
        "notes": float(len(results) - len(by_level["error"]) - len(by_level["warning"])),
        "suppressions": float(count_matches([dockerfile], _PRAGMA)),
    }
    if not any(_INSTRUCTION.match(line) and not line.lstrip().startswith("#") for line in lines):
        # hadolint reports nothing on an empty file; nothing linted is not a clean Dockerfile.
        return Verdict.failed(f"{ctx.config.dockerfile} has no instruction", **metrics)
    errors = by_level["error"]
    if errors:
        first = errors[0]
        where = f"{ctx.config.dockerfile}:{first.line}" if first.line is not None else ctx.config.dockerfile
        message = first.message.splitlines()[0] if first.message else ""
        return Verdict.failed(
            f"{len(errors)} error-level hadolint finding(s), first: {first.rule_id} {where} {message}",
            **metrics,
        )
    return Verdict.passed(
        f"no error-level finding in {ctx.config.dockerfile} "
        f"({len(by_level['warning'])} warning(s), {int(metrics['notes'])} note(s))",
        **metrics,
    )


DOCKERFILE = Check(
    name="dockerfile",
    stage=Stage.FAST,
    summary="hadolint as SARIF; gate: no error-level finding; skipped without a Dockerfile",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("hadolint",),
    not_applicable=_not_applicable,
    version_argv=("hadolint", "--version"),
    timeout_s=60.0,
)
