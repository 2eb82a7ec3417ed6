"""The container check: skipped with the reason where Trivy or Docker is missing; judged by
Trivy's SARIF where they exist (stand-in executables here: no Docker engine on this machine)."""

from __future__ import annotations

from pathlib import Path

from cimaturity.checks.container import CONTAINER
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute

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
    assert result.reason.startswith("no Docker engine on this machine")
    assert not (result.artifacts)


def test_no_trivy_is_skipped_never_passed(tmp_path: Path) -> None:
    ctx = make_context(tmp_path / "repo", CONTAINER, FILES)
    ctx = CheckContext(ctx.config, ctx.artifact_dir, {**ctx.env, "PATH": str(tmp_path / "empty")})
    result = execute(CONTAINER, ctx)
    assert result.status is Status.SKIPPED
    assert (
        result.reason
        == "Trivy is not installed on this machine; the container-scan job runs it in GitHub Actions"
    )


def test_no_dockerfile_is_not_applicable(tmp_path: Path) -> None:
    files = {name: text for name, text in FILES.items() if name != "Dockerfile"}
    result = execute(CONTAINER, make_context(tmp_path / "repo", CONTAINER, files))
    assert result.status is Status.SKIPPED
    assert result.reason == "not applicable: no Dockerfile (Dockerfile not found)"
