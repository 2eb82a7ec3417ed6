"""contract: the committed OpenAPI spec is valid, and the running service honours its schema.

Steps: `openapi-spec-validator docs/api_v2_spec.yaml`, then Schemathesis against the service
started on 127.0.0.1 (`[tool.cimaturity.service]`), reading the live `/openapi.json`, with a
fixed seed and example budget, JUnit XML out. The stateful phase is left out: it chains
operations for minutes and its budget is time, not examples (FIELD_NOTES).

Gate: the validator said OK; Schemathesis tested at least one operation and none failed, and
its exit code agrees with the XML. Drift between the app and the committed spec is the
project's own test (`python -m app.openapi_export --check` here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cimaturity.formats.junit import read_junit
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.tools import against_service

SPEC = "docs/api_v2_spec.yaml"
JUNIT = "schemathesis.xml"
MAX_EXAMPLES = 20  # per operation and phase; ~20 s for the 16 operations of app/ (2 cores)
SEED = 1
# Stateful too: sequences of linked calls (register -> log in -> buy -> read). It once seemed to
# hang the service; that was with_server reading its log from a pipe, since fixed.
PHASES = "examples,coverage,fuzzing,stateful"
_GENERATED = re.compile(r"(\d+) generated")


def _not_applicable(ctx: CheckContext) -> str | None:
    if ctx.config.service is None:
        return "not applicable: no web service declared ([tool.cimaturity.service])"
    return None


def _commands(ctx: CheckContext) -> list[Command]:
    if not (ctx.root / SPEC).is_file():
        raise ArtifactError(f"no OpenAPI spec at {SPEC}")
    return [
        Command(("openapi-spec-validator", SPEC), ok_exit_codes=frozenset({0, 1})),
        against_service(
            ctx,
            "schemathesis",
            "run",
            "{url}/openapi.json",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--phases",
            PHASES,
            "--report",
            "junit",
            "--report-junit-path",
            str(ctx.artifact(JUNIT)),
            ok_exit_codes=frozenset({0, 1}),
        ),
    ]


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else "(no output)"


def _failure_summary(text: str) -> str:
    """`ST108 Response violates schema: "x" is not of type "integer"` from a Schemathesis failure."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if line.startswith("- "):
            detail = lines[index + 1] if index + 1 < len(lines) else ""
            return f"{line[2:]}: {detail}"[:300] if detail else line[2:300]
    return _first_line(text)


def _spec_problem(outcome: CommandOutcome) -> Verdict | None:
    """None when the validator said OK; a failed verdict for an invalid spec; error for a crash."""
    output = outcome.output
    if "Traceback (most recent call last)" in output:
        raise ArtifactError(f"openapi-spec-validator crashed on {SPEC}; see log.txt")
    if outcome.exit_code == 0:
        if f"{SPEC}: OK" not in output:
            raise ArtifactError(f"openapi-spec-validator exited 0 without saying {SPEC}: OK; see log.txt")
        return None
    return Verdict.failed(f"{SPEC} is not a valid OpenAPI document: {_first_line(output)}")


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    invalid = _spec_problem(outcomes[0])
    if invalid is not None:
        return invalid
    fuzz = outcomes[1]
    report = read_junit(ctx.artifact(JUNIT))
    if report.tests == 0:
        raise ArtifactError(f"schemathesis tested nothing: {JUNIT} records no operation")
    if report.tests == report.skipped:
        raise ArtifactError(
            f"schemathesis tested nothing: all {report.tests} operation(s) in {JUNIT} were skipped"
        )
    if fuzz.exit_code == 0 and report.broken:
        raise ArtifactError(f"schemathesis exited 0 but {JUNIT} records {len(report.broken)} failure(s)")
    if fuzz.exit_code == 1 and not report.broken:
        raise ArtifactError(f"schemathesis exited 1 but {JUNIT} records no failure; see log.txt")
    generated = _GENERATED.search(fuzz.output)
    metrics = {
        "operations": float(report.tests - report.skipped),
        "skipped_operations": float(report.skipped),
        "failures": float(len(report.broken)),
    }
    if generated:
        metrics["test_cases"] = float(generated.group(1))
    if report.broken:
        first = report.broken[0]
        return Verdict.failed(
            f"{len(report.broken)} of {report.tests} operations break the contract, first: "
            f"{first.name}: {_failure_summary(first.text)}",
            **metrics,
        )
    cases = f" ({generated.group(1)} test cases)" if generated else ""
    return Verdict.passed(
        f"{SPEC} is valid; {report.tests} operations passed every schemathesis check{cases}, "
        f"-n {MAX_EXAMPLES} --seed {SEED}",
        **metrics,
    )


CONTRACT = Check(
    name="contract",
    stage=Stage.SERVICE,
    summary=(
        "openapi-spec-validator on the committed spec, then schemathesis against the running "
        "service; gate: spec valid, every operation conforms"
    ),
    commands=_commands,
    artifacts=(JUNIT,),
    gate=_gate,
    tools=("openapi-spec-validator", "schemathesis"),
    not_applicable=_not_applicable,
    version_argv=("schemathesis", "--version"),
    timeout_s=300.0,
    runs_project_code=True,
    extra="contract",
)
