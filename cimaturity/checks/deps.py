"""deps: pip-audit (JSON) over each requirements file, safety as a second opinion.

Gate: no known vulnerability AND every dependency audited. pip-audit prints "No known
vulnerabilities found" and exits 0 when it skipped everything, and exits 1 both on findings and
when the service is unreachable, so the gate reads the reports (merged into `summary.json` by
`cimaturity.tools.deps_summary`) and, when a report is missing, pip-audit's own output.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from cimaturity import proc
from cimaturity.formats.deps import DepsSummary, read_deps_summary
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.targetenv.plan import lockfile
from cimaturity.tools import helper_command

SUMMARY = "summary.json"
SAFETY_REPORT = "safety.json"
PUBLIC_OSV_URL = "https://api.osv.dev/v1/query"
_UNREACHABLE = re.compile(
    r"NameResolutionError|Failed to resolve|Connection refused|Max retries exceeded|"
    r"Could not connect|ConnectTimeout|ConnectionError|Network is unreachable"
)
_HTTP_ERROR = re.compile(r"HTTPError: (\d{3} [^\n]*)|(\d{3}) (?:Server|Client) Error[^\n]*")


LOCKED = "locked-requirements.txt"  # the project's lockfile, exported as pins


def _requirements(ctx: CheckContext) -> tuple[str, ...]:
    return ctx.config.existing(ctx.config.requirements)


def _lock(ctx: CheckContext) -> Path | None:
    """The lockfile audited when no requirements file pins the dependencies."""
    return None if _requirements(ctx) else lockfile(ctx.root)


def _audited(ctx: CheckContext) -> list[tuple[str, str]]:
    """(label, file pip-audit reads): the requirements files, else the exported lockfile."""
    lock = _lock(ctx)
    if lock is not None:
        return [(lock.name, str(ctx.artifact(LOCKED)))]
    return [(requirements, requirements) for requirements in _requirements(ctx)]


def _not_applicable(ctx: CheckContext) -> str | None:
    if _requirements(ctx) or _lock(ctx) is not None or ctx.config.declared_dependencies:
        return None
    return "not applicable: no requirements file and no dependency in pyproject.toml"


def unpinned_message(ctx: CheckContext, what: str) -> str:
    count = len(ctx.config.declared_dependencies)
    return (
        f"cannot {what}: {count} dependenc(ies) in pyproject.toml [project].dependencies but no pinned "
        "requirements file or lockfile (pin them with a lockfile, pip-compile or pip freeze; "
        "tool.cimaturity.requirements)"
    )


def report_name(requirements: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", requirements)
    return f"pip-audit-{slug}.json"


def service_url(ctx: CheckContext) -> str:
    policy = ctx.config.deps
    if policy.osv_url:
        return policy.osv_url
    return PUBLIC_OSV_URL if policy.service == "osv" else "https://pypi.org/pypi"


def _service_args(ctx: CheckContext) -> tuple[str, ...]:
    policy = ctx.config.deps
    if policy.osv_url:
        return ("-s", "osv", "--osv-url", policy.osv_url)
    return ("-s", policy.service)


def _safety(ctx: CheckContext) -> tuple[list[Command], tuple[str, ...]]:
    """safety 3.x needs the network and SAFETY_API_KEY; without both it is recorded as not run."""
    if not ctx.env.get("SAFETY_API_KEY"):
        return [], ("--safety-not-run", "SAFETY_API_KEY not set")
    if proc.which("safety", ctx.env) is None:
        return [], ("--safety-not-run", "safety not on PATH")
    report = str(ctx.artifact(SAFETY_REPORT))
    # safety exits 64 when it found vulnerabilities; the summary counts them from the report.
    command = Command(("safety", "scan", "--save-as", "json", report), ok_exit_codes=frozenset({0, 64}))
    return [command], ("--safety-report", report)


def _commands(ctx: CheckContext) -> list[Command]:
    audited = _audited(ctx)
    if not audited:
        # Dependencies exist but nothing pins them: nothing auditable, which is not a pass.
        raise ArtifactError(unpinned_message(ctx, "audit"))
    commands: list[Command] = []
    if _lock(ctx) is not None:
        commands.append(
            helper_command(
                "export_lock", "--project", str(ctx.root), "--out", str(ctx.artifact(LOCKED)), env=ctx.env
            )
        )
    audits: list[str] = []
    for label, requirements in audited:
        report = ctx.artifact(report_name(label))
        # pip-audit exits 1 on findings and on a crash alike: the summary step tells them apart.
        commands.append(
            Command(
                (
                    "pip-audit",
                    "--no-deps",
                    "--disable-pip",
                    "--progress-spinner",
                    "off",
                    "-r",
                    requirements,
                    *_service_args(ctx),
                    "-f",
                    "json",
                    "-o",
                    str(report),
                ),
                ok_exit_codes=frozenset({0, 1}),
            )
        )
        audits += ["--audit", f"{label}={report}"]
    safety_commands, safety_args = _safety(ctx)
    commands += safety_commands
    commands.append(
        helper_command(
            "deps_summary", "--out", str(ctx.artifact(SUMMARY)), *audits, *safety_args, env=ctx.env
        )
    )
    return commands


def _why_no_report(ctx: CheckContext, report: Path, outcomes: Sequence[CommandOutcome]) -> str:
    """pip-audit's own words for a missing report: unreachable service, HTTP error, or last line."""
    output = next((o.output for o in outcomes if str(report) in o.command.argv), "")
    match = _UNREACHABLE.search(output)
    if match:
        return f"vulnerability service unreachable ({service_url(ctx)}: {match.group(0)})"
    http = _HTTP_ERROR.search(output)
    if http:
        return f"vulnerability service {service_url(ctx)} answered {http.group(1) or http.group(0)}"
    lines = [line.strip() for line in output.strip().splitlines() if line.strip()]
    return f"pip-audit wrote no report: {lines[-1][:200] if lines else '(no output)'}"


def judge(ctx: CheckContext, summary: DepsSummary, outcomes: Sequence[CommandOutcome]) -> Verdict:
    safety = f"safety: {summary.safety.status} ({summary.safety.reason})"
    metrics = {
        "vulnerabilities": float(len(summary.vulnerabilities)),
        "skipped_dependencies": float(len(summary.skipped)),
        "audited_dependencies": float(sum(f.dependencies for f in summary.files if f.status == "audited")),
        "requirements_files": float(len(summary.files)),
        "unaudited_files": float(sum(f.status != "audited" for f in summary.files)),
        "safety_ran": 1.0 if summary.safety.status == "ran" else 0.0,
        "safety_vulnerabilities": float(summary.safety.vulnerabilities),
    }
    broken = [f for f in summary.files if f.status != "audited"]
    if broken:
        first = broken[0]
        why = (
            _why_no_report(ctx, Path(first.report), outcomes) if first.status == "missing" else first.problem
        )
        hint = ""
        if "unreachable" in str(why) and not ctx.config.deps.osv_url:
            hint = (
                "; point tool.cimaturity.deps.osv_url (pyproject.toml) or CIMATURITY_OSV_URL "
                "at a reachable OSV server"
            )
        names = ", ".join(f.requirements for f in broken)
        return Verdict.error(
            f"{why}: pip-audit could not audit {len(broken)} of {len(summary.files)} requirements "
            f"file(s) ({names}), so no dependency there was checked{hint}; {safety}",
            **metrics,
        )
    # pip-audit exits 1 only on findings: a clean report beside exit 1 contradicts itself.
    found = {name for vuln in summary.vulnerabilities for name in vuln.requirements}
    for audited in summary.files:
        said = [outcome.exit_code for outcome in outcomes if audited.report in outcome.command.argv]
        if said == [1] and audited.requirements not in found:
            return Verdict.error(
                f"pip-audit exited 1 but {Path(audited.report).name} records no vulnerability; {safety}",
                **metrics,
            )
    if summary.vulnerabilities:
        first_vuln = summary.vulnerabilities[0]
        return Verdict.failed(
            f"{len(summary.vulnerabilities)} known vulnerabilit(ies), first: {first_vuln.package} "
            f"{first_vuln.version} {first_vuln.id} (fix: {', '.join(first_vuln.fix_versions) or 'none'}); "
            f"{len(summary.skipped)} dependenc(ies) not audited; {safety}",
            **metrics,
        )
    if summary.skipped:
        first_skip = summary.skipped[0]
        return Verdict.error(
            f"{len(summary.skipped)} dependenc(ies) could not be audited, first {first_skip.package} "
            f"in {first_skip.requirements}: {first_skip.reason}; {safety}",
            **metrics,
        )
    if metrics["audited_dependencies"] == 0:
        names = ", ".join(f.requirements for f in summary.files)
        return Verdict.error(f"no dependency to audit in {names}: nothing was checked; {safety}", **metrics)
    if summary.safety.status == "error":
        return Verdict.error(f"pip-audit clean, but {safety}", **metrics)
    if summary.safety.vulnerabilities:
        return Verdict.failed(f"pip-audit clean, but {safety}", **metrics)
    return Verdict.passed(
        f"no known vulnerability in {int(metrics['audited_dependencies'])} pinned dependenc(ies) "
        f"({service_url(ctx)}); {safety}",
        **metrics,
    )


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    return judge(ctx, read_deps_summary(ctx.artifact(SUMMARY)), outcomes)


DEPS = Check(
    name="deps",
    stage=Stage.SECURITY,
    summary="pip-audit (JSON) over the requirements files, safety when keyed; gate: no known "
    "vulnerability and no dependency skipped",
    commands=_commands,
    artifacts=(SUMMARY,),
    gate=_gate,
    tools=("pip-audit",),
    not_applicable=_not_applicable,
    version_argv=("pip-audit", "--version"),
    timeout_s=300.0,
)
