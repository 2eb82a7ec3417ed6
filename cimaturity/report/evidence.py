"""The evidence a run leaves behind, as tidy pandas frames: the contract between loaders and rubric.

Loaders (`cimaturity.report.loaders`) build an `Evidence` from a reports folder; the rubric
only ever reads an `Evidence`, never a file. An artifact that cannot be read is recorded in
`problems` (and its frame stays empty), so the criterion it feeds shows "no evidence".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from cimaturity.formats.runjson import RunInfo as RunInfo  # the run's header, as run.json gives it
from cimaturity.model import Status

# Column sets of each frame. Loaders must produce exactly these columns (empty frames too).
CHECK_COLUMNS = (
    "name",  # check name, e.g. "lint"
    "stage",  # fast | security | service | deploy
    "status",  # passed | failed | error | skipped
    "reason",
    "started_at",  # ISO timestamp (str)
    "duration_s",  # float
    "exit_code",  # Int64 (nullable)
    "tool_version",
)
METRIC_COLUMNS = (
    "check",  # check name
    "metric",  # what run.json's `metrics` calls it: violations, unformatted_files, tests, ...
    "value",  # float64
)
TEST_COLUMNS = (
    "check",  # which check produced the JUnit file: test, typecheck, integration, e2e, contract, ...
    "suite",
    "case",  # classname::name
    "status",  # passed | failed | error | skipped
    "time_s",
    "message",
)
FINDING_COLUMNS = (
    "check",  # lint, sast, secrets, dockerfile, workflows, ...
    "tool",  # ruff, bandit, detect-secrets, hadolint, zizmor, actionlint, trivy ...
    "rule",
    "severity",  # critical | high | medium | low | info (normalised)
    "file",
    "line",  # Int64 (nullable)
    "fingerprint",  # the same finding across runs (loaders/sarif.py); a hash, never the secret itself
    "message",  # secret values never present
    "suppressed",  # bool: baselined / nosec / noqa entries reported by the tool
)
COVERAGE_COLUMNS = ("file", "statements", "missed", "percent")
VULNERABILITY_COLUMNS = ("source", "package", "version", "id", "aliases", "fix_versions")
SKIPPED_DEPENDENCY_COLUMNS = ("source", "package", "reason")
LICENSE_COLUMNS = ("package", "version", "license")
PERFORMANCE_COLUMNS = ("name", "requests", "failures", "median_ms", "p95_ms", "p99_ms", "rps")
# kind: nosec | noqa | type-ignore | baseline | skipped-test | suppressed-finding, and per check the
# config that hides findings (`CONFIG_SUPPRESSION_KINDS`: mypy config | hadolint config)
SUPPRESSION_COLUMNS = ("kind", "count")

# Config that hides findings (mypy `exclude` and `ignore_errors` overrides, hadolint's `ignored:`
# rules) is a suppression as surely as a comment: each check records how many entries its tool's
# config holds as this run.json metric, shown and capped under its check's kind.
CONFIG_SUPPRESSIONS_METRIC = "config_suppressions"
CONFIG_SUPPRESSION_KINDS = {"typecheck": "mypy config", "dockerfile": "hadolint config"}


def config_suppression_kind(check: str) -> str:
    """The suppression kind of a check's config entries: `mypy config`, else `<check> config`."""
    return CONFIG_SUPPRESSION_KINDS.get(check, f"{check} config")


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


@dataclass(frozen=True)
class ArtifactProblem:
    """An artifact that could not be used as evidence, with the reason (names the file)."""

    check: str
    path: str
    message: str


@dataclass(frozen=True)
class Evidence:
    run: RunInfo | None
    checks: pd.DataFrame = field(default_factory=lambda: empty_frame(CHECK_COLUMNS))
    tests: pd.DataFrame = field(default_factory=lambda: empty_frame(TEST_COLUMNS))
    findings: pd.DataFrame = field(default_factory=lambda: empty_frame(FINDING_COLUMNS))
    coverage: pd.DataFrame = field(default_factory=lambda: empty_frame(COVERAGE_COLUMNS))
    coverage_percent: float | None = None  # the total, as coverage reports it
    vulnerabilities: pd.DataFrame = field(default_factory=lambda: empty_frame(VULNERABILITY_COLUMNS))
    skipped_dependencies: pd.DataFrame = field(
        default_factory=lambda: empty_frame(SKIPPED_DEPENDENCY_COLUMNS)
    )
    licenses: pd.DataFrame = field(default_factory=lambda: empty_frame(LICENSE_COLUMNS))
    performance: pd.DataFrame = field(default_factory=lambda: empty_frame(PERFORMANCE_COLUMNS))
    suppressions: pd.DataFrame = field(default_factory=lambda: empty_frame(SUPPRESSION_COLUMNS))
    problems: tuple[ArtifactProblem, ...] = ()
    metrics: pd.DataFrame = field(default_factory=lambda: empty_frame(METRIC_COLUMNS))

    def __post_init__(self) -> None:
        # The config suppressions the checks recorded join the ones the loaders counted, so every
        # reader of `suppressions` (the caps, the Suppressions table) sees them.
        merged = _with_config_suppressions(self.suppressions, self.metrics)
        object.__setattr__(self, "suppressions", merged)

    def check_status(self, name: str) -> Status | None:
        """The status of one check in this run, or None if it was not part of the run."""
        rows = self.checks.loc[self.checks["name"] == name, "status"]
        return None if rows.empty else Status(str(rows.iloc[0]))

    def check_reason(self, name: str) -> str:
        """Why the check ended as it did ("" when it was not part of the run)."""
        rows = self.checks.loc[self.checks["name"] == name, "reason"]
        return "" if rows.empty else str(rows.iloc[0])

    def metric(self, check: str, name: str) -> float | None:
        """One number a check recorded in run.json (`metrics`), or None when it recorded none."""
        frame = self.metrics
        rows = frame.loc[(frame["check"] == check) & (frame["metric"] == name), "value"]
        return None if rows.empty else float(rows.iloc[0])

    def problems_for(self, check: str) -> tuple[ArtifactProblem, ...]:
        return tuple(problem for problem in self.problems if problem.check == check)


def _with_config_suppressions(suppressions: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """`suppressions` plus one row per check that recorded `config_suppressions` (a finite count,
    0 included: a count seen is evidence), under its kind; a kind already present is kept as is,
    so merging twice never counts twice."""
    rows = metrics.loc[metrics["metric"] == CONFIG_SUPPRESSIONS_METRIC, ["check", "value"]]
    present = set(suppressions["kind"])
    added: dict[str, int] = {}
    for check, value in zip(rows["check"], rows["value"], strict=True):
        kind = config_suppression_kind(str(check))
        count = float(value)
        if kind not in present and math.isfinite(count) and count >= 0:
            added[kind] = added.get(kind, 0) + int(count)
    if not added:
        return suppressions
    extra = pd.DataFrame(
        {"kind": list(added), "count": list(added.values())}, columns=list(SUPPRESSION_COLUMNS)
    )
    return extra if suppressions.empty else pd.concat([suppressions, extra], ignore_index=True)
