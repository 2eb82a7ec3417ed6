"""Project configuration: `[tool.cimaturity]` in the target's pyproject.toml, or auto-detected.

Every key is validated; an unknown key or a bad value raises `ConfigError` with a one-line
message naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_DENIED_LICENSES = ("GPL-3.0", "AGPL-3.0")
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_NOT_SOURCE_DIRS = frozenset({"tests", "test", "docs", "benchmarks", "scripts", "reports", "build", "dist"})

T = TypeVar("T")


class ConfigError(Exception):
    """A configuration problem, with a one-line message naming the file and key."""


@dataclass(frozen=True)
class RatchetStep:
    """From `starts` on, coverage must be at least `fail_under` percent."""

    starts: dt.date
    fail_under: float


@dataclass(frozen=True)
class CoveragePolicy:
    fail_under: float = 0.0
    ratchet: tuple[RatchetStep, ...] = ()

    def threshold(self, today: dt.date) -> float:
        """The threshold in force: never below any step already reached, nor below `fail_under`."""
        reached = [step.fail_under for step in self.ratchet if step.starts <= today]
        return max([self.fail_under, *reached])


@dataclass(frozen=True)
class DepsPolicy:
    """Where pip-audit looks vulnerabilities up. `osv_url` points it at an OSV-speaking server."""

    service: str = "osv"
    osv_url: str | None = None


@dataclass(frozen=True)
class LoadProfile:
    """The `performance` check's load and its gate: Locust users, users started per second, run
    time, and the p95/p99 limits."""

    users: int
    spawn_rate: float
    seconds: int
    p95_ms: float = 500.0
    p99_ms: float = 1000.0


# "ci": what a shared 2-core runner generates faithfully (100 users there measure the runner's CPU
# starvation, not the service); "plan": the plan's Task 3.1, 100 users for 2 minutes.
LOAD_PROFILES = {"ci": LoadProfile(20, 10.0, 20), "plan": LoadProfile(100, 10.0, 120)}


@dataclass(frozen=True)
class ServiceSpec:
    """How to start the project's web service for contract and load tests (uvicorn APP)."""

    app: str
    health: str = "/health"
    # Variables for the server only; "{tmp}" is a throwaway folder (e.g. a SQLite file in it).
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectConfig:
    root: Path
    source_paths: tuple[str, ...]
    test_paths: tuple[str, ...]
    unit_test_paths: tuple[str, ...]  # what the `test` check runs; service-stage suites run elsewhere
    typecheck_paths: tuple[str, ...]  # what mypy --strict checks (default: the source paths)
    requirements: tuple[str, ...]
    dockerfile: str = "Dockerfile"
    dockerfile_configured: bool = False  # set explicitly: the check lints only it, never searches
    denied_licenses: tuple[str, ...] = DEFAULT_DENIED_LICENSES
    secrets_baseline: str = ".secrets.baseline"
    skip_checks: tuple[str, ...] = ()
    timeouts: Mapping[str, float] = field(default_factory=dict)
    # Folders of a service-stage pytest suite, by check name (default: <test path>/<name>).
    suite_paths: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    coverage: CoveragePolicy = CoveragePolicy()
    deps: DepsPolicy = DepsPolicy()
    performance: LoadProfile = LOAD_PROFILES["ci"]
    service: ServiceSpec | None = None  # None: no web service declared (service checks N/A)
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str = DEFAULT_REDIS_URL
    rubric: str | None = None  # the maturity report's rubric file, relative to root (default: builtin)
    configured: bool = False  # False when nothing was found in pyproject.toml (auto-detected)
    # PEP 621 `[project].dependencies`: what the project ships, pinned or not.
    declared_dependencies: tuple[str, ...] = ()
    python: str | None = None  # the project's interpreter (else: active venv, .venv, provisioned)

    def existing(self, paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(p for p in paths if (self.root / p).exists())

    def suite(self, name: str) -> tuple[str, ...]:
        """The existing folders of suite `name`: configured, else `<test path>/<name>`."""
        wanted = self.suite_paths.get(name) or tuple(f"{path}/{name}" for path in self.test_paths)
        return self.existing(wanted)


def load_config(root: Path, environ: Mapping[str, str] | None = None) -> ProjectConfig:
    """Read `[tool.cimaturity]` from `root/pyproject.toml`, filling gaps by auto-detection."""
    env = os.environ if environ is None else environ
    root = root.resolve()
    if not root.is_dir():
        raise ConfigError(f"{root}: project folder does not exist")
    pyproject = root / "pyproject.toml"
    table: dict[str, Any] = {}
    declared: tuple[str, ...] = ()
    if pyproject.is_file():
        try:
            document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from None
        dependencies = document.get("project", {}).get("dependencies", [])
        if isinstance(dependencies, list):
            declared = tuple(str(item) for item in dependencies)
        raw = document.get("tool", {}).get("cimaturity", {})
        if not isinstance(raw, dict):
            raise ConfigError(f"{pyproject}: [tool.cimaturity] must be a table")
        table = raw
    reader = _TableReader(pyproject, "tool.cimaturity", table)
    test_paths = reader.str_list("test_paths") or _detect_tests(root)
    source_paths = reader.str_list("source_paths") or _detect_sources(root)
    config = ProjectConfig(
        root=root,
        source_paths=source_paths,
        test_paths=test_paths,
        unit_test_paths=reader.str_list("unit_test_paths") or _detect_unit_tests(root, test_paths),
        typecheck_paths=reader.str_list("typecheck_paths") or source_paths,
        requirements=reader.str_list("requirements") or _detect_requirements(root),
        dockerfile=reader.string("dockerfile", "Dockerfile"),
        dockerfile_configured="dockerfile" in table,
        denied_licenses=reader.str_list("denied_licenses") or DEFAULT_DENIED_LICENSES,
        secrets_baseline=reader.string("secrets_baseline", ".secrets.baseline"),
        skip_checks=reader.str_list("skip_checks"),
        timeouts=reader.number_table("timeouts"),
        suite_paths=reader.str_list_table("suite_paths"),
        coverage=_coverage(reader.sub("coverage")),
        deps=_deps(reader.sub("deps"), env),
        performance=_performance(reader.sub("performance"), env),
        service=_service(reader.sub("service")),
        database_url=env.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        redis_url=env.get("REDIS_URL", DEFAULT_REDIS_URL),
        rubric=reader.optional_string("rubric"),
        python=reader.optional_string("python"),
        configured=bool(table),
        declared_dependencies=declared,
    )
    reader.reject_unknown()
    return config


def _coverage(reader: _TableReader) -> CoveragePolicy:
    fail_under = reader.percent("fail_under", 0.0)
    steps: list[RatchetStep] = []
    for index, item in enumerate(reader.table_list("ratchet")):
        step_reader = _TableReader(reader.file, f"{reader.where}.ratchet[{index}]", item)
        starts = step_reader.date("from")
        steps.append(RatchetStep(starts=starts, fail_under=step_reader.percent("fail_under", 0.0)))
        step_reader.reject_unknown()
    steps.sort(key=lambda step: step.starts)
    for earlier, later in itertools.pairwise(steps):
        if later.fail_under < earlier.fail_under:
            raise ConfigError(
                f"{reader.file}: {reader.where}.ratchet: threshold goes down on {later.starts} "
                f"({earlier.fail_under} -> {later.fail_under}); a ratchet only goes up"
            )
    reader.reject_unknown()
    return CoveragePolicy(fail_under=fail_under, ratchet=tuple(steps))


def _deps(reader: _TableReader, env: Mapping[str, str]) -> DepsPolicy:
    service = reader.string("service", "osv")
    if service not in ("osv", "pypi"):
        raise ConfigError(f"{reader.file}: {reader.where}.service: must be 'osv' or 'pypi', got {service!r}")
    configured = reader.optional_string("osv_url")  # read first: a key never read counts as unknown
    osv_url = env.get("CIMATURITY_OSV_URL") or configured
    reader.reject_unknown()
    return DepsPolicy(service=service, osv_url=osv_url)


def _performance(reader: _TableReader, env: Mapping[str, str]) -> LoadProfile:
    """A named profile (`profile`, or CIMATURITY_LOAD_PROFILE), then any number set beside it."""
    name = env.get("CIMATURITY_LOAD_PROFILE") or reader.string("profile", "ci")
    reader.seen.add("profile")
    if name not in LOAD_PROFILES:
        raise ConfigError(
            f"{reader.file}: {reader.where}.profile: must be one of {', '.join(LOAD_PROFILES)}, got {name!r}"
        )
    preset = LOAD_PROFILES[name]
    profile = LoadProfile(
        users=int(reader.positive("users", preset.users)),
        spawn_rate=reader.positive("spawn_rate", preset.spawn_rate),
        seconds=int(reader.positive("seconds", preset.seconds)),
        p95_ms=reader.positive("p95_ms", preset.p95_ms),
        p99_ms=reader.positive("p99_ms", preset.p99_ms),
    )
    reader.reject_unknown()
    return profile


def _service(reader: _TableReader) -> ServiceSpec | None:
    if not reader.table:
        return None
    app = reader.optional_string("app")
    if app is None or ":" not in app:
        raise ConfigError(f"{reader.file}: {reader.where}.app: expected 'module:attribute', got {app!r}")
    health = reader.string("health", "/health")
    if not health.startswith("/"):
        raise ConfigError(f"{reader.file}: {reader.where}.health: expected a path starting with '/'")
    env = reader.string_table("env")
    reader.reject_unknown()
    return ServiceSpec(app=app, health=health, env=env)


def _detect_sources(root: Path) -> tuple[str, ...]:
    src = root / "src"
    base = src if src.is_dir() else root
    packages = sorted(
        p.relative_to(root).as_posix()
        for p in base.iterdir()
        if p.is_dir() and (p / "__init__.py").is_file() and p.name not in _NOT_SOURCE_DIRS
    )
    if packages:
        return tuple(packages)
    modules = sorted(p.name for p in root.glob("*.py") if p.name not in ("setup.py", "conftest.py"))
    return tuple(modules) or (".",)


def _detect_tests(root: Path) -> tuple[str, ...]:
    return tuple(name for name in ("tests", "test") if (root / name).is_dir())


def _detect_unit_tests(root: Path, test_paths: tuple[str, ...]) -> tuple[str, ...]:
    """`tests/unit` when the project splits its suites that way, else every test path."""
    split = tuple(f"{path}/unit" for path in test_paths if (root / path / "unit").is_dir())
    return split or test_paths


def _detect_requirements(root: Path) -> tuple[str, ...]:
    """`requirements*.txt` at the top, and `requirements/*.txt` (a common layout for pinned sets)."""
    found = [*root.glob("requirements*.txt"), *root.glob("requirements/*.txt")]
    return tuple(sorted(p.relative_to(root).as_posix() for p in found if p.is_file()))


class _TableReader:
    """Typed access to one TOML table that remembers which keys were read."""

    def __init__(self, file: Path, where: str, table: Mapping[str, Any]) -> None:
        self.file = file
        self.where = where
        self.table = table
        self.seen: set[str] = set()

    def _get(self, key: str, kind: type[T] | tuple[type, ...], expected: str) -> T | None:
        self.seen.add(key)
        if key not in self.table:
            return None
        value = self.table[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ConfigError(
                f"{self.file}: {self.where}.{key}: expected {expected}, got {type(value).__name__} {value!r}"
            )
        return value  # type: ignore[return-value]  # checked by isinstance above

    def string(self, key: str, default: str) -> str:
        value = self._get(key, str, "a string")
        return default if value is None else value

    def optional_string(self, key: str) -> str | None:
        return self._get(key, str, "a string")

    def str_list(self, key: str) -> tuple[str, ...]:
        value: list[Any] | None = self._get(key, list, "a list of strings")
        if value is None:
            return ()
        if not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{self.file}: {self.where}.{key}: expected a list of strings")
        return tuple(value)

    def percent(self, key: str, default: float) -> float:
        value: float | None = self._get(key, (int, float), "a number from 0 to 100")
        if value is None:
            return default
        if not 0 <= value <= 100:
            raise ConfigError(f"{self.file}: {self.where}.{key}: must be between 0 and 100, got {value}")
        return float(value)

    def positive(self, key: str, default: float) -> float:
        value: float | None = self._get(key, (int, float), "a positive number")
        if value is None:
            return float(default)
        if not 0 < value < 10**9:
            raise ConfigError(f"{self.file}: {self.where}.{key}: must be a positive number, got {value}")
        return float(value)

    def date(self, key: str) -> dt.date:
        value: dt.date | None = self._get(key, dt.date, "a date such as 2026-02-07")
        if value is None:
            raise ConfigError(f"{self.file}: {self.where}.{key}: missing (a date such as 2026-02-07)")
        return value

    def number_table(self, key: str) -> dict[str, float]:
        value: dict[str, Any] | None = self._get(key, dict, "a table of name = seconds")
        if value is None:
            return {}
        for name, seconds in value.items():
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
                raise ConfigError(f"{self.file}: {self.where}.{key}.{name}: expected a positive number")
        return {name: float(seconds) for name, seconds in value.items()}

    def str_list_table(self, key: str) -> dict[str, tuple[str, ...]]:
        value: dict[str, Any] | None = self._get(key, dict, "a table of name = [paths]")
        if value is None:
            return {}
        for name, paths in value.items():
            if not isinstance(paths, list) or not all(isinstance(item, str) for item in paths):
                raise ConfigError(f"{self.file}: {self.where}.{key}.{name}: expected a list of strings")
        return {name: tuple(paths) for name, paths in value.items()}

    def string_table(self, key: str) -> dict[str, str]:
        value: dict[str, Any] | None = self._get(key, dict, 'a table of NAME = "value"')
        if value is None:
            return {}
        for name, item in value.items():
            if not isinstance(item, str):
                raise ConfigError(f"{self.file}: {self.where}.{key}.{name}: expected a string")
        return dict(value)

    def table_list(self, key: str) -> list[Mapping[str, Any]]:
        value: list[Any] | None = self._get(key, list, "a list of tables")
        if value is None:
            return []
        if not all(isinstance(item, dict) for item in value):
            raise ConfigError(f"{self.file}: {self.where}.{key}: expected a list of tables")
        return value

    def sub(self, key: str) -> _TableReader:
        value: dict[str, Any] | None = self._get(key, dict, "a table")
        return _TableReader(self.file, f"{self.where}.{key}", value or {})

    def reject_unknown(self) -> None:
        unknown = sorted(set(self.table) - self.seen)
        if unknown:
            raise ConfigError(f"{self.file}: {self.where}: unknown key {unknown[0]!r}")


def validate_check_names(config: ProjectConfig, known: Callable[[str], bool]) -> None:
    """Names in `skip_checks` and `timeouts` must be registered checks."""
    for name in (*config.skip_checks, *config.timeouts, *config.suite_paths):
        if not known(name):
            raise ConfigError(f"{config.root / 'pyproject.toml'}: tool.cimaturity: unknown check {name!r}")
