"""What the checked project configures for its own tools (read, never executed).

Checks follow these settings instead of imposing ours: the linters and formatter it configures
(in its config files or its pre-commit hooks, at the version pre-commit pins), mypy with its own
config (strict only where it asks), pytest with its own options, coverage with its own source.
Every fact says where it came from (`pyproject.toml [tool.mypy]`), for the reasons.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cimaturity.layout import layout_of
from cimaturity.model import ArtifactError
from cimaturity.toxnames import FACTOR_CONDITION

LINTERS = ("ruff", "flake8", "pylint")
_FROZEN = re.compile(r"rev:\s*['\"]?([0-9a-f]{40})['\"]?\s*#\s*frozen:\s*(\S+)")
FORMATTERS = ("ruff-format", "black", "isort")
# pre-commit hook ids -> the tool they run
_HOOK_TOOLS = {
    "ruff": "ruff",
    "ruff-check": "ruff",
    "ruff-format": "ruff-format",
    "black": "black",
    "black-jupyter": "black",
    "isort": "isort",
    "flake8": "flake8",
    "pylint": "pylint",
    "mypy": "mypy",
}


@dataclass(frozen=True)
class Hook:
    """A pre-commit hook: which tool, pinned how (the hook repo's `rev`), with which plugins."""

    tool: str
    rev: str | None
    additional_dependencies: tuple[str, ...]

    @property
    def version(self) -> str | None:
        return self.rev.removeprefix("v") if self.rev and self.rev[:1] in "v0123456789" else None


@dataclass(frozen=True)
class MypySettings:
    where: str  # "pyproject.toml [tool.mypy]"
    strict: bool
    files: tuple[str, ...]  # mypy's own `files` setting: run without paths when set
    # What the config hides from mypy: `exclude` patterns and modules with `ignore_errors`.
    hidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProjectTools:
    configured: Mapping[str, str]  # tool -> where it is configured (file + section, or pre-commit)
    hooks: Mapping[str, Hook]
    mypy: MypySettings | None
    pytest_addopts: str
    pytest_configured: bool  # pytest.ini, [tool.pytest.ini_options], [tool:pytest] or tox's [pytest]
    pytest_markers: tuple[str, ...]  # the markers its pytest config declares, by name
    coverage_source: bool  # [tool.coverage.run] source (or .coveragerc): coverage knows what to measure
    coverage_fail_under: float | None
    test_env: Mapping[str, str] = field(default_factory=dict)  # tox's [testenv] setenv: how its tests run

    @property
    def linters(self) -> tuple[str, ...]:
        return tuple(tool for tool in LINTERS if tool in self.configured)

    @property
    def formatters(self) -> tuple[str, ...]:
        return tuple(tool for tool in FORMATTERS if tool in self.configured)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; {} when it is missing or unreadable."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError):
        return configparser.ConfigParser(interpolation=None)
    return parser


class UnreadableConfigError(ArtifactError):
    """A tool configuration the checks must follow cannot be read; one line naming the file.

    An ArtifactError, so a check that needed it ends as `error` with that line: without the
    project's settings no verdict on its tools is honest."""


def _hooks(root: Path) -> dict[str, Hook]:
    """pre-commit hooks at the project folder, else at the git root. Raises UnreadableConfigError."""
    for folder in dict.fromkeys((root, layout_of(root).repo)):
        path = folder / ".pre-commit-config.yaml"
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
            document = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise UnreadableConfigError(f"{path.name}: not readable ({first})") from None
        # `pre-commit autoupdate --freeze` pins a sha and keeps the version in a comment.
        frozen = dict(_FROZEN.findall(text))
        found: dict[str, Hook] = {}
        repos = document.get("repos", []) if isinstance(document, dict) else []
        for repo in repos if isinstance(repos, list) else []:
            if not isinstance(repo, dict):
                continue
            for hook in repo.get("hooks", []) or []:
                tool = _HOOK_TOOLS.get(str(hook.get("id", ""))) if isinstance(hook, dict) else None
                if tool is None or tool in found:
                    continue
                extra = hook.get("additional_dependencies") or []
                rev = None if repo.get("rev") is None else str(repo.get("rev"))
                rev = frozen.get(rev, rev) if rev is not None else None
                found[tool] = Hook(tool, rev, tuple(str(item) for item in extra))
        return found
    return {}


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "1", "yes", "on"))


def _split(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if isinstance(value, str):
        return tuple(part.strip() for part in value.replace("\n", ",").split(",") if part.strip())
    return ()


def project_tools(root: Path) -> ProjectTools:
    pyproject = read_toml(root / "pyproject.toml")
    tool = pyproject.get("tool", {}) if isinstance(pyproject.get("tool"), dict) else {}
    setup_cfg = _read_ini(root / "setup.cfg")
    tox_ini = _read_ini(root / "tox.ini")
    configured: dict[str, str] = {}

    def note(name: str, where: str) -> None:
        configured.setdefault(name, where)

    for name in ("ruff", "black", "isort", "pylint"):
        if name in tool:
            note(name, f"pyproject.toml [tool.{name}]")
    ruff_tool = tool.get("ruff")
    if isinstance(ruff_tool, dict) and "format" in ruff_tool:
        note("ruff-format", "pyproject.toml [tool.ruff.format]")
    for file in ("ruff.toml", ".ruff.toml"):
        if (root / file).is_file():
            note("ruff", file)
            if "format" in read_toml(root / file):
                note("ruff-format", f"{file} [format]")
    for file, name in (
        (".flake8", "flake8"),
        (".isort.cfg", "isort"),
        (".pylintrc", "pylint"),
        ("pylintrc", "pylint"),
    ):
        if (root / file).is_file():
            note(name, file)
    for parser, file in ((setup_cfg, "setup.cfg"), (tox_ini, "tox.ini")):
        for section, name in (("flake8", "flake8"), ("isort", "isort"), ("pylint", "pylint")):
            if parser.has_section(section):
                note(name, f"{file} [{section}]")
    hooks = _hooks(root)
    for name in hooks:
        note(name, f".pre-commit-config.yaml hook {name}")
    return ProjectTools(
        configured=configured,
        hooks=hooks,
        mypy=_mypy(root, tool, setup_cfg),
        pytest_addopts=_pytest_addopts(root, tool, setup_cfg, tox_ini) or "",
        pytest_configured=_pytest_addopts(root, tool, setup_cfg, tox_ini) is not None,
        pytest_markers=_pytest_markers(root, tool, setup_cfg, tox_ini),
        coverage_source=_coverage_source(root, tool, setup_cfg),
        coverage_fail_under=_fail_under(root, tool, setup_cfg),
        test_env=_tox_setenv(tox_ini),
    )


# tox sets these itself or they are ours to set: `python -m pytest` already has the working
# directory on sys.path, and the working copy's own PYTHONPATH (a src layout) must stand.
_NOT_FROM_TOX = frozenset({"PYTHONPATH", "COVERAGE_FILE", "PATH", "VIRTUAL_ENV"})


def _tox_setenv(tox_ini: configparser.ConfigParser) -> dict[str, str]:
    """tox.ini's [testenv] `setenv` (`DJANGO_SETTINGS_MODULE = tests.settings`): what every test
    env runs with. A line for some envs only (`py38: X = 1`) or holding a tox substitution is
    left out."""
    found: dict[str, str] = {}
    for line in tox_ini.get("testenv", "setenv", fallback="").splitlines():
        text = line.strip()
        name, sep, value = text.partition("=")
        if not sep or FACTOR_CONDITION.match(text) or "{" in value or not name.strip().isidentifier():
            continue
        if name.strip() not in _NOT_FROM_TOX:
            found[name.strip()] = value.strip()
    return found


def _mypy(root: Path, tool: Mapping[str, Any], setup_cfg: configparser.ConfigParser) -> MypySettings | None:
    for file in ("mypy.ini", ".mypy.ini"):
        if (root / file).is_file():
            parser = _read_ini(root / file)
            if parser.has_section("mypy"):
                return _mypy_ini(parser, f"{file} [mypy]")
    mypy = tool.get("mypy")
    if isinstance(mypy, dict):
        raw_overrides = mypy.get("overrides")
        overrides: list[Any] = raw_overrides if isinstance(raw_overrides, list) else []
        ignored = [
            f"ignore_errors: {module}"
            for override in overrides
            if isinstance(override, dict) and _truthy(override.get("ignore_errors"))
            for module in _split(override.get("module"))
        ]
        hidden = tuple(f"exclude: {pattern}" for pattern in _split_exclude(mypy.get("exclude"))) + tuple(
            ignored
        )
        return MypySettings(
            "pyproject.toml [tool.mypy]", _truthy(mypy.get("strict")), _split(mypy.get("files")), hidden
        )
    if setup_cfg.has_section("mypy"):
        return _mypy_ini(setup_cfg, "setup.cfg [mypy]")
    return None


def _mypy_ini(parser: configparser.ConfigParser, where: str) -> MypySettings:
    section = parser["mypy"]
    hidden = [f"exclude: {pattern}" for pattern in _split_exclude(section.get("exclude"))]
    hidden += [
        f"ignore_errors: {name.removeprefix('mypy-')}"
        for name in parser.sections()
        if name.startswith("mypy-") and _truthy(parser[name].get("ignore_errors"))
    ]
    return MypySettings(where, _truthy(section.get("strict")), _split(section.get("files")), tuple(hidden))


def _split_exclude(value: Any) -> tuple[str, ...]:
    """mypy's `exclude`: a list of regexes, or one regex (one exclusion rule, however many paths)."""
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    return ()


def _pytest_option(
    root: Path,
    tool: Mapping[str, Any],
    setup_cfg: configparser.ConfigParser,
    tox_ini: configparser.ConfigParser,
    name: str,
) -> str | list[Any] | None:
    """One of pytest's ini options, from the file pytest itself would read first (a TOML value
    may be a list); None: pytest not configured; "" when that file does not set it."""
    pytest_ini = _read_ini(root / "pytest.ini")
    if pytest_ini.has_section("pytest"):
        return pytest_ini["pytest"].get(name, "")
    pytest = tool.get("pytest")
    options = pytest.get("ini_options") if isinstance(pytest, dict) else None
    if isinstance(options, dict):
        value = options.get(name, "")
        return value if isinstance(value, list) else str(value)
    for parser, section in ((tox_ini, "pytest"), (setup_cfg, "tool:pytest")):
        if parser.has_section(section):
            return parser[section].get(name, "")
    return None


def _pytest_markers(
    root: Path,
    tool: Mapping[str, Any],
    setup_cfg: configparser.ConfigParser,
    tox_ini: configparser.ConfigParser,
) -> tuple[str, ...]:
    """Declared markers by name: `network: needs a connection` and `copied_from(source): ...`
    are `network` and `copied_from`."""
    value = _pytest_option(root, tool, setup_cfg, tox_ini, "markers") or ""
    lines = value if isinstance(value, list) else value.splitlines()
    names = (re.split(r"[:(]", str(line), maxsplit=1)[0].strip() for line in lines)
    return tuple(name for name in names if name)


def _pytest_addopts(
    root: Path,
    tool: Mapping[str, Any],
    setup_cfg: configparser.ConfigParser,
    tox_ini: configparser.ConfigParser,
) -> str | None:
    """pytest's `addopts` from the file pytest itself would read first; None: pytest not configured."""
    addopts = _pytest_option(root, tool, setup_cfg, tox_ini, "addopts")
    return " ".join(str(part) for part in addopts) if isinstance(addopts, list) else addopts


def _coverage_table(tool: Mapping[str, Any], part: str) -> Mapping[str, Any]:
    coverage = tool.get("coverage")
    table = coverage.get(part) if isinstance(coverage, dict) else None
    return table if isinstance(table, dict) else {}


def _coverage_source(root: Path, tool: Mapping[str, Any], setup_cfg: configparser.ConfigParser) -> bool:
    if _coverage_table(tool, "run").get("source") or _coverage_table(tool, "run").get("source_pkgs"):
        return True
    rc = _read_ini(root / ".coveragerc")
    for parser, section in ((rc, "run"), (setup_cfg, "coverage:run")):
        if parser.has_section(section) and (
            parser[section].get("source") or parser[section].get("source_pkgs")
        ):
            return True
    return False


def _fail_under(root: Path, tool: Mapping[str, Any], setup_cfg: configparser.ConfigParser) -> float | None:
    value: Any = _coverage_table(tool, "report").get("fail_under")
    rc = _read_ini(root / ".coveragerc")
    for parser, section in ((rc, "report"), (setup_cfg, "coverage:report")):
        if value is None and parser.has_section(section):
            value = parser[section].get("fail_under")
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
