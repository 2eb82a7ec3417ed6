"""`invoke ci` on the development panel, compared criterion by criterion with a person's judgement.

The judgement is `expected.toml` (reasons and evidence in README.md). Each panel repository is
copied to a temporary folder and checked there, with the reports written outside the copy; the
original clone is hashed before and after and must be byte-for-byte unchanged.

Opt-in (see conftest.py): `CIMATURITY_PANEL=/tmp/panel .venv/bin/pytest -m realworld tests/realworld`.
Without `-m realworld` only the fast tests of this module run (the judgement file's shape and
the tree hashing helper).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.realworld.conftest import MARKER, opted_in

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
EXPECTED = HERE / "expected.toml"
RUBRIC = REPO_ROOT / "cimaturity" / "report" / "rubric.toml"
PANEL_ENV = "CIMATURITY_PANEL"
TIMEOUT_ENV = "CIMATURITY_PANEL_TIMEOUT"
DEFAULT_TIMEOUT_S = 3600
# The report's criterion statuses (cimaturity.report.rules.RuleStatus values).
STATUSES = frozenset({"met", "partial", "unmet", "no evidence", "not applicable"})
_COMMIT = re.compile(r"[0-9a-f]{40}")
EVIDENCE_CHARS = 400


class ExpectedError(Exception):
    """expected.toml is malformed."""


@dataclass(frozen=True)
class PanelRepo:
    name: str
    url: str
    commit: str
    folder: str
    project: str  # subfolder holding the Python project, "" for the repository root
    criteria: Mapping[str, frozenset[str]]  # criterion id -> acceptable statuses


@dataclass(frozen=True)
class Mismatch:
    criterion: str
    expected: frozenset[str]
    got: str
    evidence: str

    def line(self) -> str:
        wanted = " or ".join(sorted(self.expected)) or "(not judged in expected.toml)"
        return f"  {self.criterion}: expected {wanted}, got {self.got} -- {self.evidence}"


def _text(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str):
        raise ExpectedError(f"{where}: `{key}` must be a string")
    return value


def _statuses(value: Any, where: str) -> frozenset[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ExpectedError(f"{where}: a status or a non-empty list of statuses")
    unknown = sorted(set(values) - STATUSES)
    if unknown:
        raise ExpectedError(f"{where}: unknown status {', '.join(unknown)} (one of {sorted(STATUSES)})")
    return frozenset(values)


def load_expected(path: Path = EXPECTED) -> tuple[PanelRepo, ...]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    if document.get("format_version") != 1:
        raise ExpectedError(f"{path.name}: format_version must be 1")
    repos = document.get("repos")
    if not isinstance(repos, dict) or not repos:
        raise ExpectedError(f"{path.name}: no [repos.*] tables")
    panel: list[PanelRepo] = []
    for name, table in repos.items():
        where = f"{path.name} [repos.{name}]"
        if not isinstance(table, dict) or not isinstance(table.get("criteria"), dict):
            raise ExpectedError(f"{where}: needs a [repos.{name}.criteria] table")
        commit = _text(table, "commit", where)
        if not _COMMIT.fullmatch(commit):
            raise ExpectedError(f"{where}: commit must be 40 lowercase hex digits")
        criteria = {
            criterion: _statuses(value, f"{where} {criterion}")
            for criterion, value in table["criteria"].items()
        }
        panel.append(
            PanelRepo(
                name=name,
                url=_text(table, "url", where),
                commit=commit,
                folder=_text(table, "folder", where),
                project=_text(table, "project", where),
                criteria=criteria,
            )
        )
    return tuple(panel)


def rubric_criteria(path: Path = RUBRIC) -> tuple[str, ...]:
    with path.open("rb") as handle:
        document = tomllib.load(handle)
    return tuple(str(criterion["id"]) for criterion in document["criteria"])


def tree_digest(root: Path, skip: Callable[[Path], bool] = lambda _relative: False) -> dict[str, str]:
    """Relative path -> what is there (file mode + content hash, link target, or directory).

    Everything under `root` counts, dot-folders included, except what `skip` (given the path
    relative to `root`) leaves out; links are recorded, never followed.
    """
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        base = Path(folder)
        dirs[:] = sorted(d for d in dirs if not skip((base / d).relative_to(root)))
        for name in [*dirs, *(f for f in sorted(files) if not skip((base / f).relative_to(root)))]:
            path = base / name
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):  # a link to a folder is listed in `dirs`, not followed
                what = f"link {path.readlink()}"
            elif stat.S_ISDIR(info.st_mode):
                what = "dir"
            else:
                what = f"{stat.S_IMODE(info.st_mode):o} {hashlib.sha256(path.read_bytes()).hexdigest()}"
            found[path.relative_to(root).as_posix()] = what
    return found


def _topmost(verb: str, paths: set[str], tree: Mapping[str, str]) -> list[str]:
    """`verb` each path, a new or vanished folder once with its count instead of its contents."""
    lines = []
    for path in sorted(paths):
        parts = path.split("/")
        if any("/".join(parts[:i]) in paths for i in range(1, len(parts))):
            continue
        if tree[path] == "dir":
            inside = sum(1 for other in paths if other.startswith(path + "/"))
            lines.append(f"{verb} {path}/ ({inside} entries inside)")
        else:
            lines.append(f"{verb} {path}")
    return lines


def tree_changes(before: Mapping[str, str], after: Mapping[str, str], limit: int = 20) -> list[str]:
    """Added, removed and changed paths, at most `limit` lines, then how many more."""
    changes = _topmost("added", set(after.keys() - before.keys()), after)
    changes += _topmost("removed", set(before.keys() - after.keys()), before)
    changes += [f"changed {p}" for p in sorted(before.keys() & after.keys()) if before[p] != after[p]]
    if len(changes) > limit:
        return [*changes[:limit], f"... and {len(changes) - limit} more"]
    return changes


def compare(repo: PanelRepo, summary: Mapping[str, Any]) -> list[Mismatch]:
    """Every criterion whose reported status is not one the judgement accepts."""
    reported = {
        str(c["id"]): (str(c.get("status")), _one_line(str(c.get("evidence", ""))))
        for c in summary.get("criteria", [])
        if isinstance(c, dict)
    }
    mismatches: list[Mismatch] = []
    for criterion, accepted in repo.criteria.items():
        status, evidence = reported.get(criterion, ("absent", "not in summary.json"))
        if status not in accepted:
            mismatches.append(Mismatch(criterion, accepted, status, evidence))
    mismatches.extend(
        Mismatch(criterion, frozenset(), *reported[criterion])
        for criterion in sorted(reported.keys() - repo.criteria.keys())
    )
    return mismatches


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EVIDENCE_CHARS else flat[: EVIDENCE_CHARS - 1] + "…"


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _panel_root() -> Path:
    value = os.environ.get(PANEL_ENV, "")
    if not value:
        pytest.fail(
            f"set {PANEL_ENV} to the folder holding the panel clones "
            f"(recipe in {HERE.relative_to(REPO_ROOT)}/README.md)",
            pytrace=False,
        )
    return Path(value).resolve()


def _head(repo_dir: Path) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo_dir), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else f"(git failed: {result.stderr.strip()})"


def _tool_env() -> dict[str, str]:
    """The caller's environment, minus what belongs to this test session rather than to a user."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"}
        and not key.startswith(("PYTEST_", "COV_CORE_"))
    }
    # The panel machine reaches PyPI only: fail fast instead of waiting on interpreter downloads.
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def run_ci(project: Path, reports: Path) -> subprocess.CompletedProcess[str]:
    timeout = int(os.environ.get(TIMEOUT_ENV, str(DEFAULT_TIMEOUT_S)))
    command = [sys.executable, "-m", "invoke", "ci", "--project", str(project), "--reports", str(reports)]
    try:
        return subprocess.run(
            command,
            cwd=REPO_ROOT,
            env=_tool_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail(f"`invoke ci` ran over {timeout} s ({TIMEOUT_ENV}) on {project}:\n{_tail(output)}")


PANEL = load_expected()


@pytest.mark.realworld
@pytest.mark.parametrize("repo", PANEL, ids=[repo.name for repo in PANEL])
def test_panel_repository(repo: PanelRepo, tmp_path: Path) -> None:
    original = _panel_root() / repo.folder
    if not original.is_dir():
        pytest.fail(f"{original} is missing: clone {repo.url} there (see README.md)", pytrace=False)
    head = _head(original)
    assert head == repo.commit, f"{original} is at {head}, the judgement is for {repo.commit}"

    before = tree_digest(original)
    copy = tmp_path / "repo" / repo.folder
    shutil.copytree(original, copy, symlinks=True)

    def outside_git(relative: Path) -> bool:
        return relative.parts[:1] == (".git",)

    copy_before = tree_digest(copy, outside_git)
    reports = tmp_path / "reports"
    result = run_ci(copy / repo.project if repo.project else copy, reports)

    changed_original = tree_changes(before, tree_digest(original))
    assert not changed_original, f"the original clone {original} changed:\n" + "\n".join(changed_original)

    summary_path = reports / "summary.json"
    if not summary_path.is_file():
        pytest.fail(
            f"`invoke ci` (exit {result.returncode}) wrote no {summary_path}\n"
            f"--- stdout ---\n{_tail(result.stdout)}\n--- stderr ---\n{_tail(result.stderr)}",
            pytrace=False,
        )
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    mismatches = compare(repo, summary)
    modified = tree_changes(copy_before, tree_digest(copy, outside_git))
    problems: list[str] = []
    if mismatches:
        problems.append(f"{len(mismatches)} of {len(repo.criteria)} criteria differ from expected.toml:")
        problems.extend(m.line() for m in mismatches)
    if modified:
        problems.append("the checked copy's working tree was modified (the tool must be read-only):")
        problems.extend(f"  {change}" for change in modified)
    assert not problems, (
        f"{repo.name} @ {repo.commit[:12]} (score {summary.get('score')}, reports in {reports}):\n"
        + "\n".join(problems)
    )


# --- fast tests of the judgement file and the helpers (run by default) --------------------


def test_expected_judges_every_rubric_criterion() -> None:
    criteria = set(rubric_criteria())
    for repo in PANEL:
        assert set(repo.criteria) == criteria, (
            f"{repo.name}: not judged {sorted(criteria - set(repo.criteria))}, "
            f"unknown {sorted(set(repo.criteria) - criteria)}"
        )
    assert len({repo.folder for repo in PANEL}) == len(PANEL) >= 4


def test_statuses_are_the_reports() -> None:
    from cimaturity.report.rules import RuleStatus

    assert {status.value for status in RuleStatus} == STATUSES


def test_expected_rejects_an_unknown_status(tmp_path: Path) -> None:
    broken = tmp_path / "expected.toml"
    broken.write_text(
        'format_version = 1\n[repos.x]\nurl = "u"\ncommit = "' + "a" * 40 + '"\nfolder = "x"\n'
        'project = ""\n[repos.x.criteria]\nlint = ["met", "passed"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ExpectedError, match=r"unknown status passed"):
        load_expected(broken)


def test_tree_digest_sees_every_kind_of_change(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n", encoding="utf-8")
    (root / "script.sh").write_text("echo hi\n", encoding="utf-8")
    (root / ".cache").mkdir()
    before = tree_digest(root)

    (root / "pkg" / "mod.py").write_text("x = 2\n", encoding="utf-8")
    (root / "script.sh").chmod(0o755)
    (root / ".cache" / "new").write_text("", encoding="utf-8")
    (root / "link").symlink_to("pkg")
    (root / ".mypy_cache" / "3.11").mkdir(parents=True)
    (root / ".mypy_cache" / "3.11" / "cache.db").write_bytes(b"")
    after = tree_digest(root)

    assert tree_changes(before, after) == [
        "added .cache/new",
        "added .mypy_cache/ (2 entries inside)",
        "added link",
        "changed pkg/mod.py",
        "changed script.sh",
    ]
    assert tree_changes(after, before, limit=2) == [
        "removed .cache/new",
        "removed .mypy_cache/ (2 entries inside)",
        "... and 3 more",
    ]
    assert after["link"] == "link pkg"
    assert tree_digest(
        root, lambda relative: relative.parts[:1] in {(".cache",), (".mypy_cache",)}
    ).keys() == {
        "pkg",
        "pkg/mod.py",
        "script.sh",
        "link",
    }


def test_compare_reports_every_mismatch_with_its_evidence() -> None:
    repo = PanelRepo(
        "r", "u", "a" * 40, "r", "", {"lint": frozenset({"met"}), "e2e": frozenset({"unmet", "partial"})}
    )
    summary = {
        "criteria": [
            {"id": "lint", "status": "unmet", "evidence": "no lint\nstep"},
            {"id": "coverage", "status": "met", "evidence": "91%"},
        ]
    }
    assert [m.line() for m in compare(repo, summary)] == [
        "  lint: expected met, got unmet -- no lint step",
        "  e2e: expected partial or unmet, got absent -- not in summary.json",
        "  coverage: expected (not judged in expected.toml), got met -- 91%",
    ]


def test_opt_in_needs_the_marker_by_name() -> None:
    assert opted_in(MARKER)
    assert opted_in(f"{MARKER} and not slow")
    assert not opted_in("")
    assert not opted_in(f"not {MARKER}")
    assert not opted_in("integration")
