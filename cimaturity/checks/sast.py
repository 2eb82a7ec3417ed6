"""sast: bandit over the source paths, as SARIF. Gate: no finding at MEDIUM severity or above.

bandit exits 0 on a missing path and on files it cannot parse (upstream #575, #1326), so the
gate reads the SARIF's tool notifications and turns any skipped file into `error`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cimaturity.artifacts import COUNT, json_int
from cimaturity.checks.suppressions import python_files
from cimaturity.formats.sarif import SarifResult, read_sarif
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.tools import helper_command

SARIF = "bandit.sarif"
SEVERITIES = ("UNDEFINED", "LOW", "MEDIUM", "HIGH")
GATE_SEVERITY = "MEDIUM"


@dataclass(frozen=True)
class BanditRun:
    """What one bandit SARIF says: results, files it could not scan, and suppressions."""

    results: tuple[SarifResult, ...]
    skipped: tuple[tuple[str, str], ...]  # (file, bandit's reason)
    nosec: int  # results bandit hid for a no-security-check comment (its own count)


def _paths(ctx: CheckContext) -> tuple[str, ...]:
    return ctx.config.existing(ctx.config.source_paths)


def _not_applicable(ctx: CheckContext) -> str | None:
    if _paths(ctx):
        return None
    return f"not applicable: none of the source paths exist ({', '.join(ctx.config.source_paths)})"


def _commands(ctx: CheckContext) -> list[Command]:
    # bandit exits 1 when it reports findings; the gate judges them from the SARIF. Run through a
    # helper that keeps bandit's SARIF formatter from crashing on a long literal (bandit#1311).
    return [
        helper_command(
            "bandit",
            "-r",
            *_paths(ctx),
            "-f",
            "sarif",
            "-o",
            str(ctx.artifact(SARIF)),
            ok_exit_codes=frozenset({0, 1}),
            env=ctx.env,
        )
    ]


def severity(result: SarifResult) -> str:
    return str(result.properties.get("issue_severity", "UNDEFINED")).upper()


def at_or_above(level: str, threshold: str = GATE_SEVERITY) -> bool:
    rank = {name: index for index, name in enumerate(SEVERITIES)}
    return rank.get(level, rank["HIGH"]) >= rank[threshold]  # an unknown severity counts as high


def load_bandit(path: Path) -> BanditRun:
    """Parse bandit's SARIF; raises ArtifactError naming the file when it is not bandit's SARIF."""
    log = read_sarif(path, expected_tool="bandit")
    skipped: list[tuple[str, str]] = []
    nosec = 0
    for index, run in enumerate(log.runs):
        skipped.extend((note.file, note.message) for note in run.notifications)
        if run.execution_failed and not run.notifications:
            skipped.append(("?", "bandit reported executionSuccessful=false"))
        metrics = run.properties.get("metrics")
        totals = metrics.get("_totals") if isinstance(metrics, dict) else None
        if isinstance(totals, dict):
            for name in ("nosec", "skipped_tests"):
                field = f"runs[{index}].properties.metrics._totals.{name}"
                nosec += json_int(totals.get(name, 0), path, field, COUNT)
    return BanditRun(log.results, tuple(skipped), nosec)


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    run = load_bandit(ctx.artifact(SARIF))
    scanned = sum(1 for _ in python_files(ctx.root, _paths(ctx)))
    if scanned == 0:
        # bandit exits 0 over folders without Python: a clean report of nothing is no evidence.
        return Verdict.error(
            f"no Python file in the source paths ({', '.join(_paths(ctx))}): nothing was scanned"
        )
    blocking = [result for result in run.results if at_or_above(severity(result))]
    metrics = {
        "findings": float(len(run.results)),
        "blocking_findings": float(len(blocking)),
        "skipped_files": float(len(run.skipped)),
        "files_scanned": float(scanned),
        "suppressions_nosec": float(run.nosec),
        **{
            f"severity_{level.lower()}": float(sum(severity(r) == level for r in run.results))
            for level in SEVERITIES
        },
    }
    if run.skipped:
        file, why = run.skipped[0]
        return Verdict.error(
            f"bandit could not scan {len(run.skipped)} file(s), first: {file}: {why}", **metrics
        )
    said = outcomes[0].exit_code if outcomes else 0
    if (said == 1) != bool(run.results):  # bandit exits 1 exactly when it reports a finding
        return Verdict.error(
            f"bandit exited {said} but {SARIF} records {len(run.results)} finding(s)", **metrics
        )
    if blocking:
        first = blocking[0]
        return Verdict.failed(
            f"{len(blocking)} bandit finding(s) at {GATE_SEVERITY} or above, first: "
            f"{first.rule_id} ({severity(first)}) {first.file}:{first.line}",
            **metrics,
        )
    return Verdict.passed(
        f"no finding at {GATE_SEVERITY}+ in {scanned} file(s) of {len(_paths(ctx))} path(s) "
        f"({len(run.results)} below {GATE_SEVERITY}, {run.nosec} hidden by # nosec)",
        **metrics,
    )


SAST = Check(
    name="sast",
    stage=Stage.SECURITY,
    summary="bandit (SARIF) over the source paths; gate: no finding at MEDIUM severity or above",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("bandit",),
    not_applicable=_not_applicable,
    version_argv=("bandit", "--version"),
    timeout_s=300.0,
)
