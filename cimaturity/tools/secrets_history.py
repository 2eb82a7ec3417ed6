"""Scan the working tree and every commit of git history with detect-secrets; write SARIF.

`python -m cimaturity.tools.secrets_history --sarif OUT [--baseline FILE]`, run in the
repository root (the baseline path relative to it; entries naming files relative to the
baseline's own folder are understood too). detect-secrets has no history mode, so this walks
`git log -p --all` once, feeds each commit's added lines to detect-secrets' line scanner
(default plugins and filters), and merges them with a scan of the tracked files. A secret
added and deleted later is found.

Secret values never leave this process: findings keep only type, file, line, commit and
detect-secrets' SHA-1 `hashed_secret` (the same value its baseline file stores). Baseline
entries audited as false positives (`is_secret: false`) become SARIF suppressions.
A shallow clone is scanned as far as its history goes and marked `shallow` in the SARIF: the
gate must not take it for the full history.
Exit 0 when the SARIF was written (the gate judges it), 2 on a usage or input problem.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cimaturity.artifacts import read_json
from cimaturity.atomic import write_text_atomic
from cimaturity.model import ArtifactError

COMMIT_MARK = "\x00commit "
_HUNK = re.compile(r"^@@+ (?:-\d+(?:,\d+)? )+\+(\d+)(?:,\d+)? @@+")
WORKING_TREE = "working tree"


class InputError(Exception):
    """A problem with the repository or the baseline; one line, naming the file."""


@dataclass(frozen=True)
class Finding:
    """One potential secret, without its value."""

    type: str
    file: str
    line: int
    hashed_secret: str
    commit: str | None  # None: found in the working tree


@dataclass(frozen=True)
class Baseline:
    path: str
    audited_false_positives: frozenset[tuple[str, str]]  # (file, hashed_secret)
    entries: int


@dataclass(frozen=True)
class FileDiff:
    commit: str
    path: str
    added: tuple[tuple[int, str], ...]  # (line number in the new file, text)


def git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-c", "core.quotePath=false", *args],
            cwd=root,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        raise InputError("git not found on PATH") from None
    if done.returncode != 0:
        raise InputError(f"git {' '.join(args)} failed in {root}: {done.stderr.strip()[:200]}")
    return done.stdout


def load_baseline(path: Path, folder: str = "", within: Path | None = None) -> Baseline:
    """detect-secrets' baseline format; only entries audited as not secret suppress a finding.

    `folder`: where the baseline sits in the repository (`backend`). A baseline made there names
    files relative to it, so each entry also suppresses `folder/` + its file name.
    """
    try:
        # By the artifact rules: a regular file inside the repository, size-capped.
        document = read_json(path, "secrets baseline", within=within or path.parent)
        results = document["results"]
        audited = frozenset(
            (name, str(entry["hashed_secret"]))
            for filename, entries in results.items()
            for entry in entries
            if entry.get("is_secret") is False
            for name in _names(str(filename), folder)
        )
        count = sum(len(entries) for entries in results.values())
    except ArtifactError as exc:
        raise InputError(str(exc)) from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{path}: not a detect-secrets baseline (missing or bad {exc})") from None
    return Baseline(str(path), audited, count)


def _names(filename: str, folder: str) -> tuple[str, ...]:
    return (filename, f"{folder}/{filename}") if folder else (filename,)


def is_shallow(root: Path) -> bool:
    """Whether the clone's history is cut short (`git clone --depth`, actions/checkout's default)."""
    answer = git(root, "rev-parse", "--is-shallow-repository").strip()
    if answer not in ("true", "false"):
        raise InputError(f"cannot tell whether {root} is a shallow clone (git said {answer[:60]!r})")
    return answer == "true"


def parse_log(text: str) -> Iterator[FileDiff]:
    """Added lines per (commit, file) from `git log -p --cc -U0` output with COMMIT_MARK headers.

    A merge's combined diff (`diff --cc`, `@@@` hunks, one prefix column per parent) yields the
    lines new to every parent: those a conflict resolution wrote, which no other commit added.
    """
    commit = ""
    path: str | None = None
    added: list[tuple[int, str]] = []
    in_hunk = False
    next_line = 0
    parents = 1  # prefix columns per line: 1 in a plain diff, one per parent in a combined one
    for raw in text.split("\n"):
        if raw.startswith((COMMIT_MARK, "diff --git ", "diff --cc ", "diff --combined ")):
            if path is not None and added:
                yield FileDiff(commit, path, tuple(added))
            path, added, in_hunk = None, [], False
            parents = 1
            if raw.startswith(COMMIT_MARK):
                commit = raw[len(COMMIT_MARK) :].strip()
            continue
        if not in_hunk:
            if raw.startswith("+++ "):
                target = raw[4:]
                path = target[2:] if target.startswith("b/") else None  # /dev/null: deleted
            elif raw.startswith("@@"):
                in_hunk = True
        if raw.startswith("@@"):
            parents = max(1, len(raw) - len(raw.lstrip("@")) - 1)
            match = _HUNK.match(raw)
            next_line = int(match.group(1)) if match else 0
            continue
        if in_hunk and raw[:parents] == "+" * parents:
            added.append((next_line, raw[parents:]))
            next_line += 1
        elif in_hunk and "+" in raw[:parents] and "-" not in raw[:parents]:
            next_line += 1  # in the result but taken from a parent: scanned in that parent's commit
    if path is not None and added:
        yield FileDiff(commit, path, tuple(added))


class Scanner:
    """detect-secrets' line-based plugins with their default filters, values dropped at once."""

    def __init__(self) -> None:
        # detect-secrets 1.5 has no public "scan these lines of this file" call: scan_diff needs
        # a whole diff and cannot skip lines already seen, scan_line ignores the file name (the
        # keyword plugin's regexes depend on the file type). These two helpers do exactly that.
        from detect_secrets.core import scan

        self._process = scan._process_line_based_plugins
        self._filtered = scan._is_filtered_out
        self._scan_file = scan.scan_file

    def file(self, path: str) -> list[Finding]:
        return [_finding(secret, None) for secret in self._scan_file(path)]

    def lines(self, commit: str, path: str, lines: Sequence[tuple[int, str]]) -> list[Finding]:
        if self._filtered(required_filter_parameters=["filename"], filename=path):
            return []
        return [_finding(secret, commit) for secret in self._process(lines=list(lines), filename=path)]


def _finding(secret: Any, commit: str | None) -> Finding:
    return Finding(
        type=str(secret.type),
        file=str(secret.filename),
        line=int(secret.line_number or 0),
        hashed_secret=str(secret.secret_hash),
        commit=commit,
    )


@dataclass(frozen=True)
class ScanStats:
    files: int
    files_rescanned: int  # tracked files read from disk (changed since HEAD, or with a finding)
    commits: int
    added_lines: int
    scanned_lines: int
    seconds: float
    shallow: bool  # the history stops at a grafted commit: older commits were not scanned


def scan_repository(root: Path, exclude: frozenset[str]) -> tuple[list[Finding], ScanStats]:
    """Every commit's added lines (oldest first), then the tracked files that history cannot vouch for.

    A tracked file unchanged since HEAD holds only lines some commit added, so the history scan
    already saw them; the working tree is scanned only for files changed since HEAD and for files
    with a finding (to tell whether it is still there, and on which line). This halves the work.
    """
    from detect_secrets.settings import default_settings, get_settings

    clock = time.monotonic()
    shallow = is_shallow(root)
    tracked = [name for name in git(root, "ls-files", "-z").split("\0") if name and name not in exclude]
    has_head = bool(git(root, "rev-list", "--all", "-n", "1").strip())
    changed = set(git(root, "diff", "HEAD", "--name-only", "-z").split("\0")) if has_head else set(tracked)
    log = git(
        root,
        "log",
        "--all",
        "--reverse",
        "-p",
        "--cc",  # merges too: a conflict resolution can add lines no parent had
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--format=%x00commit %H",  # COMMIT_MARK: a NUL cannot appear in an argument
    )
    findings: list[Finding] = []
    commits: set[str] = set()
    seen: set[tuple[str, str]] = set()  # (file, line text): a line scanned once is not rescanned
    added = scanned = 0
    with default_settings():
        scanner = Scanner()
        # Files deleted since no longer exist: the "file must exist" filter does not apply here
        # (the working-tree pass below checks existence itself).
        get_settings().disable_filters("detect_secrets.filters.common.is_invalid_file")
        for diff in parse_log(log):
            commits.add(diff.commit)
            if diff.path in exclude:
                continue
            added += len(diff.added)
            # Blank lines cannot hold a secret; a line already scanned in this file adds nothing.
            fresh = [(n, text) for n, text in diff.added if text.strip() and (diff.path, text) not in seen]
            seen.update((diff.path, text) for _, text in fresh)
            scanned += len(fresh)
            if fresh:
                findings.extend(scanner.lines(diff.commit, diff.path, fresh))
        with_findings = {finding.file for finding in findings}
        current = [name for name in tracked if name in changed or name in with_findings]
        for name in current:
            if (root / name).is_file() and not (root / name).is_symlink():
                findings.extend(scanner.file(name))
    commits.update(git(root, "rev-list", "--all").split())  # merges and empty commits add no lines
    stats = ScanStats(
        len(tracked), len(current), len(commits), added, scanned, time.monotonic() - clock, shallow
    )
    return findings, stats


@dataclass(frozen=True)
class Located:
    """One distinct secret (type, file, hash) with where it is now and where it first appeared."""

    finding: Finding
    first_commit: str | None
    in_working_tree: bool
    commits: int
    audited: bool


def merge(findings: Sequence[Finding], baseline: Baseline | None) -> list[Located]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for finding in findings:
        groups.setdefault((finding.type, finding.file, finding.hashed_secret), []).append(finding)
    located = []
    for (_, file, hashed), group in groups.items():
        current = [f for f in group if f.commit is None]
        history = [f for f in group if f.commit is not None]
        shown = current[0] if current else history[0]
        audited = baseline is not None and (file, hashed) in baseline.audited_false_positives
        located.append(
            Located(
                finding=shown,
                first_commit=history[0].commit if history else None,
                in_working_tree=bool(current),
                commits=len({f.commit for f in history}),
                audited=audited,
            )
        )
    return sorted(located, key=lambda item: (item.audited, item.finding.file, item.finding.line))


def to_sarif(located: Sequence[Located], stats: ScanStats, baseline: Baseline | None, version: str) -> str:
    rules = sorted({item.finding.type for item in located})
    results = []
    for item in located:
        finding = item.finding
        where = "working tree" if item.in_working_tree else f"commit {item.first_commit}"
        result: dict[str, Any] = {
            "ruleId": finding.type,
            "level": "error",
            "message": {
                "text": f"Potential secret ({finding.type}) in {finding.file}:{finding.line} ({where}); "
                "value redacted"
            },
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": finding.file},
                        "region": {"startLine": max(finding.line, 1)},
                    }
                }
            ],
            "partialFingerprints": {"hashedSecret/v1": finding.hashed_secret},
            "properties": {
                "commit": item.first_commit,
                "in_working_tree": item.in_working_tree,
                "commits": item.commits,
                "audited": item.audited,
                "redacted": True,
            },
        }
        if item.audited and baseline is not None:
            result["suppressions"] = [
                {"kind": "external", "justification": f"audited false positive in {baseline.path}"}
            ]
        results.append(result)
    document = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "detect-secrets",
                        "version": version,
                        "informationUri": "https://github.com/Yelp/detect-secrets",
                        "rules": [{"id": rule, "name": rule} for rule in rules],
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "properties": {
                    "scope": "working tree and git history (git log --all)",
                    "tracked_files": stats.files,
                    "working_tree_files_read": stats.files_rescanned,
                    "commits_scanned": stats.commits,
                    "shallow": stats.shallow,
                    "added_lines": stats.added_lines,
                    "distinct_lines_scanned": stats.scanned_lines,
                    "seconds": round(stats.seconds, 3),
                    "baseline": baseline.path if baseline else None,
                    "baseline_entries": baseline.entries if baseline else 0,
                },
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cimaturity.tools.secrets_history", description=__doc__)
    parser.add_argument("--sarif", type=Path, required=True, help="SARIF file to write")
    parser.add_argument("--baseline", help="detect-secrets baseline (relative to the repository root)")
    parser.add_argument("--root", type=Path, default=Path(), help="repository root (default: .)")
    args = parser.parse_args(argv)
    from detect_secrets.__version__ import VERSION

    root = args.root.resolve()
    sarif = args.sarif.resolve()  # before leaving the folder it is relative to
    os.chdir(root)  # detect-secrets reports and opens file names relative to the current folder
    try:
        baseline = None
        if args.baseline and (root / args.baseline).is_file():
            folder = Path(args.baseline).parent.as_posix()
            loaded = load_baseline(root / args.baseline, "" if folder == "." else folder, within=root)
            baseline = replace(loaded, path=args.baseline)  # as configured
        exclude = frozenset({args.baseline} if args.baseline else ())
        findings, stats = scan_repository(root, exclude)
    except InputError as exc:
        print(f"secrets_history: {exc}", file=sys.stderr)
        return 2
    located = merge(findings, baseline)
    write_text_atomic(sarif, to_sarif(located, stats, baseline, str(VERSION)))
    unaudited = sum(not item.audited for item in located)
    print(
        f"secrets: {len(located)} potential secret(s), {unaudited} unaudited; scanned {stats.files} "
        f"tracked file(s) and {stats.commits} commit(s) ({stats.scanned_lines} distinct of "
        f"{stats.added_lines} added lines) in {stats.seconds:.1f}s"
        + (" -- shallow clone: older history not scanned" if stats.shallow else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
