"""Raw facts about the target repository that rules need: files, docs text, dependencies, what
the project ships (containers, compose services, Procfile processes), migrations, sub-projects
and the default branch.

Gathered once, so rules never read files themselves. Nothing here judges: whether a command
starts a server, or whether the project is a service, is for the rules to say.

Paths: `files` and `texts` are relative to the project folder; `.github/` and CODEOWNERS are
read where GitHub reads them, at the repository root (or at the project folder when it has its
own `.github/`, e.g. a stand-alone copy). Every path a fact *shows* (`Launch.source`,
`Migration.path`, `locate`) is relative to the repository: `backend/Dockerfile`.
"""

from __future__ import annotations

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
from cimaturity.report.workflows import ci_root

_SKIP_DIRS = frozenset({".git", ".venv", "venv", "node_modules", "__pycache__", "reports", ".mypy_cache"})
_MAX_FILES = 20_000  # enough for any service repo; keeps a walk of a huge tree bounded
_DOC_SUFFIXES = (".md", ".rst", ".txt", ".yml", ".yaml")
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
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
    return ProjectFacts(
        root=root,
        files=files,
        texts=_read_texts(root, (name for name in files if _is_doc(name))),
        dependencies=_dependencies(root, files, folders, pyprojects, shown),
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
        migrations=_migrations(files, pyprojects, shown),
        default_branch=_default_branch(layout, repo),
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
    names: set[str] = set()
    for line in text.splitlines():
        match = _REQUIREMENT.match(line)
        if match and not line.lstrip().startswith("-"):
            names.add(_normalise(match.group(1)))
    return names


def _pyproject_dependencies(document: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    declared = (_table(document, "project") or {}).get("dependencies", [])
    for item in declared if isinstance(declared, list) else []:
        match = _REQUIREMENT.match(str(item))
        if match:
            names.add(_normalise(match.group(1)))
    poetry = _table(document, "tool", "poetry", "dependencies") or {}
    names.update(_normalise(str(key)) for key in poetry if str(key).lower() != "python")
    return names


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
    files: frozenset[str], pyprojects: Mapping[str, Mapping[str, Any]], shown: _Shown
) -> tuple[Migration, ...]:
    shipped = sorted(name for name in files if _shipped(name))
    found = [
        Migration("Alembic", shown(name)) for name in shipped if name.rsplit("/", 1)[-1] == "alembic.ini"
    ]
    if any(name.rsplit("/", 1)[-1] == "manage.py" for name in shipped):
        django = [name for name in shipped if _DJANGO_MIGRATION.search(name)]
        if django:
            folder = django[0].rsplit("/", 1)[0]
            more = f" (and {len(django) - 1} more app(s))" if len(django) > 1 else ""
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
