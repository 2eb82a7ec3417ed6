"""dockerfile: hadolint as SARIF. Gate: no error-level finding; skipped when there is no Dockerfile.

Which Dockerfiles: the one `[tool.cimaturity] dockerfile` names, when set; else `Dockerfile` at
the project root; else every Dockerfile at the root or one or two folder levels down
(`backend/Dockerfile`, `docker/production.Dockerfile`, `Dockerfile.prod`), outside hidden
folders, virtualenvs, `node_modules` and our own reports folder. hadolint lints them in one
call; its SARIF names each file as given (relative to the project).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from cimaturity.checks.suppressions import count_matches
from cimaturity.config import ProjectConfig
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import ArtifactError, Check, CheckContext, Command, CommandOutcome, Stage, Verdict

SARIF = "hadolint.sarif"
DEFAULT = "Dockerfile"
SEARCH_DEPTH = 2  # folder levels below the project root
_SKIP_DIRS = frozenset({"node_modules", "venv", "__pycache__"})  # and every hidden folder
_PRAGMA = re.compile(r"#\s*hadolint\s+(?:global\s+)?ignore=")
_INSTRUCTION = re.compile(r"^\s*[A-Za-z]+\b")


def is_dockerfile(name: str) -> bool:
    """`Dockerfile`, `production.Dockerfile`, `Dockerfile.prod` (not `Dockerfile.dockerignore`)."""
    if name.endswith(".dockerignore"):
        return False
    return name == DEFAULT or name.endswith(".Dockerfile") or name.startswith(f"{DEFAULT}.")


def configured_dockerfile(config: ProjectConfig) -> str | None:
    """`dockerfile` when `[tool.cimaturity]` sets it explicitly (the config holds a default)."""
    return config.dockerfile if config.dockerfile_configured else None


def find_dockerfiles(root: Path, skip: Path | None = None) -> tuple[str, ...]:
    """Dockerfiles at `root` or up to SEARCH_DEPTH folders down, relative to `root`, sorted."""
    return tuple(sorted(path.relative_to(root).as_posix() for path in _walk(root, 0, skip)))


def _walk(folder: Path, depth: int, skip: Path | None) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            pruned = entry.name.startswith(".") or entry.name in _SKIP_DIRS or entry == skip
            if depth < SEARCH_DEPTH and not pruned:
                yield from _walk(entry, depth + 1, skip)
        elif entry.is_file() and is_dockerfile(entry.name):
            yield entry


def reports_folder(ctx: CheckContext) -> Path:
    """Our own output (`<reports>/artifacts/<check>`): never searched for project files."""
    return ctx.artifact_dir.resolve().parent.parent


def project_dockerfiles(ctx: CheckContext) -> tuple[str, ...]:
    """What this check lints, relative to the project (empty: nothing to lint)."""
    configured = configured_dockerfile(ctx.config)
    if configured is not None:
        return (configured,) if (ctx.root / configured).is_file() else ()
    if (ctx.root / DEFAULT).is_file():
        return (DEFAULT,)
    return find_dockerfiles(ctx.root, reports_folder(ctx))


def _not_applicable(ctx: CheckContext) -> str | None:
    if project_dockerfiles(ctx):
        return None
    configured = configured_dockerfile(ctx.config)
    if configured is not None:
        return f"not applicable: no Dockerfile ({configured} not found)"
    return (
        f"not applicable: no Dockerfile (none at the project root or up to {SEARCH_DEPTH} folder levels down)"
    )


def _commands(ctx: CheckContext) -> list[Command]:
    # --no-fail: exit 0 whatever it finds, so any other exit code is a crash (an unreadable
    # file exits 1); the gate judges the levels in the SARIF.
    output = str(ctx.artifact(SARIF))
    return [Command(("hadolint", "--no-fail", "--format", "sarif", "-o", output, *project_dockerfiles(ctx)))]


def _has_instruction(path: Path) -> bool:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return any(_INSTRUCTION.match(line) and not line.lstrip().startswith("#") for line in lines)


def ignored_rules(ctx: CheckContext) -> tuple[str, ...]:
    """Rules the project's hadolint config turns off (`ignored:`): findings hidden by config."""
    for name in (".hadolint.yaml", ".hadolint.yml", "hadolint.yaml"):
        path = ctx.root / name
        if path.is_file():
            try:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise ArtifactError(f"{name}: not readable ({str(exc).splitlines()[0]})") from None
            ignored = document.get("ignored") if isinstance(document, dict) else None
            return tuple(str(rule) for rule in ignored) if isinstance(ignored, list) else ()
    return ()


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    names = project_dockerfiles(ctx)
    hidden = ignored_rules(ctx)
    results = read_sarif(ctx.artifact(SARIF), expected_tool="hadolint").results
    by_level = {level: [r for r in results if r.level == level] for level in ("error", "warning")}
    metrics = {
        "dockerfiles": float(len(names)),
        "errors": float(len(by_level["error"])),
        "warnings": float(len(by_level["warning"])),
        "notes": float(len(results) - len(by_level["error"]) - len(by_level["warning"])),
        "suppressions": float(count_matches([ctx.root / name for name in names], _PRAGMA)),
        "config_suppressions": float(len(hidden)),
    }
    linted = ", ".join(names)
    empty = [name for name in names if not _has_instruction(ctx.root / name)]
    if empty:
        # hadolint reports nothing on an empty file; nothing linted is not a clean Dockerfile.
        return Verdict.failed(f"no instruction in {', '.join(empty)} (linted {linted})", **metrics)
    errors = by_level["error"]
    if errors:
        first = errors[0]
        message = first.message.splitlines()[0] if first.message else ""
        files = len({error.file for error in errors})
        return Verdict.failed(
            f"{len(errors)} error-level hadolint finding(s) in {files} of {len(names)} Dockerfile(s) "
            f"({linted}), first: {first.rule_id} {first.where} {message}",
            **metrics,
        )
    return Verdict.passed(
        f"no error-level finding in {linted} "
        f"({len(by_level['warning'])} warning(s), {int(metrics['notes'])} note(s))"
        + (f"; {len(hidden)} rule(s) ignored by config ({', '.join(hidden)})" if hidden else ""),
        **metrics,
    )


DOCKERFILE = Check(
    name="dockerfile",
    stage=Stage.FAST,
    summary="hadolint as SARIF over the project's Dockerfiles; gate: no error-level finding; "
    "skipped without a Dockerfile",
    commands=_commands,
    artifacts=(SARIF,),
    gate=_gate,
    tools=("hadolint",),
    not_applicable=_not_applicable,
    version_argv=("hadolint", "--version"),
    timeout_s=60.0,
)
