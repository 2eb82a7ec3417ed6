"""The dockerfile check: real hadolint on throwaway Dockerfiles, a fake one for bad evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from cimaturity.checks.dockerfile import DOCKERFILE, SARIF, find_dockerfiles, is_dockerfile
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute
from tests.unit.checks._fast_fixtures import fake_tool, make_context, with_path_first, without_tools

# Clean: no error or warning; one note (DL3066, `USER nobody` is not a numeric id).
CLEAN = """\
    FROM python:3.11-slim
    WORKDIR /app
    COPY . /app
    # hadolint ignore=DL3013
    RUN pip install --no-cache-dir .
    USER nobody
    CMD ["python", "-m", "app"]
    """


def project(tmp_path: Path, dockerfile: str | None = CLEAN, name: str = "Dockerfile") -> CheckContext:
    files = {"pyproject.toml": f'[tool.cimaturity]\ndockerfile = "{name}"\n'}
    if dockerfile is not None:
        files[name] = dockerfile
    return make_context(tmp_path, DOCKERFILE, files)


def test_clean_dockerfile_passes(tmp_path: Path) -> None:
    result = execute(DOCKERFILE, project(tmp_path))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["errors"] == 0
    assert result.metrics["suppressions"] == 1  # the `# hadolint ignore=` pragma
    assert result.tool_version is not None and "2." in result.tool_version
    assert result.artifacts == ("artifacts/dockerfile/hadolint.sarif",)


def test_warnings_alone_do_not_fail(tmp_path: Path) -> None:
    """Unpinned apt packages are warning-level (DL3008): counted, not blocking."""
    ctx = project(tmp_path, "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n")
    result = execute(DOCKERFILE, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["warnings"] >= 1


@pytest.mark.parametrize(
    ("dockerfile", "rule"),
    [
        ("RUN echo hi\nFROM python:3.11-slim\n", "DL3061"),  # FROM missing before the first instruction
        ("FROM python:3.11-slim\nFOO bar\n", "DL1000"),  # not a Dockerfile instruction
    ],
    ids=["from-missing", "bad-instruction"],
)
def test_error_level_finding_fails(tmp_path: Path, dockerfile: str, rule: str) -> None:
    result = execute(DOCKERFILE, project(tmp_path, dockerfile))
    assert result.status is Status.FAILED
    assert f"first: {rule} Dockerfile:" in result.reason
    assert result.metrics["errors"] == 1


def test_configured_dockerfile_path_is_linted(tmp_path: Path) -> None:
    result = execute(DOCKERFILE, project(tmp_path, "RUN echo hi\n", name="docker/Dockerfile.prod"))
    assert result.status is Status.FAILED
    assert "docker/Dockerfile.prod:1" in result.reason


def test_empty_dockerfile_fails(tmp_path: Path) -> None:
    """hadolint reports nothing on an empty file; that is not a clean Dockerfile."""
    result = execute(DOCKERFILE, project(tmp_path, "# nothing here\n"))
    assert result.status is Status.FAILED
    assert result.reason == "no instruction in Dockerfile (linted Dockerfile)"


def test_no_dockerfile_is_skipped_with_reason(tmp_path: Path) -> None:
    result = execute(DOCKERFILE, project(tmp_path, None))
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no Dockerfile (Dockerfile not found)"


# --- which Dockerfiles: configured, else the root's, else one or two folder levels down --------

NO_KEY = {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["app"]\n'}
WARNS = (
    "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n"  # DL3008 warning, DL3009/DL3015 notes
)
FROM_LATE = "RUN echo hi\nFROM python:3.11-slim\n"  # DL3061 error


def test_dockerfiles_in_subfolders_are_linted_in_one_call(tmp_path: Path) -> None:
    files = {**NO_KEY, "backend/Dockerfile": WARNS, "docker/production.Dockerfile": FROM_LATE}
    ctx = make_context(tmp_path, DOCKERFILE, files)
    result = execute(DOCKERFILE, ctx)
    assert result.status is Status.FAILED
    assert result.reason == (
        "1 error-level hadolint finding(s) in 1 of 2 Dockerfile(s) (backend/Dockerfile, "
        "docker/production.Dockerfile), first: DL3061 docker/production.Dockerfile:1 "
        "Invalid instruction order. Dockerfile must begin with `FROM`, `ARG` or comment."
    )
    assert dict(result.metrics) == {
        "dockerfiles": 2.0,
        "errors": 1.0,
        "warnings": 1.0,
        "notes": 2.0,
        "suppressions": 0.0,
        "config_suppressions": 0.0,
    }
    results = read_sarif(ctx.artifact(SARIF), expected_tool="hadolint").results
    assert sorted((r.file, r.rule_id, r.level) for r in results) == [
        ("backend/Dockerfile", "DL3008", "warning"),
        ("backend/Dockerfile", "DL3009", "note"),
        ("backend/Dockerfile", "DL3015", "note"),
        ("docker/production.Dockerfile", "DL3061", "error"),
    ]


def test_clean_subfolder_dockerfiles_pass_naming_them(tmp_path: Path) -> None:
    files = {**NO_KEY, "backend/Dockerfile": WARNS, "services/api/Dockerfile.prod": CLEAN}
    result = execute(DOCKERFILE, make_context(tmp_path, DOCKERFILE, files))
    assert result.status is Status.PASSED, result.reason
    assert result.reason == (
        "no error-level finding in backend/Dockerfile, services/api/Dockerfile.prod (1 warning(s), 3 note(s))"
    )
    assert result.metrics["suppressions"] == 1


def test_root_dockerfile_wins_over_subfolders(tmp_path: Path) -> None:
    files = {**NO_KEY, "Dockerfile": CLEAN, "backend/Dockerfile": FROM_LATE}
    result = execute(DOCKERFILE, make_context(tmp_path, DOCKERFILE, files))
    assert result.status is Status.PASSED
    assert result.reason == "no error-level finding in Dockerfile (0 warning(s), 1 note(s))"


def test_configured_dockerfile_is_the_only_one_linted(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.cimaturity]\ndockerfile = "docker/production.Dockerfile"\n',
        "docker/production.Dockerfile": CLEAN,
        "docker/local.Dockerfile": FROM_LATE,
    }
    result = execute(DOCKERFILE, make_context(tmp_path, DOCKERFILE, files))
    assert result.status is Status.PASSED
    assert result.reason == "no error-level finding in docker/production.Dockerfile (0 warning(s), 1 note(s))"


def test_configured_dockerfile_missing_is_not_replaced_by_a_search(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.cimaturity]\ndockerfile = "docker/Dockerfile.prod"\n',
        "backend/Dockerfile": CLEAN,
    }
    result = execute(DOCKERFILE, make_context(tmp_path, DOCKERFILE, files))
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no Dockerfile (docker/Dockerfile.prod not found)"


def test_search_skips_hidden_vendored_deep_and_report_folders(tmp_path: Path) -> None:
    files = {
        **NO_KEY,
        ".venv/lib/Dockerfile": FROM_LATE,
        ".git/hooks/Dockerfile": FROM_LATE,
        "node_modules/pkg/Dockerfile": FROM_LATE,
        "reports/artifacts/Dockerfile": FROM_LATE,
        "a/b/c/Dockerfile": FROM_LATE,
        "docker/Dockerfile.dockerignore": "*.pyc\n",
    }
    ctx = make_context(tmp_path, DOCKERFILE, files)
    assert find_dockerfiles(tmp_path) == ("reports/artifacts/Dockerfile",)  # no reports folder given
    result = execute(DOCKERFILE, ctx)
    assert result.status is Status.SKIPPED
    assert (
        result.reason
        == "not applicable: no Dockerfile (none at the project root or up to 2 folder levels down)"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Dockerfile", True),
        ("production.Dockerfile", True),
        ("Dockerfile.prod", True),
        ("Dockerfile.dockerignore", False),
        ("dockerfile.md", False),
        ("Dockerfiles", False),
    ],
)
def test_dockerfile_names(name: str, expected: bool) -> None:
    assert is_dockerfile(name) is expected


def test_missing_hadolint_is_error(tmp_path: Path) -> None:
    result = execute(DOCKERFILE, without_tools(project(tmp_path), tmp_path / "empty"))
    assert result.status is Status.ERROR
    assert result.reason == "tool not found on PATH: hadolint"


# A fake hadolint writing `sarif` to its -o path, then exiting `code`.
FAKE = """\
    out = sys.argv[sys.argv.index("-o") + 1]
    with open(out, "w") as handle:
        handle.write({sarif!r})
    sys.exit({code})
    """
RUFF_SARIF = '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": []}]}'
HADOLINT_SARIF = '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Hadolint"}}, "results": []}]}'


def run_fake(tmp_path: Path, sarif: str, code: int = 0) -> tuple[Status, str]:
    ctx = project(tmp_path)
    fake_tool(tmp_path / "bin", "hadolint", FAKE.format(sarif=sarif, code=code))
    result = execute(DOCKERFILE, with_path_first(ctx, tmp_path / "bin"))
    return result.status, result.reason


def test_fake_sanity_clean_sarif_passes(tmp_path: Path) -> None:
    status, reason = run_fake(tmp_path, HADOLINT_SARIF)
    assert status is Status.PASSED, reason


@pytest.mark.parametrize(
    ("sarif", "expected"),
    [
        (RUFF_SARIF, "SARIF written by 'ruff', expected 'hadolint'"),
        (HADOLINT_SARIF[:50], "not valid JSON"),
        ('{"version": "2.1.0"}', "not a SARIF log"),
    ],
    ids=["foreign", "truncated", "no-runs"],
)
def test_untrustworthy_sarif_is_error(tmp_path: Path, sarif: str, expected: str) -> None:
    status, reason = run_fake(tmp_path, sarif)
    assert status is Status.ERROR
    assert SARIF in reason and expected in reason


def test_crashing_hadolint_is_error(tmp_path: Path) -> None:
    """With --no-fail hadolint exits 0 whatever it finds: exit 1 means it could not run."""
    status, reason = run_fake(tmp_path, HADOLINT_SARIF, code=1)
    assert status is Status.ERROR
    assert "exit 1" in reason


def test_rules_ignored_in_hadolint_config_are_counted_and_named(tmp_path: Path) -> None:
    """`ignored:` in .hadolint.yaml hides findings as surely as a pragma: it is shown, not silent."""
    ctx = project(tmp_path)
    (tmp_path / ".hadolint.yaml").write_text("ignored:\n  - DL3008\n  - DL3059\n")
    result = execute(DOCKERFILE, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["config_suppressions"] == 2
    assert result.reason.endswith("; 2 rule(s) ignored by config (DL3008, DL3059)")


def test_an_unreadable_hadolint_config_is_an_error(tmp_path: Path) -> None:
    ctx = project(tmp_path)
    (tmp_path / ".hadolint.yaml").write_text("ignored: [\n")
    result = execute(DOCKERFILE, ctx)
    assert result.status is Status.ERROR
    assert result.reason.startswith(".hadolint.yaml: not readable (")
