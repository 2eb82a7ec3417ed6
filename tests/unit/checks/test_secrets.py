"""The secrets check: detect-secrets over the working tree and all of git history, redacted SARIF."""

from __future__ import annotations

import json
import random
import string
import subprocess
import time
from pathlib import Path

import pytest

from cimaturity.checks.secrets import SARIF, SECRETS
from cimaturity.model import ArtifactError, Status
from cimaturity.runner import execute
from tests.unit.checks._security_fixtures import commit, context, git, new_repo, without_tool


def fake_aws_key(seed: int = 7) -> str:
    """An AWS-key-shaped value built at run time, so no secret-looking literal sits in this file."""
    return "AKIA" + "".join(random.Random(seed).choices(string.ascii_uppercase + string.digits, k=16))


CLEAN = {"pkg/__init__.py": "", "pkg/mod.py": "def add(a: int, b: int) -> int:\n    return a + b\n"}


def test_clean_repository_passes(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    commit(root, {"pkg/other.py": "VALUE = 1\n"}, "second")
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["commits_scanned"] == 2
    assert result.metrics["secrets"] == 0


def test_secret_added_then_deleted_is_found_in_history_and_redacted(tmp_path: Path) -> None:
    key = fake_aws_key()
    root = new_repo(tmp_path / "p", CLEAN)
    leaked = commit(root, {"pkg/settings.py": f'AWS_KEY = "{key}"\n'}, "add settings")
    commit(root, {}, "remove the key", delete=("pkg/settings.py",))
    commit(root, {"pkg/more.py": "X = 2\n"}, "later work")
    ctx = context(root, SECRETS)
    result = execute(SECRETS, ctx)
    assert result.status is Status.FAILED, result.reason
    assert "AWS Access Key" in result.reason and "pkg/settings.py:1" in result.reason
    assert f"commit {leaked[:12]}" in result.reason
    assert result.metrics["history_only_secrets"] == 1
    sarif = ctx.artifact(SARIF).read_text()
    (finding,) = json.loads(sarif)["runs"][0]["results"]
    assert finding["properties"]["commit"] == leaked
    assert finding["properties"]["in_working_tree"] is False
    assert finding["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    for path in ctx.artifact_dir.iterdir():  # the value is nowhere: SARIF, log, anything written
        assert key not in path.read_text(errors="replace"), path.name
    assert key not in result.reason


def test_uncommitted_secret_in_working_tree_is_found(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    (root / "pkg" / "mod.py").write_text(f'KEY = "{fake_aws_key(11)}"\n')
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.FAILED
    assert "(working tree)" in result.reason and "pkg/mod.py:1" in result.reason


def _baseline(root: Path, audited: bool, *options: str) -> None:
    """A baseline made by the real `detect-secrets scan`, then audited (or not) as a false positive."""
    scanned = subprocess.run(
        [str(Path(context(root, SECRETS).env["PATH"].split(":")[0]) / "detect-secrets"), "scan", *options],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    document = json.loads(scanned)
    entries = [entry for found in document["results"].values() for entry in found]
    assert entries, "detect-secrets found nothing to baseline"
    if audited:
        for entry in entries:
            entry["is_secret"] = False
    (root / ".secrets.baseline").write_text(json.dumps(document, indent=2))


def test_audited_baseline_entry_is_a_suppression_not_a_failure(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {**CLEAN, "tests/fixture.py": f'FAKE = "{fake_aws_key(3)}"\n'})
    _baseline(root, audited=True)
    commit(root, {}, "baseline")
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["suppressions_baseline"] == 1
    assert result.metrics["baseline_entries"] == 1


def test_unaudited_baseline_entry_still_fails(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {**CLEAN, "tests/fixture.py": f'FAKE = "{fake_aws_key(3)}"\n'})
    _baseline(root, audited=False)
    commit(root, {}, "baseline")
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.FAILED
    assert result.metrics["suppressions_baseline"] == 0 and result.metrics["unaudited_secrets"] == 1


def test_detect_secrets_missing_from_path_is_an_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    ctx = without_tool(context(root, SECRETS), "detect-secrets", tmp_path / "bin")
    result = execute(SECRETS, ctx)
    assert result.status is Status.ERROR and "detect-secrets" in result.reason


def test_not_a_git_repository_is_skipped(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text('[tool.cimaturity]\nsource_paths = ["pkg"]\n')
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: not a git repository (the secrets scan covers git history)"


def test_truncated_sarif_is_an_artifact_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    ctx = context(root, SECRETS)
    assert execute(SECRETS, ctx).status is Status.PASSED
    path = ctx.artifact(SARIF)
    path.write_text(path.read_text()[:80])
    with pytest.raises(ArtifactError, match=r"secrets\.sarif"):
        SECRETS.gate(ctx, [])


def test_sarif_without_history_scope_is_refused(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    ctx = context(root, SECRETS)
    execute(SECRETS, ctx)
    path = ctx.artifact(SARIF)
    document = json.loads(path.read_text())
    del document["runs"][0]["properties"]["commits_scanned"]
    path.write_text(json.dumps(document))
    with pytest.raises(ArtifactError, match="history was not scanned"):
        SECRETS.gate(ctx, [])


@pytest.mark.slow
def test_three_hundred_commits_scan_in_seconds(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", CLEAN)
    # git fast-import writes 300 commits of 20 added lines each in well under a second.
    stream = []
    for index in range(300):
        body = "".join(f"value_{index}_{line} = {index * line}  # line {line}\n" for line in range(20))
        data = body.encode()
        stream.append(
            f"commit refs/heads/main\ncommitter T <t@example.invalid> {1700000000 + index} +0000\n"
            f"data 4\nc{index:03d}\n"
            + ("from refs/heads/main^0\n" if index == 0 else "")
            + f"M 100644 inline pkg/gen_{index % 25}.py\ndata {len(data)}\n{body}\n"
        )
    subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input="".join(stream).encode(), check=True)
    git(root, "reset", "-q", "--hard", "main")
    clock = time.monotonic()
    result = execute(SECRETS, context(root, SECRETS))
    elapsed = time.monotonic() - clock
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["commits_scanned"] == 301
    assert elapsed < 30, f"{elapsed:.1f}s for 301 commits"


# --- a project in a subfolder of its repository (`--project backend`) -------------------------

BACKEND = {
    "backend/pyproject.toml": '[tool.cimaturity]\nsource_paths = ["app"]\n',
    "backend/app/__init__.py": "",
}


def test_subfolder_project_scans_the_whole_repository(tmp_path: Path) -> None:
    """A secret committed outside backend/, then deleted: found from `--project backend`."""
    repo = new_repo(tmp_path / "repo", BACKEND)
    leaked = commit(repo, {"deploy/settings.py": f'AWS_KEY = "{fake_aws_key(5)}"\n'}, "deploy settings")
    commit(repo, {"backend/app/mod.py": "X = 1\n"}, "work", delete=("deploy/settings.py",))
    result = execute(SECRETS, context(repo / "backend", SECRETS))
    assert result.status is Status.FAILED, result.reason
    assert result.reason == (
        "1 unaudited potential secret(s) in 3 commit(s) and the working tree of the whole repository "
        "(paths from its root; the project is backend/) (1 only in history), first: AWS Access Key "
        f"deploy/settings.py:1 (commit {leaked[:12]}); value redacted"
    )


def test_baseline_in_the_project_folder_is_used_first(tmp_path: Path) -> None:
    """Made by `detect-secrets scan --all-files` in backend/, it names `tests/fixture.py`: found
    as `backend/tests/fixture.py` from the repository root, still audited."""
    repo = new_repo(
        tmp_path / "repo", {**BACKEND, "backend/tests/fixture.py": f'FAKE = "{fake_aws_key(3)}"\n'}
    )
    _baseline(repo / "backend", True, "--all-files")  # plain `scan` finds nothing in a subfolder
    (repo / ".secrets.baseline").write_text('{"results": {}}')  # at the root: not the one used
    commit(repo, {}, "baselines")
    result = execute(SECRETS, context(repo / "backend", SECRETS))
    assert result.status is Status.PASSED, result.reason
    assert result.reason.endswith("(1 audited false positive(s) in backend/.secrets.baseline)")
    assert result.metrics["suppressions_baseline"] == 1


def test_baseline_at_the_git_root_is_the_fallback(tmp_path: Path) -> None:
    repo = new_repo(
        tmp_path / "repo", {**BACKEND, "backend/tests/fixture.py": f'FAKE = "{fake_aws_key(3)}"\n'}
    )
    _baseline(repo, audited=True)  # names backend/tests/fixture.py
    commit(repo, {}, "baseline")
    result = execute(SECRETS, context(repo / "backend", SECRETS))
    assert result.status is Status.PASSED, result.reason
    assert result.reason == (
        "no unaudited secret in 2 commit(s) and the working tree of the whole repository (paths from "
        "its root; the project is backend/) (1 audited false positive(s) in .secrets.baseline)"
    )


def test_no_baseline_is_said(tmp_path: Path) -> None:
    result = execute(SECRETS, context(new_repo(tmp_path / "p", CLEAN), SECRETS))
    assert result.reason == "no unaudited secret in 1 commit(s) and the working tree (no .secrets.baseline)"


# --- a shallow clone has incomplete history ----------------------------------------------------


def _shallow_clone(tmp_path: Path, files: dict[str, str]) -> Path:
    origin = new_repo(tmp_path / "origin", CLEAN)
    commit(origin, {"pkg/a.py": "A = 1\n"}, "second")
    commit(origin, files, "third")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", "clone")
    clone = tmp_path / "clone"
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    return clone


def test_shallow_clone_is_an_error(tmp_path: Path) -> None:
    result = execute(SECRETS, context(_shallow_clone(tmp_path, {"pkg/b.py": "B = 2\n"}), SECRETS))
    assert result.status is Status.ERROR
    assert result.reason == (
        "shallow clone: history incomplete, fetch with --unshallow / fetch-depth: 0 "
        "(scanned only 1 commit(s) and the working tree; nothing found there)"
    )


def test_secret_in_a_shallow_clone_still_fails_and_says_shallow(tmp_path: Path) -> None:
    clone = _shallow_clone(tmp_path, {"pkg/b.py": f'KEY = "{fake_aws_key(9)}"\n'})
    result = execute(SECRETS, context(clone, SECRETS))
    assert result.status is Status.FAILED
    assert result.reason.endswith(
        "; shallow clone: history incomplete, fetch with --unshallow / fetch-depth: 0"
    )
    assert "AWS Access Key pkg/b.py:1" in result.reason


def test_sarif_without_shallow_flag_is_refused(tmp_path: Path) -> None:
    ctx = context(new_repo(tmp_path / "p", CLEAN), SECRETS)
    execute(SECRETS, ctx)
    path = ctx.artifact(SARIF)
    document = json.loads(path.read_text())
    assert document["runs"][0]["properties"]["shallow"] is False
    del document["runs"][0]["properties"]["shallow"]
    path.write_text(json.dumps(document))
    with pytest.raises(ArtifactError, match="no 'shallow' in run properties"):
        SECRETS.gate(ctx, [])


def test_a_secret_written_while_resolving_a_merge_conflict_is_found(tmp_path: Path) -> None:
    """`git log -p` shows merges without a diff: only the combined diff (`--cc`) holds that line."""
    key = fake_aws_key(11)
    root = new_repo(tmp_path / "p", {**CLEAN, "pkg/conf.py": "A = 1\n"})
    git(root, "checkout", "-q", "-b", "feature")
    commit(root, {"pkg/conf.py": "A = 2\n"}, "feature")
    git(root, "checkout", "-q", "main")
    commit(root, {"pkg/conf.py": "A = 3\n"}, "main")
    with pytest.raises(subprocess.CalledProcessError):
        git(root, "merge", "-q", "feature")  # conflicts on pkg/conf.py
    merged = commit(root, {"pkg/conf.py": f'A = 4\nAWS_KEY = "{key}"\n'}, "merge feature")
    result = execute(SECRETS, context(root, SECRETS))
    assert result.status is Status.FAILED, result.reason
    assert "AWS Access Key" in result.reason and "pkg/conf.py:2" in result.reason
    sarif = json.loads(context(root, SECRETS).artifact(SARIF).read_text())
    commits = {finding["properties"]["commit"] for finding in sarif["runs"][0]["results"]}
    assert merged in commits
