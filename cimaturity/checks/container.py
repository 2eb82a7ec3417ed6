"""container: build the image and scan it with Trivy (HIGH and CRITICAL). Gate: no finding.

Trivy and a Docker engine exist on GitHub's runners, not on every machine (FIELD_NOTES: no
package installs Trivy here, and there is no Docker engine). The check declares that it runs
elsewhere: where either is missing the runner records it `skipped` with that reason, never
`passed` (and `error` inside GitHub Actions); the rubric then credits only the workflow's
blocking Trivy job, not a result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath

from cimaturity.checks.dockerfile import configured_dockerfile, find_dockerfiles, reports_folder
from cimaturity.formats.sarif import read_sarif
from cimaturity.layout import layout_of
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Probe, Stage, Verdict

SARIF = "trivy.sarif"
IMAGE = "cimaturity-scan:latest"
ELSEWHERE = "the container-scan job runs it in GitHub Actions"
# A folder holding one of these is a sub-project: its image is built with `--project FOLDER`.
PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "manage.py", "alembic.ini")


def _not_applicable(ctx: CheckContext) -> str | None:
    dockerfile = ctx.config.dockerfile
    if not (ctx.root / dockerfile).is_file():
        return _no_dockerfile(ctx)
    return None


def _no_dockerfile(ctx: CheckContext) -> str:
    """Why there is nothing to build here, and where the Dockerfiles are when they are elsewhere."""
    missing = f"not applicable: no Dockerfile ({ctx.config.dockerfile} not found)"
    explicit = configured_dockerfile(ctx.config) is not None
    found = () if explicit else find_dockerfiles(ctx.root, reports_folder(ctx))
    if not found:
        return missing
    here = f"not applicable at {_place(ctx)}"
    folders = sorted({_folder(name) for name in found if _in_subproject(ctx, name)})
    if not folders:
        listing = ", ".join(found)
        return f"{here}: no {ctx.config.dockerfile} (found {listing}); set dockerfile in [tool.cimaturity]"
    others = [name for name in found if _folder(name) not in folders]
    also = f"; also found {', '.join(others)}" if others else ""
    runs = " or ".join(f"--project {folder}" for folder in folders)
    return f"{here}: {_located(found, folders)}; run with {runs}{also}"


def _located(found: Sequence[str], folders: Sequence[str]) -> str:
    """`the Dockerfile is in sub-project backend/ (backend/Dockerfile)`."""
    inside = [name for name in found if _folder(name) in folders]
    subject = "the Dockerfile is" if len(inside) == 1 else "Dockerfiles are"
    noun = "sub-project" if len(folders) == 1 else "sub-projects"
    where = ", ".join(
        f"{folder}/ ({', '.join(n for n in inside if _folder(n) == folder)})" for folder in folders
    )
    return f"{subject} in {noun} {where}"


def _place(ctx: CheckContext) -> str:
    layout = layout_of(ctx.root)
    return "the repository root" if layout.in_git and not layout.subfolder else "the project root"


def _folder(name: str) -> str:
    return PurePosixPath(name).parent.as_posix()


def _in_subproject(ctx: CheckContext, name: str) -> bool:
    folder = _folder(name)
    return folder != "." and any((ctx.root / folder / marker).is_file() for marker in PROJECT_MARKERS)


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
    results = read_sarif(ctx.artifact(SARIF), expected_tool="trivy").results
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
    probes=(Probe(("docker", "info", "--format", "{{.ServerVersion}}"), "Docker engine"),),
    runs_elsewhere=ELSEWHERE,
    version_argv=("trivy", "--version"),
    timeout_s=900.0,
)
