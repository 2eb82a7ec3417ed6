"""lint: ruff check (SARIF) and ruff format --check. Gate: zero violations, nothing to reformat."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.sarif import read_sarif

SARIF = "ruff.sarif"
_UNFORMATTED = re.compile(r"^(\S+?):\d+:\d+: unformatted:", re.MULTILINE)


def _paths(ctx: CheckContext) -> tuple[str, ...]:
    return ctx.config.existing((*ctx.config.source_paths, *ctx.config.test_paths))


def _not_applicable(ctx: CheckContext) -> str | None:
    return None if _paths(ctx) else "not applicable: no source or test paths exist"


def _commands(ctx: CheckContext) -> list[Command]:
    paths = _paths(ctx)
    return [
        # ruff exits 1 when it found violations: the gate counts them from the SARIF.
        Command(
            ("ruff", "check", "--output-format", "sarif", "-o", str(ctx.artifact(SARIF)), *paths),
            ok_exit_codes=frozenset({0, 1}),
        ),
        Command(
            ("ruff", "format", "--check", "--output-format", "concise", *paths),
            ok_exit_codes=frozenset({0, 1}),
        ),
    ]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    path = ctx.artifact(SARIF)
    results = read_sarif(path, expected_tool="ruff")
    unformatted = [match.group(1) for match in _UNFORMATTED.finditer(outcomes[1].output)]
    if outcomes[1].exit_code != 0 and not unformatted:
        return Verdict.error(f"ruff format --check exited {outcomes[1].exit_code} without naming a file")
    metrics = {"violations": float(len(results)), "unformatted_files": float(len(unformatted))}
    problems = []
    if results:
        problems.append(f"{len(results)} ruff violation(s), first: {results[0].rule_id} {results[0].file}")
    if unformatted:
        problems.append(f"{len(unformatted)} file(s) need formatting, first: {unformatted[0]}")
    if problems:
        return Verdict.failed("; ".join(problems), **metrics)
    return Verdict.passed(f"no violations in {len(_paths(ctx))} path(s); formatting clean", **metrics)


LINT = Check(
    name="lint",
    stage=Stage.FAST,
    summary="ruff check (SARIF) and ruff format --check; gate: zero violations",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("ruff",),
    not_applicable=_not_applicable,
    version_argv=("ruff", "--version"),
    timeout_s=120.0,
)
