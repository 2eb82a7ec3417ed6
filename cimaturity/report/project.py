"""Raw facts about the target repository that rules need: files, docs text, dependencies, the
databases and caches it talks to, what the project ships (containers, compose services, Procfile
processes), what it offers to run checks locally (tox, nox, pre-commit, make, just, hatch, pdm,
invoke, shell scripts), migrations, sub-projects and the default branch.

Gathered once, so rules never read files themselves. Nothing here judges: whether a command
starts a server, or whether the project is a service, is for the rules to say.

Paths: `files` and `texts` are relative to the project folder; `.github/` and CODEOWNERS are
read where GitHub reads them, at the repository root (or at the project folder when it has its
own `.github/`, e.g. a stand-alone copy). Every path a fact *shows* (`Launch.source`,
`Migration.path`, `locate`) is relative to the repository: `backend/Dockerfile`.
"""

from __future__ import annotations

import ast
import contextlib
import fnmatch
import json
import os
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cimaturity import proc
from cimaturity.layout import RepoLayout, layout_of
from cimaturity.report.ci_follow import CiFollower, Reached, StepCall, classify
from cimaturity.report.ci_follow.files import ProjectFiles
from cimaturity.report.workflows import ci_root

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "reports", ".mypy_cache"})
_MAX_FILES = 20_000  # enough for any service repo; keeps a walk of a huge tree bounded
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".yml", ".yaml")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_REQUIREMENT_EXTRAS = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")
# Folders whose containers, compose files and sub-projects are not what the project ships.
_NOT_SHIPPED = frozenset(
    {
        ".devcontainer",
        "docs",
        "doc",
        "examples",
        "example",
        "samples",
        "sample",
        "demo",
        "demos",
        "tests",
        "test",
        "testing",
        "benchmarks",
        "fixtures",
    }
)
_SUBPROJECT_MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "alembic.ini",
    "Dockerfile",
    "manage.py",
)
_COMPOSE = re.compile(r"^(?:docker-)?compose(?:\.[\w-]+)?\.ya?ml$")
_DJANGO_MIGRATION = re.compile(r"(?:^|/)migrations/0001_\w*\.py$")
_GIT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Launch:
    """A command the project's container image, compose service or Procfile process starts."""

    source: str  # the file, relative to the repository: `backend/Dockerfile`
    kind: str  # Dockerfile | compose | Procfile
    name: str  # compose service or Procfile process type ("" for a Dockerfile)
    command: str


@dataclass(frozen=True)
class Migration:
    tool: str  # Alembic | Django | aerich
    path: str  # where, relative to the repository: `backend/alembic.ini`


@dataclass(frozen=True)
class Datastore:
    """A database or cache the project talks to, and how that is known."""

    kind: str  # postgres | mysql | mongo | redis | sqlite | database (an ORM naming no server)
    why: str  # "psycopg2 in `requirements/base.txt`", "postgres:// in `config/django/base.py:108`"


@dataclass(frozen=True)
class ComposeService:
    """A service of a compose file, as `docker compose up NAME` in a workflow step would start it."""

    file: str  # relative to the workflows' root, as a step's working-directory is: `compose.yml`
    name: str
    image: str  # "" when the service is built, not pulled


@dataclass(frozen=True)
class LocalEntry:
    """Something a developer runs to check the project locally, and the commands it runs."""

    tool: str  # tox | nox | pre-commit | make | just | hatch | pdm | invoke | script
    source: str  # the file, relative to the repository: `pyproject.toml`, `backend/scripts/lint.sh`
    context: str  # the table holding it (`[tool.tox]`, `[tool.pdm.scripts]`); "" for a whole file
    names: tuple[str, ...]  # its envs, sessions, hooks, targets, recipes, scripts or tasks
    # What it runs: one hop (ci_follow), and one more where that hop is a runner itself (a tox
    # env running pre-commit, a script running another script).
    reached: tuple[Reached, ...]


@dataclass(frozen=True)
class ProjectFacts:
    root: Path  # the project folder
    files: frozenset[str]  # posix paths relative to root
    texts: Mapping[str, str]  # docs/ and README* under root, by their path relative to root
    dependencies: Mapping[str, str]  # normalised package name -> file declaring it (repo-relative)
    prefix: str = ""  # the project folder relative to the repository ("" at its root)
    repo_files: frozenset[str] = frozenset()  # .github/** and CODEOWNERS where GitHub reads them
    repo_texts: Mapping[str, str] = field(default_factory=dict)  # their text, same keys
    subprojects: tuple[str, ...] = ()  # folders one or two levels down with their own project files
    launches: tuple[Launch, ...] = ()
    declared_service: str | None = None  # the pyproject.toml declaring [tool.cimaturity.service]
    migrations: tuple[Migration, ...] = ()
    default_branch: str | None = None
    datastores: tuple[Datastore, ...] = ()
    compose_services: tuple[ComposeService, ...] = ()
    local_entries: tuple[LocalEntry, ...] = ()

    def shown(self, path: str) -> str:
        """A project-relative path as the repository sees it (`backend/` + path)."""
        return f"{self.prefix}/{path}" if self.prefix else path

    def exists(self, path: str) -> bool:
        return self.locate(path) is not None

    def locate(self, pattern: str) -> str | None:
        """Where `pattern` (a path, `*` within one folder level) is, relative to the repository.

        `.github/...` and CODEOWNERS are looked up where GitHub reads them; anything else in the
        project folder, then in each sub-project (`Dockerfile` is found as `backend/Dockerfile`).
        """
        return next(iter(self.locate_all(pattern)), None)

    def locate_all(self, pattern: str) -> tuple[str, ...]:
        """Every match of `pattern`, the project folder's first, then each sub-project's."""
        if is_repo_level(pattern):
            return _matches(self.repo_files, pattern)
        found: list[str] = []
        for folder in ("", *self.subprojects):
            found.extend(
                self.shown(n) for n in _matches(self.files, f"{folder}/{pattern}" if folder else pattern)
            )
        return tuple(found)

    def text(self, path: str) -> tuple[str, str] | None:
        """(where, text) of a docs or `.github` file the rubric names, or None."""
        if is_repo_level(path):
            return (path, self.repo_texts[path]) if path in self.repo_texts else None
        return (self.shown(path), self.texts[path]) if path in self.texts else None


def is_repo_level(path: str) -> bool:
    """GitHub reads these at the repository root, whatever folder the project is in."""
    return path.startswith(".github/") or path in ("CODEOWNERS", "docs/CODEOWNERS")


def github_root(layout: RepoLayout) -> Path:
    """The folder whose `.github/` applies: the project's own when it has one, else the git root's
    (the same folder the workflows are read from)."""
    return ci_root(layout.project)


def gather_project(root: Path) -> ProjectFacts:
    layout = layout_of(root)
    root = layout.project
    files = frozenset(path.relative_to(root).as_posix() for path in _walk(root))
    subprojects = _subprojects(files)
    folders = ("", *subprojects)
    pyprojects = _pyprojects(root, files, folders)
    shown = _Shown(layout.subfolder)
    repo = github_root(layout)
    repo_files = frozenset(
        n for n in (files if repo == root else _repo_level_files(repo)) if is_repo_level(n)
    )
    dependencies = _dependencies(root, files, folders, pyprojects, shown)
    return ProjectFacts(
        root=root,
        files=files,
        texts=_read_texts(root, (name for name in files if _is_doc(name))),
        dependencies=dependencies,
        prefix=layout.subfolder,
        repo_files=repo_files,
        repo_texts=_read_texts(repo, (name for name in repo_files if _is_repo_text(name))),
        subprojects=subprojects,
        launches=_launches(root, files, folders, shown),
        declared_service=next(
            (
                shown(path)
                for path, document in pyprojects.items()
                if _table(document, "tool", "cimaturity", "service")
            ),
            None,
        ),
        migrations=_migrations(files, pyprojects, shown, django="django" in dependencies),
        default_branch=_default_branch(layout, repo),
        datastores=_datastores(root, files, folders, pyprojects, shown),
        compose_services=_compose_services(root, files, repo),
        local_entries=_LocalEntries(layout, files, folders, pyprojects).gather(),
    )


@dataclass(frozen=True)
class _Shown:
    prefix: str

    def __call__(self, path: str) -> str:
        return f"{self.prefix}/{path}" if self.prefix else path


# --- walking ----------------------------------------------------------------------------------


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    stack = [root]
    while stack and len(found) < _MAX_FILES:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in _SKIP_DIRS:
                    stack.append(entry)
            elif entry.is_file():
                found.append(entry)
    return found[:_MAX_FILES]


def _repo_level_files(repo: Path) -> frozenset[str]:
    names = (
        {p.relative_to(repo).as_posix() for p in _walk(repo / ".github")}
        if (repo / ".github").is_dir()
        else set()
    )
    names.update(name for name in ("CODEOWNERS", "docs/CODEOWNERS") if (repo / name).is_file())
    return frozenset(names)


def _matches(files: frozenset[str], pattern: str) -> tuple[str, ...]:
    """The files matching `pattern` (a folder matches when it holds files), sorted."""
    if not any(char in pattern for char in "*?["):
        folder = pattern.rstrip("/") + "/"
        return (pattern,) if pattern in files or any(n.startswith(folder) for n in files) else ()
    depth = pattern.count("/")
    return tuple(sorted(n for n in files if n.count("/") == depth and fnmatch.fnmatchcase(n, pattern)))


def _shipped(name: str) -> bool:
    """Not under docs/, examples/, tests/, .devcontainer/, ... (those do not ship the project)."""
    return not any(part.lower() in _NOT_SHIPPED for part in name.split("/")[:-1])


def _subprojects(files: frozenset[str]) -> tuple[str, ...]:
    found: set[str] = set()
    for name in files:
        parts = name.split("/")
        hidden = any(part.startswith(".") for part in parts[:-1])
        if 2 <= len(parts) <= 3 and parts[-1] in _SUBPROJECT_MARKERS and _shipped(name) and not hidden:
            found.add("/".join(parts[:-1]))
    return tuple(sorted(found))


def _is_doc(name: str) -> bool:
    top = name.split("/", 1)[0]
    return (top == "docs" or name.upper().startswith("README")) and name.endswith(_DOC_SUFFIXES)


def _is_repo_text(name: str) -> bool:
    return (name.startswith(".github/") and name.endswith(_DOC_SUFFIXES)) or name.endswith("CODEOWNERS")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:200_000]
    except OSError:
        return None


def _read_texts(root: Path, names: Iterable[str]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name in sorted(names):
        text = _read(root / name)
        if text is not None:
            texts[name] = text
    return texts


# --- pyproject.toml and dependencies ----------------------------------------------------------


def _pyprojects(root: Path, files: frozenset[str], folders: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for folder in folders:
        name = f"{folder}/pyproject.toml" if folder else "pyproject.toml"
        text = _read(root / name) if name in files else None
        if text is None:
            continue
        try:
            documents[name] = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
    return documents


def _table(document: Mapping[str, Any], *keys: str) -> Mapping[str, Any] | None:
    value: Any = document
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, Mapping) and value else None


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dependencies(
    root: Path,
    files: frozenset[str],
    folders: tuple[str, ...],
    pyprojects: Mapping[str, Mapping[str, Any]],
    shown: _Shown,
) -> dict[str, str]:
    names: dict[str, str] = {}
    for folder in folders:
        base = f"{folder}/" if folder else ""
        for name in sorted(files):
            relative = name[len(base) :] if name.startswith(base) else None
            if relative is not None and _is_requirements(relative):
                for package in _requirement_names(_read(root / name) or ""):
                    names.setdefault(package, shown(name))
    for path, document in pyprojects.items():
        for package in _pyproject_dependencies(document):
            names.setdefault(package, shown(path))
    return names


def _is_requirements(relative: str) -> bool:
    parts = relative.split("/")
    if len(parts) == 1:
        return fnmatch.fnmatchcase(parts[0], "requirements*.txt")
    return len(parts) == 2 and parts[0] == "requirements" and parts[1].endswith(".txt")


def _requirement_names(text: str) -> set[str]:
    return {name for name, _extras in _requirement_items(text.splitlines())}


def _requirement_items(lines: Iterable[str]) -> set[tuple[str, frozenset[str]]]:
    """(normalised name, its extras) of each requirement line: `celery[redis]` -> celery, {redis}."""
    items: set[tuple[str, frozenset[str]]] = set()
    for line in lines:
        match = _REQUIREMENT_EXTRAS.match(line)
        if match and not line.lstrip().startswith("-"):
            extras = frozenset(_normalise(e.strip()) for e in (match.group(2) or "").split(",") if e.strip())
            items.add((_normalise(match.group(1)), extras))
    return items


def _pyproject_dependencies(document: Mapping[str, Any]) -> set[str]:
    return {name for name, _extras in _pyproject_items(document)}


def _pyproject_items(document: Mapping[str, Any]) -> set[tuple[str, frozenset[str]]]:
    declared = (_table(document, "project") or {}).get("dependencies", [])
    items = _requirement_items(str(item) for item in (declared if isinstance(declared, list) else []))
    poetry = _table(document, "tool", "poetry", "dependencies") or {}
    for key, value in poetry.items():
        if str(key).lower() == "python":
            continue
        extras = value.get("extras", []) if isinstance(value, Mapping) else []
        wanted = frozenset(_normalise(str(e)) for e in extras) if isinstance(extras, list) else frozenset()
        items.add((_normalise(str(key)), wanted))
    return items


# --- what the project starts: Dockerfiles, compose services, Procfile -------------------------


def _launches(
    root: Path, files: frozenset[str], folders: tuple[str, ...], shown: _Shown
) -> tuple[Launch, ...]:
    launches: list[Launch] = []
    for name in sorted(files):
        base = name.rsplit("/", 1)[-1]
        if not _shipped(name):
            continue
        if _is_dockerfile(base):
            launches.extend(_dockerfile_launches(shown(name), _read(root / name) or ""))
        elif _COMPOSE.match(base):
            launches.extend(_compose_launches(shown(name), _read(root / name) or ""))
    for folder in folders:
        name = f"{folder}/Procfile" if folder else "Procfile"
        if name in files:
            launches.extend(_procfile_launches(shown(name), _read(root / name) or ""))
    return tuple(launches)


def _is_dockerfile(base: str) -> bool:
    return (
        base in ("Dockerfile", "Containerfile")
        or base.startswith("Dockerfile.")
        or base.endswith((".Dockerfile", ".dockerfile"))
    )


def _dockerfile_launches(source: str, text: str) -> list[Launch]:
    """The image's command: its last ENTRYPOINT and CMD (what `docker run` starts)."""
    found: dict[str, str] = {}
    for line in re.sub(r"\\\r?\n", " ", text).splitlines():
        match = re.match(r"^\s*(CMD|ENTRYPOINT)\s+(.+)$", line, re.IGNORECASE)
        if match:
            found[match.group(1).upper()] = _command_text(match.group(2))
    command = " ".join(part for part in (found.get("ENTRYPOINT", ""), found.get("CMD", "")) if part)
    return [Launch(source, "Dockerfile", "", command)] if command else []


def _command_text(raw: str) -> str:
    """`["fastapi", "run"]` (exec form) or `fastapi run` (shell form) as one line."""
    raw = raw.strip()
    if raw.startswith("["):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return " ".join(str(part) for part in parsed)
    return " ".join(raw.split())


def _compose_launches(source: str, text: str) -> list[Launch]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    services = document.get("services") if isinstance(document, dict) else None
    launches: list[Launch] = []
    for name, service in (services or {}).items() if isinstance(services, dict) else ():
        if not isinstance(service, dict):
            continue
        parts = [service.get("entrypoint"), service.get("command")]
        command = " ".join(_compose_command(part) for part in parts if part)
        if command:
            launches.append(Launch(source, "compose", str(name), command))
    return launches


def _compose_command(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(part) for part in value)
    return " ".join(str(value).split())


def _procfile_launches(source: str, text: str) -> list[Launch]:
    launches: list[Launch] = []
    for line in text.splitlines():
        match = re.match(r"^\s*([A-Za-z0-9_-]+)\s*:\s*(.+)$", line)
        if match:
            launches.append(Launch(source, "Procfile", match.group(1), " ".join(match.group(2).split())))
    return launches


# --- migrations ---------------------------------------------------------------------------------


def _migrations(
    files: frozenset[str], pyprojects: Mapping[str, Mapping[str, Any]], shown: _Shown, *, django: bool
) -> tuple[Migration, ...]:
    """Alembic anywhere shipped; Django's in a project (`manage.py`) or in an app that depends on
    Django and ships its own (jazzband/django-oauth-toolkit's `oauth2_provider/migrations/`, which
    its users apply and its tox env `migrations` checks); aerich."""
    shipped = sorted(name for name in files if _shipped(name))
    found = [
        Migration("Alembic", shown(name)) for name in shipped if name.rsplit("/", 1)[-1] == "alembic.ini"
    ]
    if django or any(name.rsplit("/", 1)[-1] == "manage.py" for name in shipped):
        apps = [name for name in shipped if _DJANGO_MIGRATION.search(name)]
        if apps:
            folder = apps[0].rsplit("/", 1)[0]
            more = f" (and {len(apps) - 1} more app(s))" if len(apps) > 1 else ""
            found.append(Migration("Django", shown(folder) + "/" + more))
    found.extend(
        Migration("aerich", shown(path))
        for path, document in pyprojects.items()
        if _table(document, "tool", "aerich")
    )
    return tuple(found)


# --- the default branch -----------------------------------------------------------------------


def _default_branch(layout: RepoLayout, repo: Path) -> str | None:
    """origin's HEAD (`git symbolic-ref`), else the branch the workflows' push triggers name most."""
    if layout.in_git:
        try:
            result = proc.run(
                ["git", "symbolic-ref", "--short", "refs/remotes/origin/HEAD"],
                cwd=layout.repo,
                env=os.environ,
                timeout_s=_GIT_TIMEOUT_S,
            )
        except (proc.ToolMissingError, proc.CommandTimeoutError, OSError):
            result = None
        ref = result.output.strip() if result is not None and result.exit_code == 0 else ""
        if ref.count("/") >= 1 and "\n" not in ref:
            return ref.split("/", 1)[1]
    return _push_branch(repo)


def _push_branch(repo: Path) -> str | None:
    folder = repo / ".github" / "workflows"
    paths = sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]) if folder.is_dir() else []
    counts: Counter[str] = Counter()
    for path in paths:
        counts.update(_push_branches(_read(path) or ""))
    if not counts:
        return None
    best = max(counts.values())
    tied = [name for name, count in counts.items() if count == best]
    return next((name for name in ("main", "master") if name in tied), sorted(tied)[0])


def _push_branches(text: str) -> list[str]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    if not isinstance(document, dict):
        return []
    on = document.get("on", document.get(True))  # YAML 1.1 reads the bare key `on` as True
    push = on.get("push") if isinstance(on, dict) else None
    branches = push.get("branches") if isinstance(push, dict) else None
    if isinstance(branches, str):
        branches = [branches]
    if not isinstance(branches, list):
        return []
    return [str(b) for b in branches if not any(char in str(b) for char in "*?[!")]


# --- databases and caches the project talks to ------------------------------------------------

# Client libraries by the server they talk to (normalised package names).
_DRIVERS: dict[str, tuple[str, ...]] = {
    "postgres": (
        "psycopg",
        "psycopg2",
        "psycopg2-binary",
        "psycopg-binary",
        "psycopg-c",
        "psycopg-pool",
        "psycopg2cffi",
        "asyncpg",
        "aiopg",
        "pg8000",
    ),
    "mysql": ("mysqlclient", "pymysql", "aiomysql", "asyncmy", "mysql-connector-python", "mariadb"),
    "mongo": ("pymongo", "motor", "mongoengine", "beanie", "odmantic"),
    "redis": ("redis", "hiredis", "aioredis", "django-redis", "redis-py-cluster", "rq", "arq"),
    "sqlite": ("aiosqlite",),
}
# ORMs and query layers that name no server by themselves: the server comes from a URL or engine.
_ORMS = (
    "sqlalchemy",
    "sqlmodel",
    "databases",
    "django",
    "tortoise-orm",
    "peewee",
    "pony",
    "ormar",
    "piccolo",
)
# An extra naming a server (`celery[redis]`, `sqlalchemy[postgresql-asyncpg]`) pulls in its client.
_EXTRA_KINDS = (
    ("postgres", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("redis", "redis"),
    ("mongo", "mongo"),
)
_URL_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (
            "postgres",
            r"\bpostgres(?:ql)?(?:\+\w+)?://|django\.db\.backends\.postgresql|\.backends\.postgis\b",
        ),
        ("mysql", r"\b(?:mysql|mariadb)(?:\+\w+)?://|django\.db\.backends\.mysql"),
        ("mongo", r"\bmongodb(?:\+srv)?://"),
        ("redis", r"\brediss?://|\bdjango_redis\b|\bRedisCache\b"),
        ("sqlite", r"\bsqlite(?:\+\w+)?:///|django\.db\.backends\.sqlite3"),
    )
)
_SERVER_KINDS = ("postgres", "mysql", "mongo")
_CONFIG_NAME = re.compile(
    r"^(?:\.env(?:\..+)?|.+\.env|alembic\.ini|settings(?:_\w+)?\.py|config\.py|database\.py|db\.py)$"
)
_CONFIG_FOLDERS = frozenset({"settings", "config", "conf"})
_MAX_CONFIG_FILES = 200


def _datastores(
    root: Path,
    files: frozenset[str],
    folders: tuple[str, ...],
    pyprojects: Mapping[str, Mapping[str, Any]],
    shown: _Shown,
) -> tuple[Datastore, ...]:
    """What the project talks to: client libraries among its dependencies (with their extras), then
    database URLs and Django engines in its settings, .env and alembic.ini files."""
    found: dict[str, str] = {}
    orms: list[str] = []
    for package, extras, source in _dependency_items(root, files, folders, pyprojects, shown):
        where = f"`{source}`"
        for kind, drivers in _DRIVERS.items():
            if package in drivers:
                found.setdefault(kind, f"{package} in {where}")
        for extra in sorted(extras):
            for word, kind in _EXTRA_KINDS:
                if word in extra:
                    found.setdefault(kind, f"{package}[{extra}] in {where}")
        if package in _ORMS:
            orms.append(f"{package} in {where}")
    for name in _config_files(files):
        for number, line in enumerate((_read(root / name) or "").splitlines(), start=1):
            if line.lstrip().startswith(("#", ";", "//")):
                continue
            for kind, pattern in _URL_KINDS:
                match = pattern.search(line)
                if match:
                    found.setdefault(kind, f"{match.group(0)} in `{shown(name)}:{number}`")
    if orms and not any(kind in found for kind in (*_SERVER_KINDS, "sqlite")):
        found["database"] = f"{sorted(orms)[0]} names no server: no driver, URL or engine found"
    return tuple(Datastore(kind, why) for kind, why in found.items())


def _dependency_items(
    root: Path,
    files: frozenset[str],
    folders: tuple[str, ...],
    pyprojects: Mapping[str, Mapping[str, Any]],
    shown: _Shown,
) -> list[tuple[str, frozenset[str], str]]:
    """(package, extras, declaring file) over the same files as `_dependencies`, in its order."""
    items: list[tuple[str, frozenset[str], str]] = []
    for folder in folders:
        base = f"{folder}/" if folder else ""
        for name in sorted(files):
            relative = name[len(base) :] if name.startswith(base) else None
            if relative is not None and _is_requirements(relative):
                lines = (_read(root / name) or "").splitlines()
                items.extend((p, e, shown(name)) for p, e in sorted(_requirement_items(lines), key=str))
    for path, document in pyprojects.items():
        items.extend((p, e, shown(path)) for p, e in sorted(_pyproject_items(document), key=str))
    return items


def _config_files(files: frozenset[str]) -> list[str]:
    """Settings, .env and alembic.ini files of the shipped code (not tests, docs or examples)."""
    chosen = [
        name
        for name in sorted(files)
        if _shipped(name)
        and (
            _CONFIG_NAME.match(name.rsplit("/", 1)[-1])
            or (name.endswith(".py") and any(part in _CONFIG_FOLDERS for part in name.split("/")[:-1]))
        )
    ]
    return chosen[:_MAX_CONFIG_FILES]


# --- compose services a workflow step may start -----------------------------------------------


def _compose_services(root: Path, files: frozenset[str], repo: Path) -> tuple[ComposeService, ...]:
    """Every service of the project's compose files and of those at the workflows' root, named by
    the file relative to that root (where a step's `docker compose up` runs)."""
    paths = [root / name for name in sorted(files) if _COMPOSE.match(name.rsplit("/", 1)[-1])]
    if repo != root:
        paths.extend(sorted(p for p in repo.iterdir() if p.is_file() and _COMPOSE.match(p.name)))
    services: list[ComposeService] = []
    for path in dict.fromkeys(paths):
        try:
            relative = path.resolve().relative_to(repo.resolve()).as_posix()
        except ValueError:
            continue
        services.extend(_compose_images(relative, _read(path) or ""))
    return tuple(services)


def _compose_images(source: str, text: str) -> list[ComposeService]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    services = document.get("services") if isinstance(document, dict) else None
    return [
        ComposeService(source, str(name), str(service.get("image") or ""))
        for name, service in (services.items() if isinstance(services, dict) else ())
        if isinstance(service, dict)
    ]


# --- what the project offers to run its checks locally ----------------------------------------

_MAKE_TARGET = re.compile(
    r"^([A-Za-z0-9][\w./-]*(?:[ \t]+[A-Za-z0-9][\w./-]*)*)[ \t]*:(?![:=])", re.MULTILINE
)
_JUST_RECIPE = re.compile(r"^@?([A-Za-z_][\w-]*)(?:[ \t]+[^:=\n]*)?[ \t]*:(?!=)", re.MULTILINE)
_SCRIPT_FOLDERS = ("", "scripts", "bin")


def _shell_without_suffix(base: Path, name: str) -> bool:
    """A file in scripts/ or bin/ with no suffix whose first line is a shell's `#!`."""
    if "/" not in name or "." in name.rsplit("/", 1)[1]:
        return False
    return ProjectFiles(base).is_shell_script(name)


_MAX_SCRIPTS = 40
_MAX_SECOND_HOPS = 60


class _LocalEntries:
    """Finds tox, nox, pre-commit, make, just, hatch, pdm and invoke configurations and shell
    scripts in the project folder, its sub-projects and (for a project in a subfolder) the
    repository root, and asks ci_follow what each runs, as a workflow step running it would."""

    def __init__(
        self,
        layout: RepoLayout,
        files: frozenset[str],
        folders: tuple[str, ...],
        pyprojects: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self._layout = layout
        self._files = files
        self._folders = folders
        self._pyprojects = pyprojects
        self._follower = CiFollower(layout.repo)

    def gather(self) -> tuple[LocalEntry, ...]:
        places: list[tuple[str | None, str]] = [
            (folder, self._layout.repo_relative(folder) if folder else self._layout.subfolder)
            for folder in self._folders
        ]
        if self._layout.subfolder and github_root(self._layout) == self._layout.repo:
            # the repository root, outside the project folder (unless the project has a .github
            # of its own: then it is a repository copied into another and stands for itself)
            places.append((None, ""))
        return tuple(entry for folder, cwd in places for entry in self._in_folder(folder, cwd))

    # -- where things are --

    def _has(self, folder: str | None, name: str) -> bool:
        if folder is None:
            return (self._layout.repo / name).is_file()
        return (f"{folder}/{name}" if folder else name) in self._files

    def _text(self, folder: str | None, name: str) -> str | None:
        if not self._has(folder, name):
            return None
        base = self._layout.repo if folder is None else self._layout.project / folder
        return _read(base / name)

    def _pyproject(self, folder: str | None) -> Mapping[str, Any]:
        if folder is not None:
            return self._pyprojects.get(f"{folder}/pyproject.toml" if folder else "pyproject.toml", {})
        text = self._text(None, "pyproject.toml")
        try:
            return tomllib.loads(text) if text else {}
        except tomllib.TOMLDecodeError:
            return {}

    def _scripts(self, folder: str | None) -> list[str]:
        """Shell scripts at the top of `folder` and in its scripts/ and bin/, relative to it:
        `*.sh`, and in scripts/ and bin/ also files without a suffix that start with a shell's
        `#!` (encode's `scripts/test`, `scripts/check`)."""
        base_dir = self._layout.repo if folder is None else self._layout.project / folder
        if folder is None:
            names = [
                p.relative_to(base_dir).as_posix()
                for sub in _SCRIPT_FOLDERS
                if (base_dir / sub).is_dir()
                for p in sorted((base_dir / sub).iterdir())
                if p.is_file()
            ]
        else:
            base = f"{folder}/" if folder else ""
            names = [name[len(base) :] for name in sorted(self._files) if name.startswith(base)]
        chosen = [
            name
            for name in names
            if (name.rsplit("/", 1)[0] if "/" in name else "") in _SCRIPT_FOLDERS
            and (name.endswith(".sh") or _shell_without_suffix(base_dir, name))
        ]
        return chosen[:_MAX_SCRIPTS]

    # -- what each runs --

    def _follow(self, run: str, cwd: str) -> tuple[Reached, ...]:
        first = self._follower.follow(StepCall(run=run, working_directory=cwd)).reached
        reached: list[Reached] = list(first)
        for item in [item for item in first if not item.kinds][:_MAX_SECOND_HOPS]:
            reached.extend(self._follower.follow(StepCall(run=item.command, working_directory=cwd)).reached)
        return tuple(dict.fromkeys(reached))

    def _in_folder(self, folder: str | None, cwd: str) -> list[LocalEntry]:
        def at(name: str) -> str:
            return f"{cwd}/{name}" if cwd else name

        entries: list[LocalEntry] = []
        pyproject = self._pyproject(folder)
        tox_file = next(
            (name for name in ("tox.ini", "tox.toml") if self._has(folder, name)),
            "pyproject.toml" if _table(pyproject, "tool", "tox") else None,
        )
        if tox_file is None and "[tox:tox]" in (self._text(folder, "setup.cfg") or ""):
            tox_file = "setup.cfg"
        if tox_file is not None:
            context = "[tool.tox]" if tox_file == "pyproject.toml" else ""
            reached = self._follow("tox", cwd)
            entries.append(
                LocalEntry(
                    "tox", at(tox_file), context, _contexts(reached, "[tool.tox.env.", "[testenv:"), reached
                )
            )
        if self._has(folder, "noxfile.py"):
            reached = self._follow("nox", cwd)
            entries.append(LocalEntry("nox", at("noxfile.py"), "", _contexts(reached, "session "), reached))
        for name in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
            if self._has(folder, name):
                reached = self._follow(f"pre-commit run --all-files -c {name}", cwd)
                hooks = tuple(
                    dict.fromkeys(item.command.split(":", 1)[0] for item in reached if item.context == "hook")
                )
                entries.append(LocalEntry("pre-commit", at(name), "", hooks, reached))
                break
        for name in ("GNUmakefile", "makefile", "Makefile"):
            text = self._text(folder, name)
            if text is not None:
                targets = _make_targets(text)
                reached = self._follow(f"make -f {name} {' '.join(targets)}", cwd) if targets else ()
                entries.append(LocalEntry("make", at(name), "", targets, reached))
                break
        for name in ("justfile", "Justfile", ".justfile"):
            text = self._text(folder, name)
            if text is not None:
                recipes = tuple(dict.fromkeys(m.group(1) for m in _JUST_RECIPE.finditer(text)))
                reached = self._follow(f"just -f {name} {' '.join(recipes)}", cwd) if recipes else ()
                entries.append(LocalEntry("just", at(name), "", recipes, reached))
                break
        entries.extend(self._toml_scripts(folder, cwd, pyproject))
        tasks = self._text(folder, "tasks.py")
        if tasks is not None:
            names, reached = _invoke_tasks(at("tasks.py"), tasks)
            entries.append(LocalEntry("invoke", at("tasks.py"), "", names, reached))
        for script in self._scripts(folder):
            entries.append(LocalEntry("script", at(script), "", (), self._follow(f"bash {script}", cwd)))
        return entries

    def _toml_scripts(self, folder: str | None, cwd: str, pyproject: Mapping[str, Any]) -> list[LocalEntry]:
        at = f"{cwd}/pyproject.toml" if cwd else "pyproject.toml"
        entries: list[LocalEntry] = []
        hatch = [
            (
                "pyproject.toml",
                _table(pyproject, "tool", "hatch", "envs") or {},
                "[tool.hatch.envs.*.scripts]",
            )
        ]
        hatch_toml = self._text(folder, "hatch.toml")
        if hatch_toml is not None:
            with contextlib.suppress(tomllib.TOMLDecodeError):
                hatch.append(
                    ("hatch.toml", _table(tomllib.loads(hatch_toml), "envs") or {}, "[envs.*.scripts]")
                )
        for file, envs, context in hatch:
            calls = [
                f"hatch run {'' if env == 'default' else f'{env}:'}{name}"
                for env, table in envs.items()
                if isinstance(table, Mapping)
                for name in (table.get("scripts") or {})
            ]
            if calls:
                reached = tuple(item for call in calls for item in self._follow(call, cwd))
                names = tuple(call.removeprefix("hatch run ") for call in calls)
                entries.append(
                    LocalEntry(
                        "hatch",
                        f"{cwd}/{file}" if cwd else file,
                        context,
                        names,
                        tuple(dict.fromkeys(reached)),
                    )
                )
        pdm = _table(pyproject, "tool", "pdm", "scripts") or {}
        names = tuple(str(name) for name in pdm if not str(name).startswith("_"))
        if names:
            reached = tuple(item for name in names for item in self._follow(f"pdm run {name}", cwd))
            entries.append(LocalEntry("pdm", at, "[tool.pdm.scripts]", names, tuple(dict.fromkeys(reached))))
        return entries


def _contexts(reached: Iterable[Reached], *prefixes: str) -> tuple[str, ...]:
    """The env or session names the reached commands come from (`[tool.tox.env.typing]` -> typing)."""
    names: list[str] = []
    for item in reached:
        for prefix in prefixes:
            if item.context.startswith(prefix):
                names.append(item.context[len(prefix) :].rstrip("]:"))
    return tuple(dict.fromkeys(names))


def _make_targets(text: str) -> tuple[str, ...]:
    names: list[str] = []
    for match in _MAKE_TARGET.finditer(text):
        names.extend(name for name in match.group(1).split() if not name.startswith(".") and "%" not in name)
    return tuple(dict.fromkeys(names))


def _invoke_tasks(source: str, text: str) -> tuple[tuple[str, ...], tuple[Reached, ...]]:
    """The `@task` functions of a tasks.py, and the command strings they pass to `c.run(...)`."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return (), ()
    names: list[str] = []
    reached: list[Reached] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            _decorator_name(d) == "task" for d in node.decorator_list
        ):
            names.append(node.name)
            for call in ast.walk(node):
                command = _run_argument(call)
                if command:
                    reached.append(
                        Reached(
                            source,
                            getattr(call, "lineno", None),
                            f"task {node.name}:",
                            command,
                            classify(command),
                        )
                    )
    return tuple(names), tuple(reached)


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


def _run_argument(node: ast.AST) -> str | None:
    """`c.run("ruff check .")` -> "ruff check ." (f-strings: their literal parts)."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name not in ("run", "sudo"):
        return None
    first = node.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return " ".join(first.value.split())
    if isinstance(first, ast.JoinedStr):
        parts = [v.value for v in first.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
        return " ".join("".join(parts).split()) or None
    return None


def required_status_checks(text: str, name: str) -> list[str]:
    """The required status checks a committed file declares: the Settings app's YAML
    (`branches[].protection.required_status_checks.contexts`), else one name per line."""
    if name.endswith((".yml", ".yaml")):
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError:
            return []
        found: list[str] = []
        branches = document.get("branches", []) if isinstance(document, dict) else []
        for branch in branches if isinstance(branches, list) else []:
            protection = branch.get("protection", {}) if isinstance(branch, dict) else {}
            checks = (protection or {}).get("required_status_checks", {}) or {}
            found.extend(str(c) for c in checks.get("contexts", []) or [])
        return found
    return [line.strip("-* `\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]
