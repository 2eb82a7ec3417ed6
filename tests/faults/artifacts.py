"""Artifact texts the fakes write: clean ones, empty-handed ones and garbage, per format.

Each builder returns the file's text. Clean artifacts are what the real tool writes on a tiny
project that passes; the others are the ways a tool's output can mislead (examined nothing,
truncated, written by another tool).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

TRUNCATED_JSON = '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": '
TRUNCATED_XML = '<?xml version="1.0"?>\n<testsuites><testsuite name="pytest" tests="3"><testcase name='
NOT_A_REPORT = "<html><body>502 Bad Gateway</body></html>\n"


# --- SARIF --------------------------------------------------------------------------------------


def sarif_result(
    rule: str,
    level: str = "error",
    file: str = "pkg/mod.py",
    line: int = 1,
    properties: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": f"{rule} (fault injected)"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": file}, "region": {"startLine": line}}}
        ],
        "properties": dict(properties or {}),
    }


def sarif(
    tool: str,
    results: Sequence[Mapping[str, Any]] = (),
    *,
    invocations: Sequence[Mapping[str, Any]] | None = None,
    properties: Mapping[str, Any] | None = None,
) -> str:
    run: dict[str, Any] = {"tool": {"driver": {"name": tool, "rules": []}}, "results": list(results)}
    run["invocations"] = list(invocations) if invocations is not None else [{"executionSuccessful": True}]
    if properties is not None:
        run["properties"] = dict(properties)
    return json.dumps({"version": "2.1.0", "runs": [run]}, indent=1)


def sarif_no_runs() -> str:
    """A SARIF log that examined nothing: valid, and empty."""
    return json.dumps({"version": "2.1.0", "runs": []})


# --- JUnit --------------------------------------------------------------------------------------


def junit(*outcomes: str, failure_text: str = "AssertionError: fault injected", file: str = "") -> str:
    """One test case per outcome: passed, failed, error or skipped."""
    cases = []
    for index, outcome in enumerate(outcomes):
        attrs = f'classname="pkg.test_mod" name="test_{index}" time="0.01"'
        if file:
            attrs += f" file={quoteattr(file)}"
        body = {
            "passed": "",
            "failed": f'<failure message="failed">{failure_text}</failure>',
            "error": f'<error message="error">{failure_text}</error>',
            "skipped": '<skipped message="skipped: fault injected"/>',
        }[outcome]
        cases.append(f"<testcase {attrs}>{body}</testcase>")
    failures = outcomes.count("failed")
    errors = outcomes.count("error")
    skipped = outcomes.count("skipped")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>'
        f'<testsuite name="pytest" tests="{len(outcomes)}" failures="{failures}" errors="{errors}" '
        f'skipped="{skipped}">' + "".join(cases) + "</testsuite></testsuites>\n"
    )


# --- coverage -----------------------------------------------------------------------------------


def coverage_json(percent: float = 100.0) -> str:
    summary = {
        "num_statements": 10,
        "missing_lines": round(10 * (100 - percent) / 100),
        "percent_covered": percent,
    }
    return json.dumps(
        {
            "meta": {"format": 3, "version": "7.6.0"},
            "files": {"pkg/mod.py": {"summary": summary}},
            "totals": {"percent_covered": percent, "num_statements": 10},
        }
    )


COVERAGE_XML = '<?xml version="1.0" ?>\n<coverage line-rate="1" version="7.6.0"><packages/></coverage>\n'


# --- pip-audit, CycloneDX, pip-licenses ---------------------------------------------------------


def pip_audit(*dependencies: Mapping[str, Any]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def audited(name: str = "requests", version: str = "2.31.0", vulns: Sequence[str] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "version": version,
        "vulns": [
            {"id": vuln, "fix_versions": ["9.9.9"], "aliases": [], "description": ""} for vuln in vulns
        ],
    }


def skipped_dependency(name: str = "requests") -> dict[str, Any]:
    return {"name": name, "skip_reason": "Dependency not found on PyPI and could not be audited"}


def cyclonedx(*components: tuple[str, str]) -> str:
    return json.dumps(
        {
            "bomFormat": "CycloneDX",
            "specVersion": "1.5",
            "version": 1,
            "components": [
                {"type": "library", "name": name, "version": version, "bom-ref": f"{name}=={version}"}
                for name, version in components
            ],
        }
    )


def pip_licenses(*packages: tuple[str, str, str]) -> str:
    return json.dumps([{"Name": n, "Version": v, "License": lic, "URL": ""} for n, v, lic in packages])


# --- Locust -------------------------------------------------------------------------------------

LOCUST_HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%"
)


def locust_stats(requests: int = 200, failures: int = 0, p95: int = 40, p99: int = 80) -> str:
    if requests == 0:  # Locust writes N/A percentiles without a sample
        row = "0,0,0,0,0,0,0,0.0,0.0," + ",".join(["N/A"] * 11)
        return f"{LOCUST_HEADER}\nGET,/health,{row}\n,Aggregated,{row}\n"
    percentiles = f"20,25,30,30,35,{p95},{p99 - 5},{p99},{p99},{p99},{p99}"
    row = f"{requests},{failures},20,22.5,3,{p99},2,10.0,{failures / 20:.2f},{percentiles}"
    return f"{LOCUST_HEADER}\nGET,/health,{row}\n,Aggregated,{row}\n"


LOCUST_FAILURES_HEADER = "Method,Name,Error,Occurrences\n"
LOCUST_FAILURES = LOCUST_FAILURES_HEADER + "GET,/health,HTTPError('500 Server Error'),3\n"
LOCUST_HTML = "<html><body>Locust report</body></html>\n"


# --- workflow documentation (the docs check's own report) ---------------------------------------


def docs_report(
    workflows: Sequence[str] = (".github/workflows/ci.yml",),
    *,
    doc: str | None = ".github/WORKFLOW_DOCUMENTATION.md",
    undocumented_jobs: Sequence[str] = (),
    phantom_secrets: Sequence[str] = (),
) -> str:
    """`docs.json` as `cimaturity.tools.workflow_docs` writes it (its own writer)."""
    from cimaturity.workflowdocs.report import DocsReport, docs_json

    report = DocsReport(
        doc=doc,
        workflows=tuple(workflows),
        jobs=1,
        secrets=0,
        phantom_jobs=(),
        undocumented_jobs=tuple(undocumented_jobs),
        phantom_secrets=tuple(phantom_secrets),
        undocumented_secrets=(),
        stale=False,
        problems=(),
    )
    return docs_json(report)


# --- deployment validation (health.json) ----------------------------------------------------------


def health_report(
    verdict: str = "passed", *, rounds: int = 2, reason: str = "2 round(s) in a row passed"
) -> str:
    """`health.json` as `cimaturity.deploy.record` writes it for a bare validation."""
    checks: list[dict[str, Any]] = [
        {"path": path, "status": 200, "elapsed_ms": 12.0, "problems": []}
        for path in ("/health", "/api/v1/health", "/api/diagnostics")
    ]
    document = {
        "format": "cimaturity-health",
        "format_version": 1,
        "verdict": verdict,
        "reason": reason,
        "target": "http://127.0.0.1:9",
        "environment": "staging",
        "policy": {
            "attempts": 10,
            "required_passes": 2,
            "backoff_s": 1.0,
            "max_response_s": 2.0,
            "fixed_sleep": False,
        },
        "rounds": [{"number": n, "waited_s": 0.0, "checks": checks} for n in range(1, rounds + 1)],
        "deploy": None,
        "rollback": None,
        "notification": None,
    }
    return json.dumps(document, indent=1)
