"""The container check: skipped with the reason where Trivy or Docker is missing; judged by
Trivy's SARIF where they exist (stand-in executables here: no Docker engine on this machine)."""

from __future__ import annotations

from pathlib import Path

from cimaturity.checks.container import CONTAINER
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute
from tests.unit.checks._security_fixtures import git

from ._fast_fixtures import fake_tool, make_context, with_path_first

FILES = {
    "pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n',
    "pkg/__init__.py": "",
    "Dockerfile": "FROM python:3.11-slim\n",
}
DOCKER = """
if sys.argv[1:2] == ["info"]:
    if {engine!r}:
        print("28.2.2")
        sys.exit(0)
    print("Cannot connect to the Docker daemon", file=sys.stderr)
    sys.exit(1)
sys.exit(0)  # build
"""
TRIVY = """
import json
if sys.argv[1:2] == ["--version"]:
    print("Version: 0.68.0")
    sys.exit(0)
out = sys.argv[sys.argv.index("--output") + 1]
results = [{{"ruleId": r, "level": "error", "message": {{"text": r}}}} for r in {rules!r}]
run = {{"tool": {{"driver": {{"name": {tool!r}}}}}, "results": results}}
json.dump({{"version": "2.1.0", "runs": [run]}}, open(out, "w"))
"""


def _context(
    tmp_path: Path, *, engine: bool = True, rules: tuple[str, ...] = (), tool: str = "Trivy"
) -> CheckContext:
    ctx = make_context(tmp_path / "repo", CONTAINER, FILES)
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "docker", DOCKER.format(engine=engine))
    fake_tool(bin_dir, "trivy", TRIVY.format(rules=list(rules), tool=tool))
    return with_path_first(ctx, bin_dir)


def test_clean_image_passes(tmp_path: Path) -> None:
    result = execute(CONTAINER, _context(tmp_path))
    assert result.status is Status.PASSED, result.reason
    assert result.tool_version == "Version: 0.68.0"


def test_high_vulnerability_fails(tmp_path: Path) -> None:
    result = execute(CONTAINER, _context(tmp_path, rules=("CVE-2024-0001", "CVE-2024-0002")))
    assert result.status is Status.FAILED
    assert result.reason.startswith("2 HIGH/CRITICAL vulnerabilit(ies) in the image, first: CVE-2024-0001")


def test_sarif_from_another_tool_is_error(tmp_path: Path) -> None:
    result = execute(CONTAINER, _context(tmp_path, tool="Grype"))
    assert result.status is Status.ERROR
    assert "SARIF written by 'Grype', expected 'trivy'" in result.reason


def test_no_docker_engine_is_skipped_with_reason(tmp_path: Path) -> None:
    result = execute(CONTAINER, _context(tmp_path, engine=False))
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "no Docker engine on this machine (docker info --format {{.ServerVersion}} failed); "
        "the container-scan job runs it in GitHub Actions"
    )
    assert not (result.artifacts)


def test_no_trivy_is_skipped_never_passed(tmp_path: Path) -> None:
    ctx = make_context(tmp_path / "repo", CONTAINER, FILES)
    ctx = CheckContext(ctx.config, ctx.artifact_dir, {**ctx.env, "PATH": str(tmp_path / "empty")})
    result = execute(CONTAINER, ctx)
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "tool not found on PATH: docker, trivy; the container-scan job runs it in GitHub Actions"
    )


def test_inside_github_actions_a_missing_tool_is_an_error(tmp_path: Path) -> None:
    """ "Runs elsewhere" means GitHub Actions: there, a missing scanner must not be skipped."""
    ctx = make_context(tmp_path / "repo", CONTAINER, FILES)
    env = {**ctx.env, "PATH": str(tmp_path / "empty"), "GITHUB_ACTIONS": "true"}
    result = execute(CONTAINER, CheckContext(ctx.config, ctx.artifact_dir, env))
    assert result.status is Status.ERROR
    assert result.reason == "tool not found on PATH: docker, trivy"
    engine_down = _context(tmp_path / "engine", engine=False)
    result = execute(
        CONTAINER,
        CheckContext(
            engine_down.config, engine_down.artifact_dir, {**engine_down.env, "GITHUB_ACTIONS": "true"}
        ),
    )
    assert result.status is Status.ERROR
    assert result.reason.startswith("no Docker engine on this machine")


def test_no_dockerfile_is_not_applicable(tmp_path: Path) -> None:
    files = {name: text for name, text in FILES.items() if name != "Dockerfile"}
    result = execute(CONTAINER, make_context(tmp_path / "repo", CONTAINER, files))
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no Dockerfile (Dockerfile not found)"


# --- a repository root whose Dockerfile is elsewhere: skipped, saying where and how to run it ----

ROOT = {"pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n', "README.md": "monorepo\n"}
BACKEND = {
    "backend/pyproject.toml": "[project]\nname = 'backend'\n",
    "backend/Dockerfile": "FROM python:3.11-slim\n",
}


def _repo(root: Path, files: dict[str, str]) -> CheckContext:
    ctx = make_context(root, CONTAINER, files)
    git(root, "init", "-q")
    return ctx


def test_root_with_a_sub_project_dockerfile_names_it(tmp_path: Path) -> None:
    result = execute(CONTAINER, _repo(tmp_path / "repo", {**ROOT, **BACKEND}))
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not applicable at the repository root: the Dockerfile is in sub-project backend/ "
        "(backend/Dockerfile); run with --project backend"
    )


def test_other_dockerfiles_are_named_too(tmp_path: Path) -> None:
    files = {
        **ROOT,
        **BACKEND,
        "frontend/package.json": "{}\n",
        "frontend/Dockerfile.playwright": "FROM node\n",
    }
    result = execute(CONTAINER, _repo(tmp_path / "repo", files))
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not applicable at the repository root: the Dockerfile is in sub-project backend/ "
        "(backend/Dockerfile); run with --project backend; also found frontend/Dockerfile.playwright"
    )


def test_two_sub_projects(tmp_path: Path) -> None:
    files = {
        **ROOT,
        **BACKEND,
        "backend/Dockerfile.dev": "FROM python:3.11\n",
        "services/worker/requirements.txt": "celery\n",
        "services/worker/Dockerfile": "FROM python:3.11\n",
    }
    result = execute(CONTAINER, _repo(tmp_path / "repo", files))
    assert result.reason == (
        "not applicable at the repository root: Dockerfiles are in sub-projects backend/ "
        "(backend/Dockerfile, backend/Dockerfile.dev), services/worker/ (services/worker/Dockerfile); "
        "run with --project backend or --project services/worker"
    )


def test_dockerfiles_in_a_plain_folder_ask_for_the_setting(tmp_path: Path) -> None:
    """`docker/production.Dockerfile` builds the root (no project files in docker/)."""
    files = {
        **ROOT,
        "docker/local.Dockerfile": "FROM python:3.11\n",
        "docker/production.Dockerfile": "FROM python:3.11\n",
    }
    result = execute(CONTAINER, make_context(tmp_path / "plain", CONTAINER, files))
    assert result.status is Status.SKIPPED
    assert result.reason == (
        "not applicable at the project root: no Dockerfile (found docker/local.Dockerfile, "
        "docker/production.Dockerfile); set dockerfile in [tool.cimaturity]"
    )


# `docker build` exits 3 unless run in backend/ with `-f Dockerfile` there.
BUILDS_IN_BACKEND = """
import os
if sys.argv[1:2] == ["info"]:
    print("28.2.2")
    sys.exit(0)
dockerfile = sys.argv[sys.argv.index("-f") + 1]
sys.exit(0 if os.path.basename(os.getcwd()) == "backend" and os.path.isfile(dockerfile) else 3)
"""


def test_the_sub_project_itself_builds_its_dockerfile(tmp_path: Path) -> None:
    """`--project backend`: the Dockerfile is at the project root; the image is built from there."""
    _repo(tmp_path / "repo", {**ROOT, **BACKEND})
    ctx = make_context(tmp_path / "repo" / "backend", CONTAINER, {})
    bin_dir = tmp_path / "bin"
    fake_tool(bin_dir, "docker", BUILDS_IN_BACKEND)
    fake_tool(bin_dir, "trivy", TRIVY.format(rules=[], tool="Trivy"))
    result = execute(CONTAINER, with_path_first(ctx, bin_dir))
    assert result.status is Status.PASSED, result.reason
    assert result.reason == "Trivy: no HIGH or CRITICAL vulnerability in the image"
