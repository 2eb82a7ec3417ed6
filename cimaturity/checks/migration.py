"""migration: Alembic up, down one, up, up again on a throwaway PostgreSQL database (JUnit XML).

Gate: all four steps ran and passed. The database URL handed to Alembic is `DATABASE_URL`
(the project's `env.py` must read it, as the plan's workflow assumes).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cimaturity.formats.junit import read_junit
from cimaturity.layout import layout_of
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Service, Stage, Verdict
from cimaturity.tools import helper_command

JUNIT = "migration.xml"
ALEMBIC_INI = "alembic.ini"
STEPS = 4
_SKIP_DIRS = frozenset({"node_modules", "venv", "__pycache__"})  # and every hidden folder


def _not_applicable(ctx: CheckContext) -> str | None:
    if (ctx.root / ALEMBIC_INI).is_file():
        return None
    inis = subproject_inis(ctx.root)
    if not inis:
        return f"not applicable: no Alembic migrations ({ALEMBIC_INI} not found)"
    folders = [ini.removesuffix(f"/{ALEMBIC_INI}") for ini in inis]
    where = ", ".join(f"{folder}/ ({ini})" for folder, ini in zip(folders, inis, strict=True))
    noun = "sub-project" if len(inis) == 1 else "sub-projects"
    runs = " or ".join(f"--project {folder}" for folder in folders)
    return f"not applicable at {_place(ctx.root)}: Alembic migrations are in {noun} {where}; run with {runs}"


def subproject_inis(root: Path) -> list[str]:
    """`alembic.ini` one or two folder levels down (`backend/alembic.ini`), relative to `root`."""
    found = sorted({*root.glob(f"*/{ALEMBIC_INI}"), *root.glob(f"*/*/{ALEMBIC_INI}")})
    names = [path.relative_to(root).as_posix() for path in found if path.is_file()]
    return [name for name in names if not any(_skipped(part) for part in name.split("/")[:-1])]


def _skipped(folder: str) -> bool:
    return folder.startswith(".") or folder in _SKIP_DIRS


def _place(root: Path) -> str:
    layout = layout_of(root)
    return "the repository root" if layout.in_git and not layout.subfolder else "the project root"


def _commands(ctx: CheckContext) -> list[Command]:
    return [
        helper_command(
            "migration_cycle",
            "--junit",
            str(ctx.artifact(JUNIT)),
            "--server-url",
            ctx.config.database_url,
            "--alembic-ini",
            ALEMBIC_INI,
            "--python",
            ctx.python,
            env=ctx.env,
        )
    ]


def _gate(ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    # The helper stops at the first failing step: a failure in the XML is a real one, and
    # fewer than four steps without one means the record is incomplete.
    report = read_junit(ctx.artifact(JUNIT))
    metrics = {"steps": float(report.tests), "failures": float(len(report.broken))}
    if report.broken:
        first = report.broken[0]
        detail = first.text.splitlines()[0] if first.text else ""
        return Verdict.failed(f"migration step failed: {first.name}: {detail}", **metrics)
    if report.tests != STEPS:
        return Verdict.error(f"{report.tests} of {STEPS} migration steps recorded", **metrics)
    return Verdict.passed(
        "alembic upgrade head, downgrade -1, upgrade head, upgrade head (no-op): all passed", **metrics
    )


MIGRATION = Check(
    name="migration",
    stage=Stage.SERVICE,
    summary="alembic up, down -1, up, up again on a throwaway PostgreSQL database; gate: every step passes",
    commands=_commands,
    artifacts=(JUNIT,),
    gate=_gate,
    tools=("python",),
    services=(Service.POSTGRES,),
    not_applicable=_not_applicable,
    version_argv=("python", "-m", "alembic", "--version"),
    timeout_s=600.0,
    runs_project_code=True,
)
