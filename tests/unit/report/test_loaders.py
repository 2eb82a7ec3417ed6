"""Each loader on real output of the real tool: run in the test when fast and offline, else a
captured artifact under `data/` (how each was produced: `data/README.md`)."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

from cimaturity.model import ArtifactError, CheckResult, Stage, Status
from cimaturity.report import evidence as ev
from cimaturity.report.loaders.coverage import load_coverage
from cimaturity.report.loaders.deps import load_deps_summary
from cimaturity.report.loaders.licenses import load_cyclonedx, load_pip_licenses
from cimaturity.report.loaders.locust import load_locust
from cimaturity.report.loaders.pip_audit import load_pip_audit
from cimaturity.report.loaders.suppressions import source_comments
from cimaturity.runfile import GitInfo, RunRecord, write_run
from cimaturity.runner import tool_environment
from cimaturity.tools import deps_summary
from tests.support.loading import load_junit, load_junit_reference, load_run, load_sarif, run_checks_frame

DATA = Path(__file__).parent / "data"
# The values planted in data/secrets.sarif's throwaway repository (see data/README.md).
PLANTED_SECRETS = ("AKIAIOSFODNN7EXAMPLE", "Tr0ub4dor&3-correct-horse")


def run_tool(argv: list[str], cwd: Path, ok: tuple[int, ...] = (0, 1)) -> subprocess.CompletedProcess[str]:
    """Run a real tool from the venv, without this pytest's own state leaking into it."""
    env = {k: v for k, v in tool_environment().items() if not k.startswith(("PYTEST_", "COV_", "COVERAGE_"))}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in ok, (
        f"{argv[0]} exited {done.returncode}: {done.stdout[-500:]} {done.stderr[-500:]}"
    )
    return done


def write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def frame_text(frame: pd.DataFrame) -> str:
    return frame.astype(str).to_csv()


def assert_schema(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    assert tuple(frame.columns) == columns


# --- SARIF ---------------------------------------------------------------------------------


@pytest.fixture
def python_project(tmp_path: Path) -> Path:
    write(
        tmp_path,
        "pkg/mod.py",
        """\
        import os
        import subprocess


        def run(cmd: str) -> None:
            password = "hunter2-correct-horse-battery"
            subprocess.call(cmd, shell=True)
            print(password)
        """,
    )
    return tmp_path


def test_ruff_sarif_gives_one_row_per_violation_with_relative_files(python_project: Path) -> None:
    sarif = python_project / "ruff.sarif"
    run_tool(
        ["ruff", "check", "--select", "F,S", "--output-format", "sarif", "-o", str(sarif), "pkg"],
        python_project,
    )
    raw = json.loads(sarif.read_text())["runs"][0]["results"]

    findings = load_sarif(sarif, "lint", python_project).findings

    assert_schema(findings, ev.FINDING_COLUMNS)
    assert len(findings) == len(raw) > 0
    assert set(findings["tool"]) == {"ruff"}
    assert "F401" in set(findings["rule"])  # `import os` unused
    assert set(findings["file"]) == {"pkg/mod.py"}  # file:///tmp/... made relative to the project
    assert findings.loc[findings["rule"] == "F401", "line"].tolist() == [1]
    assert str(findings["line"].dtype) == "Int64" and findings["suppressed"].dtype == bool
    assert set(findings["severity"]) == {"high"}  # ruff writes level "error" for every rule
    assert findings["fingerprint"].is_unique
    again = load_sarif(sarif, "lint", python_project).findings
    assert again["fingerprint"].tolist() == findings["fingerprint"].tolist()  # stable across loads
    assert "hunter2-correct-horse-battery" not in frame_text(findings)


def test_bandit_sarif_severity_comes_from_issue_severity_and_secrets_stay_out(python_project: Path) -> None:
    sarif = python_project / "bandit.sarif"
    run_tool(["bandit", "-q", "-f", "sarif", "-o", str(sarif), "-r", "pkg"], python_project)
    raw = json.loads(sarif.read_text())["runs"][0]["results"]

    findings = load_sarif(sarif, "sast", python_project).findings

    assert len(findings) == len(raw)
    by_rule = dict(zip(findings["rule"], findings["severity"], strict=True))
    expected = {r["ruleId"]: r["properties"]["issue_severity"].lower() for r in raw}
    assert by_rule == expected
    assert by_rule["B602"] == "high"  # subprocess with shell=True
    assert "B105" in by_rule  # the hard-coded password was found...
    text = frame_text(findings)
    assert "hunter2-correct-horse-battery" not in text  # ...but its value is in no cell
    assert "subprocess.call(cmd, shell=True)" not in text  # nor any region.snippet text


def test_hadolint_sarif_levels_map_to_severities() -> None:
    path = DATA / "hadolint.sarif"
    raw = json.loads(path.read_text())["runs"][0]["results"]

    findings = load_sarif(path, "dockerfile").findings

    assert set(findings["tool"]) == {"hadolint"}
    levels = {"error": "high", "warning": "medium", "note": "low", "none": "info"}
    assert findings["severity"].tolist() == [levels[r["level"]] for r in raw]
    assert findings["rule"].tolist() == [r["ruleId"] for r in raw]
    assert findings["line"].tolist() == [
        r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in raw
    ]


def test_secrets_sarif_keeps_no_secret_and_counts_the_baseline() -> None:
    path = DATA / "secrets.sarif"
    raw = json.loads(path.read_text())["runs"][0]["results"]

    data = load_sarif(path, "secrets")

    assert not any(secret in path.read_text() for secret in PLANTED_SECRETS)  # the artifact is clean...
    text = frame_text(data.findings)
    assert not any(secret in text for secret in PLANTED_SECRETS)  # ...and so is the frame
    assert data.findings["suppressed"].tolist() == [bool(r.get("suppressions")) for r in raw]
    assert data.findings["suppressed"].sum() == 1
    assert data.baseline_entries == 1


def test_security_severity_scores_follow_github_thresholds(tmp_path: Path) -> None:
    scores = ["9.8", "7.0", "6.9", "4.0", "3.9", "0.5"]
    rules = [{"id": f"R{i}", "properties": {"security-severity": score}} for i, score in enumerate(scores)]
    results = [
        {"ruleId": f"R{i}", "level": "note", "message": {"text": "m"}, "locations": []}
        for i in range(len(scores))
    ]
    path = tmp_path / "scan.sarif"
    path.write_text(
        json.dumps(
            {
                "version": "2.1.0",
                "runs": [{"tool": {"driver": {"name": "x", "rules": rules}}, "results": results}],
            }
        )
    )

    severities = load_sarif(path, "scan").findings["severity"].tolist()

    assert severities == ["critical", "high", "medium", "medium", "low", "low"]


def test_sarif_that_is_really_junit_is_an_artifact_error(tmp_path: Path) -> None:
    path = tmp_path / "ruff.sarif"
    path.write_text('<?xml version="1.0"?><testsuites><testsuite name="x"/></testsuites>')
    with pytest.raises(ArtifactError, match=r"ruff\.sarif.*not valid JSON"):
        load_sarif(path, "lint")


def test_sarif_without_results_is_no_evidence(tmp_path: Path) -> None:
    path = tmp_path / "a.sarif"
    path.write_text(json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}}]}))
    with pytest.raises(ArtifactError, match=r"a\.sarif: runs\[0\] is malformed"):
        load_sarif(path, "lint")


# --- JUnit ---------------------------------------------------------------------------------


def test_pytest_junit_statuses_messages_and_agreement_with_junitparser(tmp_path: Path) -> None:
    write(
        tmp_path,
        "test_demo.py",
        """\
        import pytest

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture exploded")

        def test_ok():
            assert 1 + 1 == 2

        def test_bad():
            assert 1 + 1 == 3, "arithmetic"

        @pytest.mark.skip(reason="not today")
        def test_later():
            pass

        def test_errors(broken):
            pass
        """,
    )
    junit = tmp_path / "junit.xml"
    run_tool(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"], tmp_path
    )

    tests = load_junit(junit, "test")

    assert_schema(tests, ev.TEST_COLUMNS)
    status = dict(zip(tests["case"], tests["status"], strict=True))
    assert status == {
        "test_demo::test_ok": "passed",
        "test_demo::test_bad": "failed",
        "test_demo::test_later": "skipped",
        "test_demo::test_errors": "error",
    }
    messages = dict(zip(tests["case"], tests["message"], strict=True))
    assert "arithmetic" in messages["test_demo::test_bad"]
    assert messages["test_demo::test_later"] == "not today"
    assert "fixture exploded" in messages["test_demo::test_errors"]
    assert tests["time_s"].dtype == "float64" and (tests["time_s"] >= 0).all()
    pd.testing.assert_frame_equal(tests, load_junit_reference(junit, "test"))


def test_mypy_per_file_junit_records_the_failing_file(tmp_path: Path) -> None:
    write(tmp_path, "good.py", "def f(x: int) -> int:\n    return x\n")
    write(tmp_path, "bad.py", 'def g() -> int:\n    return "nope"\n')
    junit = tmp_path / "mypy.xml"
    run_tool(
        [
            "mypy",
            "--no-incremental",
            "--junit-xml",
            str(junit),
            "--junit-format",
            "per_file",
            "good.py",
            "bad.py",
        ],
        tmp_path,
    )

    tests = load_junit(junit, "typecheck")

    failed = tests.loc[tests["status"] == "failed"]
    assert len(failed) == 1 and "bad" in failed["case"].iloc[0]
    xml = junit.read_text()
    assert "Incompatible return value" in xml  # in the failure's text...
    attribute = re.search(r'<failure message="([^"]*)"', xml)
    assert attribute is not None
    assert failed["message"].iloc[0] == attribute.group(1)  # ...the row keeps its message attribute
    assert (tests.loc[tests["status"] != "failed", "status"] == "passed").all()
    pd.testing.assert_frame_equal(tests, load_junit_reference(junit, "typecheck"))


def test_junit_with_a_foreign_root_is_an_artifact_error(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text('<?xml version="1.0"?><coverage line-rate="0.5"/>')
    with pytest.raises(ArtifactError, match=r"junit\.xml: not a JUnit XML file .*<coverage>"):
        load_junit(path, "test")


def test_junit_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = tmp_path / "junit.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<testsuite name="s"><testcase classname="c" name="n">'
        '<failure message="m">&x;</failure></testcase></testsuite>'
    )
    tests = load_junit(path, "test")
    assert "TOP-SECRET-CONTENT" not in frame_text(tests)
    assert tests["status"].tolist() == ["failed"]


# --- coverage ------------------------------------------------------------------------------


def test_coverage_json_per_file_numbers_and_total(tmp_path: Path) -> None:
    write(tmp_path, "calc.py", "def half(x):\n    if x > 0:\n        return x / 2\n    return 0\n\nhalf(4)\n")
    write(tmp_path, "main.py", "import calc\nprint(calc.half(2))\n")
    run_tool([sys.executable, "-m", "coverage", "run", "main.py"], tmp_path, ok=(0,))
    run_tool([sys.executable, "-m", "coverage", "json", "-o", "coverage.json"], tmp_path, ok=(0,))
    raw = json.loads((tmp_path / "coverage.json").read_text())

    data = load_coverage(tmp_path / "coverage.json")

    assert_schema(data.files, ev.COVERAGE_COLUMNS)
    row = data.files.set_index("file").loc["calc.py"]
    assert row["statements"] == raw["files"]["calc.py"]["summary"]["num_statements"] == 5
    assert row["missed"] == 1  # `return 0` never ran
    assert row["percent"] == pytest.approx(80.0)
    assert data.percent == pytest.approx(raw["totals"]["percent_covered"])


def test_coverage_json_with_missing_above_statements_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    summary = {"num_statements": 2, "missing_lines": 3, "percent_covered": 0.0}
    path.write_text(json.dumps({"totals": {"percent_covered": 0.0}, "files": {"a.py": {"summary": summary}}}))
    with pytest.raises(ArtifactError, match=r"coverage\.json: .*3 missing of 2"):
        load_coverage(path)


# --- dependencies, licences ----------------------------------------------------------------


def test_pip_audit_osv_report_gives_vulnerability_and_skip() -> None:
    data = load_pip_audit(DATA / "pip-audit-osv.json")

    assert_schema(data.vulnerabilities, ev.VULNERABILITY_COLUMNS)
    vuln = data.vulnerabilities.iloc[0]
    assert len(data.vulnerabilities) == 1
    assert (vuln["package"], vuln["version"], vuln["id"]) == ("requests", "2.19.0", "CVE-2018-18074")
    assert vuln["aliases"] == "GHSA-x84v-xcm2-53pg" and vuln["fix_versions"] == "2.20.0"
    assert data.skipped["package"].tolist() == ["foo"]
    assert data.audited == 3


def test_pip_audit_offline_report_is_all_skipped_never_clean() -> None:
    data = load_pip_audit(DATA / "pip-audit-offline.json")

    assert data.vulnerabilities.empty
    assert data.audited == 0
    assert data.skipped["package"].tolist() == ["requests", "idna", "urllib3", "foo"]
    assert data.skipped["reason"].str.contains("could not be audited").sum() == 3


def test_pip_audit_loader_refuses_pip_licenses_json() -> None:
    with pytest.raises(ArtifactError, match=r"pip-licenses\.json: not a pip-audit JSON report"):
        load_pip_audit(DATA / "pip-licenses.json")


def test_deps_summary_written_by_the_deps_tool(tmp_path: Path) -> None:
    out = tmp_path / "summary.json"
    deps_summary.main(
        [
            "--out",
            str(out),
            "--audit",
            f"requirements.txt={DATA / 'pip-audit-osv.json'}",
            "--audit",
            f"requirements-dev.txt={tmp_path / 'never-written.json'}",
            "--safety-not-run",
            "SAFETY_API_KEY not set",
        ]
    )

    data = load_deps_summary(out)

    assert data.vulnerabilities[["source", "package", "id"]].values.tolist() == [
        ["pip-audit", "requests", "CVE-2018-18074"]
    ]
    assert data.skipped["package"].tolist() == ["foo"]
    assert [u.report for u in data.unaudited] == [str(tmp_path / "never-written.json")]


def test_pip_licenses_json_from_the_real_tool(tmp_path: Path) -> None:
    out = run_tool(
        ["pip-licenses", "--format", "json", "--with-urls", "--packages", "junitparser", "lxml"], tmp_path
    )
    path = tmp_path / "licenses.json"
    path.write_text(out.stdout)

    licenses = load_pip_licenses(path)

    assert_schema(licenses, ev.LICENSE_COLUMNS)
    versions = dict(zip(licenses["package"], licenses["version"], strict=True))
    assert versions == {"junitparser": version("junitparser"), "lxml": version("lxml")}
    assert (licenses["license"].str.len() > 0).all()


def test_cyclonedx_requirements_bom_counts_components_but_claims_no_licence() -> None:
    data = load_cyclonedx(DATA / "cyclonedx-requirements.json")
    assert data.components == 2
    assert data.licenses.empty  # requirements mode declares none: never read as "a licence"


def test_cyclonedx_declared_licences_become_rows(tmp_path: Path) -> None:
    bom = json.loads((DATA / "cyclonedx-requirements.json").read_text())
    bom["components"][0]["licenses"] = [{"license": {"id": "BSD-3-Clause"}}]
    bom["components"][1]["licenses"] = [{"expression": "Apache-2.0 OR MIT"}]
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(bom))

    licenses = load_cyclonedx(path).licenses

    names = [component["name"] for component in bom["components"]]
    assert dict(zip(licenses["package"], licenses["license"], strict=True)) == {
        names[0]: "BSD-3-Clause",
        names[1]: "Apache-2.0 OR MIT",
    }


# --- Locust --------------------------------------------------------------------------------


def test_locust_stats_aggregated_percentiles() -> None:
    path = DATA / "locust_stats.csv"
    raw = pd.read_csv(path)
    aggregated = raw.loc[raw["Name"] == "Aggregated"].iloc[0]

    performance = load_locust(path)

    assert_schema(performance, ev.PERFORMANCE_COLUMNS)
    row = performance.set_index("name").loc["Aggregated"]
    assert row["p95_ms"] == aggregated["95%"] and row["p99_ms"] == aggregated["99%"]
    assert row["requests"] == aggregated["Request Count"] > 0
    assert row["failures"] == aggregated["Failure Count"] > 0  # every /missing answered 404
    assert set(performance["name"]) == {"GET /ok", "GET /missing", "Aggregated"}


def test_locust_na_percentile_is_nan_not_zero(tmp_path: Path) -> None:
    lines = (DATA / "locust_stats.csv").read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("95%")] = "N/A"
    path = tmp_path / "lc_stats.csv"
    path.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n")

    performance = load_locust(path)

    assert math.isnan(performance["p95_ms"].iloc[0])


def test_locust_stats_without_the_aggregated_row_is_truncated(tmp_path: Path) -> None:
    path = tmp_path / "lc_stats.csv"
    path.write_text("\n".join((DATA / "locust_stats.csv").read_text().splitlines()[:-1]) + "\n")
    with pytest.raises(ArtifactError, match=r"lc_stats\.csv: .*no 'Aggregated' row"):
        load_locust(path)


# --- run.json and suppressions -------------------------------------------------------------


def test_run_json_written_by_the_runner_reads_back(tmp_path: Path) -> None:
    at = "2026-11-26T10:00:00+00:00"
    results = (
        CheckResult("lint", Stage.FAST, Status.FAILED, "2 violations", at, 1.25, 1, "ruff 0.17.6",
                    ("artifacts/lint/ruff.sarif",), "artifacts/lint/log.txt", {"violations": 2.0}),
        CheckResult("e2e", Stage.SERVICE, Status.SKIPPED, "not in the quick profile", at, 0.0),
    )  # fmt: skip
    record = RunRecord(
        "abc", "/p", "quick", 2, GitInfo("f00", "main", False), "t0", "t1", 3.5, "0.1.0", results
    )
    write_run(tmp_path / "run.json", record)

    run = load_run(tmp_path / "run.json")
    checks = run_checks_frame(tmp_path / "run.json")

    assert run.info.git_sha == "f00" and run.info.duration_s == 3.5
    assert run.checks[0].artifacts == ("artifacts/lint/ruff.sarif",)
    assert run.checks[0].metrics == {"violations": 2.0}
    assert_schema(checks, ev.CHECK_COLUMNS)
    assert checks["exit_code"].tolist()[0] == 1 and pd.isna(checks["exit_code"].iloc[1])
    assert str(checks["exit_code"].dtype) == "Int64" and checks["duration_s"].dtype == "float64"
    assert checks["status"].tolist() == ["failed", "skipped"]


def test_run_json_artifact_outside_the_reports_folder_is_refused(tmp_path: Path) -> None:
    document = {
        "format_version": 1, "run_id": "r", "project": "/p", "profile": "full", "git": {},
        "started_at": "a", "finished_at": "b", "duration_s": 1.0,
        "checks": [{"name": "x", "stage": "fast", "status": "passed", "reason": "", "started_at": "a",
                    "duration_s": 0.1, "artifacts": ["../../etc/passwd"]}],
    }  # fmt: skip
    (tmp_path / "run.json").write_text(json.dumps(document))
    with pytest.raises(ArtifactError, match=r"run\.json: checks\[0\]\.artifacts\[0\] .* not a path inside"):
        load_run(tmp_path / "run.json")


def test_source_comments_are_counted_per_kind(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app/a.py",
        "x = eval('1')  # nosec B307\ny = 1  # noqa: E501\nz: int = 'a'  # type: ignore\n",
    )
    write(tmp_path, "app/b.py", "import os  # noqa\n# NOSEC\n")
    write(tmp_path, ".venv/lib/c.py", "x = 1  # noqa\n")  # a virtualenv is not the project's source
    write(tmp_path, "app/readme.txt", "# noqa\n")

    counts = source_comments(tmp_path)

    assert counts == {"nosec": 2, "noqa": 2, "type-ignore": 1}
