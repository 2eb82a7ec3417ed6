"""container: build the image and scan it with Trivy (HIGH and CRITICAL). Gate: no finding.

Trivy and a Docker engine exist on GitHub's runners, not on every machine (FIELD_NOTES: no
package installs Trivy here, and there is no Docker engine). Where either is missing the check
is `skipped` with that reason, never `passed`; the rubric then credits only the workflow's
blocking Trivy job, not a result.
"""

from __future__ import annotations

from collections.abc import Sequence

from cimaturity import proc
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.sarif import read_sarif

SARIF = "trivy.sarif"
IMAGE = "cimaturity-scan:latest"
ELSEWHERE = "the container-scan job runs it in GitHub Actions"


def _not_applicable(ctx: CheckContext) -> str | None:
    if not (ctx.root / ctx.config.dockerfile).is_file():
        return f"not applicable: no Dockerfile ({ctx.config.dockerfile} not found)"
    if proc.which("trivy", ctx.env) is None:
        return f"Trivy is not installed on this machine; {ELSEWHERE}"
    if proc.capture(["docker", "info", "--format", "{{.ServerVersion}}"], cwd=ctx.root, env=ctx.env) is None:
        return f"no Docker engine on this machine to build the image; {ELSEWHERE}"
    return None


def _commands(ctx: CheckContext) -> list[Command]:
    return [
        Command(("docker", "build", "-t", IMAGE, "-f", ctx.config.dockerfile, ".")),
        # --exit-code 0: Trivy's own exit says "ran"; the gate counts what the SARIF holds.
        Command(
            (
                "trivy",
                "image",
                "--format",
                "sarif",
                "--output",
                str(ctx.artifact(SARIF)),
                "--severity",
                "HIGH,CRITICAL",
                "--exit-code",
                "0",
                IMAGE,
            )
        ),
    ]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    results = read_sarif(ctx.artifact(SARIF), expected_tool="trivy")
    metrics = {"vulnerabilities": float(len(results))}
    if results:
        first = results[0]
        return Verdict.failed(
            f"{len(results)} HIGH/CRITICAL vulnerabilit(ies) in the image, first: {first.rule_id}", **metrics
        )
    return Verdict.passed("Trivy: no HIGH or CRITICAL vulnerability in the image", **metrics)


CONTAINER = Check(
    name="container",
    stage=Stage.SECURITY,
    summary="docker build, then Trivy on the image (SARIF); gate: no HIGH or CRITICAL vulnerability",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("docker", "trivy"),
    not_applicable=_not_applicable,
    version_argv=("trivy", "--version"),
    timeout_s=900.0,
)
