"""What a project's environment is made of, read from its own files (never executed).

The first source that exists wins for the pins: uv.lock (frozen sync) > poetry.lock > pdm.lock >
Pipfile.lock > pylock.toml. Without a lockfile: requirements files, plus the project itself with
its test/dev extras and dependency groups, and tox's [testenv] deps beside them (not its
factor-conditional lines) when no requirements file lists the test dependencies.
"""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from cimaturity.layout import layout_of
from cimaturity.projectconf import UnreadableConfigError, project_tools
from cimaturity.toxnames import FACTOR_CONDITION, env_list, expand, factors_match

# Dependency groups / extras a test run needs, by the names projects give them.
TEST_GROUPS = ("test", "tests", "testing", "dev")
_NOT_FOR_TESTS = re.compile(r"(^|[^a-z])(docs?|min|minimum|constraints?)([^a-z]|$)", re.IGNORECASE)


class PlanError(Exception):
    """A lockfile or manifest that cannot be read; one line naming the file."""


class Source(StrEnum):
    UV_LOCK = "uv.lock"
    POETRY_LOCK = "poetry.lock"
    PDM_LOCK = "pdm.lock"
    PIPFILE_LOCK = "Pipfile.lock"
    PYLOCK = "pylock.toml"
    REQUIREMENTS = "requirements files"
    PYPROJECT = "pyproject.toml"
    TOX = "tox deps"


@dataclass(frozen=True)
class InstallPlan:
    """How to build the project's environment. `inputs` key the environment cache."""

    sources: tuple[Source, ...]
    inputs: tuple[Path, ...]
    requires_python: str | None
    python_pin: str | None  # `.python-version`
    uv_project: Path | None = None  # uv.lock: `uv sync --frozen --project` this folder
    pinned: tuple[str, ...] = ()  # requirement lines exported from a non-uv lockfile
    requirement_files: tuple[Path, ...] = ()
    groups: tuple[str, ...] = ()  # PEP 735 dependency groups to install
    extras: tuple[str, ...] = ()
    editable: bool = False  # install the project itself (editable: tests import its source)
    project_deps: bool = True  # False when a lockfile already pinned the project's dependencies
    extra_requirements: tuple[str, ...] = ()  # e.g. tox deps
    # What the project's pre-commit mypy hook type-checks with (its additional_dependencies).
    typecheck_requirements: tuple[str, ...] = ()

    @property
    def described(self) -> str:
        parts = [source.value for source in self.sources]
        if self.groups:
            parts.append(f"groups {', '.join(self.groups)}")
        if self.extras:
            parts.append(f"extras {', '.join(self.extras)}")
        if self.typecheck_requirements:
            parts.append("the pre-commit mypy hook's dependencies")
        return "; ".join(parts) if parts else "nothing to install"


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PlanError(f"{path.name}: not readable TOML ({exc})") from None


def _find_up(project: Path, name: str) -> Path | None:
    """`name` in the project folder or a parent up to the git root (a uv workspace's lock)."""
    layout = layout_of(project)
    for folder in (project, *project.parents):
        if (folder / name).is_file():
            return folder / name
        if folder == layout.repo:
            break
    return None


def _names(table: Any) -> tuple[str, ...]:
    return tuple(str(key) for key in table) if isinstance(table, dict) else ()


def _test_names(available: Iterable[str]) -> tuple[str, ...]:
    present = set(available)
    return tuple(name for name in TEST_GROUPS if name in present)


def requirement_files(root: Path) -> tuple[Path, ...]:
    """Requirements a test run needs: runtime and test/dev files, not docs or minimum pins."""
    found = {
        *root.glob("*requirements*.txt"),
        *root.glob("requirements/*.txt"),
        *root.glob("tests/requirements*.txt"),
        *root.glob("test/requirements*.txt"),
    }
    return tuple(sorted(p for p in found if p.is_file() and not _NOT_FOR_TESTS.search(p.stem)))


def make_plan(project: Path) -> InstallPlan:
    project = project.resolve()
    pyproject_path = project / "pyproject.toml"
    pyproject = _toml(pyproject_path) if pyproject_path.is_file() else {}
    meta: dict[str, Any] = pyproject["project"] if isinstance(pyproject.get("project"), dict) else {}
    requires_python = meta.get("requires-python") if isinstance(meta.get("requires-python"), str) else None
    pin_file = _find_up(project, ".python-version")
    pin = pin_file.read_text(encoding="utf-8").strip().splitlines()[0] if pin_file else None
    groups = _test_names(_names(pyproject.get("dependency-groups")))
    extras = _test_names(_names(meta.get("optional-dependencies")))
    packaged = bool(pyproject.get("build-system")) or (project / "setup.py").is_file()
    poetry = pyproject.get("tool", {}).get("poetry", {}) if isinstance(pyproject.get("tool"), dict) else {}
    if isinstance(poetry, dict) and poetry:
        packaged = packaged and poetry.get("package-mode", True) is not False
    try:
        mypy_hook = project_tools(project).hooks.get("mypy")
    except UnreadableConfigError as exc:
        raise PlanError(str(exc)) from None
    hook_deps = mypy_hook.additional_dependencies if mypy_hook is not None else ()
    base = InstallPlan((), (), requires_python, pin, typecheck_requirements=hook_deps)
    precommit = project / ".pre-commit-config.yaml" if hook_deps else None
    inputs = tuple(p for p in (pyproject_path, pin_file, precommit) if p is not None and p.is_file())

    uv_lock = _find_up(project, "uv.lock")
    if uv_lock is not None:
        return _replace(base, (Source.UV_LOCK,), (uv_lock, *inputs), uv_project=project, groups=groups)
    for name, reader, source in _LOCKFILES:
        lock = project / name
        if lock.is_file():
            pinned = reader(lock)
            return _replace(
                base,
                (source,),
                (lock, *inputs),
                pinned=pinned,
                editable=packaged,
                project_deps=False,
                extras=extras if packaged else (),
            )
    files = requirement_files(project)
    sources: list[Source] = [Source.REQUIREMENTS] if files else []
    if packaged or groups:
        sources.append(Source.PYPROJECT)
    tox_deps: tuple[str, ...] = ()
    if not files:
        # What tox installs for the tests, beside the extras and groups (django-oauth-toolkit's
        # `dev` extra lacks the pytest-django its tox deps bring).
        tox_deps, tox_file = _tox_deps(project, pyproject)
        if tox_deps and tox_file is not None:
            sources.append(Source.TOX)
            inputs = (*inputs, tox_file)
    return _replace(
        base,
        tuple(sources),
        (*inputs, *files),
        requirement_files=files,
        groups=groups,
        extras=extras if packaged else (),
        editable=packaged,
        extra_requirements=tox_deps,
    )


def _replace(
    base: InstallPlan, sources: tuple[Source, ...], inputs: tuple[Path, ...], **fields: Any
) -> InstallPlan:
    return InstallPlan(
        sources=sources,
        inputs=inputs,
        requires_python=base.requires_python,
        python_pin=base.python_pin,
        typecheck_requirements=base.typecheck_requirements,
        **fields,
    )


# --- lockfile exports: pinned requirement lines -------------------------------------------------

_RUNTIME = frozenset({"main", "default"})
_MAIN_OR_TEST = frozenset({*_RUNTIME, *TEST_GROUPS})


def _pin(name: str, version: str, marker: str | None) -> str:
    return f"{name}=={version}" + (f" ; {marker}" if marker else "")


def _poetry(path: Path, wanted: frozenset[str] = _MAIN_OR_TEST) -> tuple[str, ...]:
    lines: list[str] = []
    for package in _toml(path).get("package", []):
        if not isinstance(package, dict) or "name" not in package or "version" not in package:
            raise PlanError(f"{path.name}: a [[package]] entry without name and version")
        groups = package.get("groups") or [package.get("category", "main")]
        if not wanted & {str(group) for group in groups}:
            continue
        source: dict[str, Any] = package["source"] if isinstance(package.get("source"), dict) else {}
        kind = source.get("type")
        if kind == "git":
            lines.append(f"{package['name']} @ git+{source['url']}@{source.get('resolved_reference', '')}")
            continue
        if kind in ("directory", "file"):
            lines.append(f"{package['name']} @ {(path.parent / source['url']).resolve().as_uri()}")
            continue
        markers = package.get("markers")
        if isinstance(markers, dict):  # poetry 2: one marker per group; any group admitting it
            markers = " or ".join(f"({value})" for value in markers.values())
        lines.append(_pin(str(package["name"]), str(package["version"]), markers))
    return tuple(lines)


def _pdm(path: Path, wanted: frozenset[str] = _MAIN_OR_TEST) -> tuple[str, ...]:
    lines: list[str] = []
    for package in _toml(path).get("package", []):
        if not isinstance(package, dict) or "name" not in package or "version" not in package:
            raise PlanError(f"{path.name}: a [[package]] entry without name and version")
        groups = {str(group) for group in package.get("groups", ["default"])}
        if wanted & groups:
            lines.append(_pin(str(package["name"]), str(package["version"]), package.get("marker")))
    return tuple(lines)


def _pipfile(path: Path, wanted: frozenset[str] = _MAIN_OR_TEST) -> tuple[str, ...]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanError(f"{path.name}: not readable JSON ({exc})") from None
    lines: list[str] = []
    for section in ("default", "develop") if wanted != _RUNTIME else ("default",):
        entries = document.get(section, {}) if isinstance(document, dict) else {}
        for name, entry in entries.items() if isinstance(entries, dict) else ():
            if not isinstance(entry, dict):
                continue
            if "git" in entry:
                lines.append(f"{name} @ git+{entry['git']}@{entry.get('ref', '')}")
            elif isinstance(entry.get("version"), str):
                marker = entry.get("markers")
                lines.append(f"{name}{entry['version']}" + (f" ; {marker}" if marker else ""))
    return tuple(lines)


def _pylock(path: Path, wanted: frozenset[str] = _MAIN_OR_TEST) -> tuple[str, ...]:
    lines: list[str] = []
    for package in _toml(path).get("packages", []):
        if isinstance(package, dict) and "name" in package and "version" in package:
            lines.append(_pin(str(package["name"]), str(package["version"]), package.get("marker")))
    return tuple(lines)


_LOCKFILES = (
    ("poetry.lock", _poetry, Source.POETRY_LOCK),
    ("pdm.lock", _pdm, Source.PDM_LOCK),
    ("Pipfile.lock", _pipfile, Source.PIPFILE_LOCK),
    ("pylock.toml", _pylock, Source.PYLOCK),
)


# --- tox: the test envs' deps -------------------------------------------------------------------


def _tox_deps(project: Path, pyproject: Mapping[str, Any]) -> tuple[tuple[str, ...], Path | None]:
    tox_ini = project / "tox.ini"
    if tox_ini.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(tox_ini, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise PlanError(f"tox.ini: not readable ({str(exc).splitlines()[0]})") from None
        raw = parser.get("testenv", "deps", fallback="")
        names = env_list(
            parser.get("tox", "env_list", fallback="") or parser.get("tox", "envlist", fallback="")
        )
        return _dep_lines(raw.splitlines(), project, _first_test_env(parser, names, raw)), tox_ini
    tox = pyproject.get("tool", {}).get("tox", {}) if isinstance(pyproject.get("tool"), dict) else {}
    base = tox.get("env_run_base", {}) if isinstance(tox, dict) else {}
    deps = base.get("deps", []) if isinstance(base, dict) else []
    if isinstance(deps, list) and deps:
        return _dep_lines([str(item) for item in deps], project), project / "pyproject.toml"
    return (), None


def _first_test_env(parser: configparser.ConfigParser, names: Iterable[str], deps: str) -> frozenset[str]:
    """The factors of the first env in env_list whose factors a conditional dep names and whose
    outcome tox does not ignore: django-oauth-toolkit's `py38-dj42` (Django 4.2), not the latest
    Django its unpinned dependency would bring, nor `djmain` (`ignore_outcome = true`)."""
    conditional = {
        factor.lstrip("!")
        for line in deps.splitlines()
        if (found := FACTOR_CONDITION.match(line.strip()))
        for group in found.group(1).split(",")
        for factor in group.split("-")
    }
    ignored: set[str] = set()
    for section in parser.sections():
        if (
            section.startswith("testenv:")
            and parser.get(section, "ignore_outcome", fallback="").lower() == "true"
        ):
            ignored.update(expand(section.split(":", 1)[1].strip()))
    for name in names:
        factors = frozenset(name.split("-"))
        if factors & conditional and name not in ignored:
            return factors
    return frozenset()


def _dep_lines(lines: Iterable[str], project: Path, factors: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """tox deps lines; a factor-conditional one (`dj42: Django>=4.2,<4.3`) only when `factors`
    (one env's) satisfy its condition."""
    found: list[str] = []
    for line in lines:
        text = line.split("#", 1)[0].strip().replace("{toxinidir}", str(project))
        if not text or "{" in text:  # a tox substitution we cannot resolve: leave it out
            continue
        conditional = FACTOR_CONDITION.match(text)
        if conditional is not None:
            if not factors_match(conditional.group(1), factors):
                continue
            text = text[conditional.end() :].strip()
        found.append(text)
    return tuple(found)


def lockfile(project: Path) -> Path | None:
    """The lockfile that pins the project's dependencies (uv.lock may sit in a workspace root)."""
    project = project.resolve()
    uv_lock = _find_up(project, "uv.lock")
    if uv_lock is not None:
        return uv_lock
    return next((project / name for name, _reader, _source in _LOCKFILES if (project / name).is_file()), None)


def locked_requirements(lock: Path, *, runtime: bool = False) -> tuple[str, ...]:
    """Pinned requirement lines of a poetry, pdm, Pipfile or pylock lockfile (with `runtime`, only
    what the project ships: its main/default group)."""
    for name, reader, _source in _LOCKFILES:
        if lock.name == name:
            return reader(lock, _RUNTIME if runtime else _MAIN_OR_TEST)
    raise PlanError(f"{lock.name}: not a lockfile this reader knows")
