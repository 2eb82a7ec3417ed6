"""Benchmark the report over a large synthetic run: `python -m benchmarks.bench_report [--keep DIR]`.

Generates, in a temporary folder: 100,000 test cases in 500 JUnit files, 50,000 SARIF results in
5 SARIF files (ruff-, bandit-, hadolint-, zizmor- and detect-secrets-shaped), coverage JSON for
2,000 files, and a run.json listing them. Then times, each as the median of `--repeat` runs:

- `load_evidence` in process (the loaders alone);
- `invoke report --project P --artifacts DIR` end to end (a fresh process, as CI runs it),
  when the report task exists;
- `invoke report` end to end on a run holding only those 5 SARIF files, and
- `sarif summary` (sarif-tools' CLI) on the same 5 SARIF files: the like-for-like comparison;
- with `--million`, `invoke report` on a run holding one JUnit file of 1,000,000 cases (~83 MB).

Each end-to-end row also shows the peak resident memory of that process (`ru_maxrss` from
`wait4`), as the median over the repeats.

Goals (issues 3 and 8): the report in at most 2.9 s on the 2-core machine, faster than
`sarif summary` on the SARIF-only run, and under 300 MB peak on the 1M-case file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cimaturity.report.loaders import load_evidence

ROOT = Path(__file__).resolve().parent.parent

JUNIT_FILES, CASES_PER_FILE = 500, 200
SARIF_TOOLS = ("ruff", "bandit", "hadolint", "zizmor", "detect-secrets")
SARIF_RESULTS = 50_000
COVERAGE_FILES = 2_000
AT = "2026-11-26T10:00:00+00:00"


def junit(index: int, rng: random.Random) -> str:
    cases = []
    for case in range(CASES_PER_FILE):
        roll = rng.random()
        body = ""
        if roll < 0.02:
            message = f"AssertionError: assert {case} == {case + 1}"
            body = f'<failure message="{message}">Traceback ...\nE assert</failure>'
        elif roll < 0.03:
            body = '<skipped type="pytest.skip" message="needs postgres">skip</skipped>'
        elif roll < 0.035:
            body = '<error message="fixture failed">RuntimeError</error>'
        cases.append(
            f'<testcase classname="tests.unit.test_module_{index}" name="test_case_{case}" '
            f'time="{rng.random() / 10:.4f}">{body}</testcase>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">'
        f'<testsuite name="pytest" tests="{CASES_PER_FILE}">' + "".join(cases) + "</testsuite></testsuites>\n"
    )


def sarif(tool: str, count: int, project: Path, rng: random.Random) -> dict[str, Any]:
    rules = [
        {"id": f"{tool[:2].upper()}{n:03d}", "properties": {"security-severity": f"{rng.uniform(0, 10):.1f}"}}
        for n in range(40)
    ]
    levels = ("error", "warning", "note")
    results = []
    for n in range(count):
        rule = rules[n % len(rules)]
        result: dict[str, Any] = {
            "ruleId": rule["id"],
            "level": levels[n % 3],
            "message": {"text": f"{tool} finding number {n} in a generated module"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"file://{project}/app/module_{n % 700}.py"},
                        "region": {"startLine": 1 + n % 400, "snippet": {"text": "password = 'not-kept'"}},
                    }
                }
            ],
        }
        if tool == "bandit":
            result["properties"] = {
                "issue_severity": ("LOW", "MEDIUM", "HIGH")[n % 3],
                "issue_confidence": "HIGH",
            }
        if n % 50 == 0:
            result["suppressions"] = [{"kind": "inSource"}]
        results.append(result)
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": tool, "rules": rules}}, "results": results}],
    }


def coverage(rng: random.Random) -> dict[str, Any]:
    files: dict[str, Any] = {}
    total_statements = total_missed = 0
    for n in range(COVERAGE_FILES):
        statements = rng.randint(5, 400)
        missed = rng.randint(0, statements)
        lines = list(range(1, statements + 1))
        files[f"app/pkg_{n // 100}/module_{n}.py"] = {
            "executed_lines": lines[missed:],
            "missing_lines": lines[:missed],
            "excluded_lines": [],
            "summary": {
                "covered_lines": statements - missed,
                "num_statements": statements,
                "percent_covered": 100.0 * (statements - missed) / statements,
                "missing_lines": missed,
                "excluded_lines": 0,
            },
        }
        total_statements += statements
        total_missed += missed
    percent = 100.0 * (total_statements - total_missed) / total_statements
    return {
        "meta": {"format": 3, "version": "7.17.4"},
        "files": files,
        "totals": {
            "num_statements": total_statements,
            "missing_lines": total_missed,
            "percent_covered": percent,
        },
    }


def generate(reports: Path, project: Path) -> list[Path]:
    rng = random.Random(20261126)
    checks: list[dict[str, Any]] = []
    test_artifacts = []
    for index in range(JUNIT_FILES):
        path = reports / "artifacts" / "test" / f"junit-{index:03d}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(junit(index, rng))
        test_artifacts.append(str(path.relative_to(reports)))
    cov = reports / "artifacts" / "test" / "coverage.json"
    cov.write_text(json.dumps(coverage(rng)))
    test_artifacts.append(str(cov.relative_to(reports)))
    checks.append(_check("test", "fast", test_artifacts))
    sarif_paths = []
    for tool in SARIF_TOOLS:
        path = reports / "artifacts" / tool / f"{tool}.sarif"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(sarif(tool, SARIF_RESULTS // len(SARIF_TOOLS), project, rng)))
        sarif_paths.append(path)
        checks.append(_check(tool, "security", [str(path.relative_to(reports))]))
    run = {
        "format_version": 1, "run_id": "bench", "project": str(project), "profile": "full", "jobs": 2,
        "git": {"sha": None, "branch": None, "dirty": None}, "started_at": AT, "finished_at": AT,
        "duration_s": 60.0, "tool": "cimaturity bench", "ok": False, "checks": checks,
    }  # fmt: skip
    (reports / "run.json").write_text(json.dumps(run, indent=2))
    return sarif_paths


def sarif_only_run(reports: Path, sarif_paths: list[Path], target: Path) -> None:
    """A second reports folder whose run holds just the SARIF files (copied, same bytes)."""
    shutil.rmtree(target, ignore_errors=True)
    document = json.loads((reports / "run.json").read_text())
    document["checks"] = [check for check in document["checks"] if check["name"] in SARIF_TOOLS]
    for path in sarif_paths:
        copy = target / path.relative_to(reports)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
    (target / "run.json").write_text(json.dumps(document, indent=2))


def _check(name: str, stage: str, artifacts: list[str]) -> dict[str, Any]:
    return {
        "name": name, "stage": stage, "status": "failed", "reason": "synthetic", "started_at": AT,
        "duration_s": 12.5, "exit_code": 1, "tool_version": "bench 1", "artifacts": artifacts,
        "log": None, "metrics": {},
    }  # fmt: skip


def _cpu() -> float:
    """CPU seconds of this process and its finished children: less sensitive than wall time to
    the other jobs sharing the 2 cores."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


Timing = tuple[float, float, float | None]  # wall s, cpu s, peak MB of the child (None: in process)


def timed(action: Callable[[], float | None], repeat: int) -> Timing:
    """Median wall and CPU seconds, and peak child memory, of `repeat` runs."""
    walls, cpus, peaks = [], [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), _cpu()
        peak = action()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
        if peak is not None:
            peaks.append(peak)
    return statistics.median(walls), statistics.median(cpus), statistics.median(peaks) if peaks else None


# Linux starts a forked child's peak memory at its parent's size, and this process holds the
# loaded evidence: a small wrapper process forks the measured one and reports its peak alone.
_PEAK_OF_CHILD = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "sys.stderr.buffer.write(done.stderr[-800:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def run_quiet(argv: list[str]) -> float:
    """Run `argv` to the end; its peak resident memory in MB (ru_maxrss is in KiB)."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_OF_CHILD, *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1):  # the report exits 1 when the score is short; a crash is not
        raise SystemExit(f"{argv[:3]} exited {done.returncode}: {done.stderr}")
    return int(done.stdout.split()[-1]) / 1024


def million_case_run(target: Path, project: Path) -> None:
    """A reports folder whose run holds one JUnit file of 1,000,000 cases, written in a stream."""
    shutil.rmtree(target, ignore_errors=True)
    path = target / "artifacts" / "test" / "junit.xml"
    path.parent.mkdir(parents=True)
    rng = random.Random(1_000_000)
    with path.open("w") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests">')
        out.write('<testsuite name="pytest" tests="1000000">')
        for index in range(1_000_000):
            body = '<failure message="assert 1 == 2">E assert</failure>' if index % 97 == 0 else ""
            out.write(
                f'<testcase classname="tests.unit.test_module_{index // 200}" name="test_case_{index}" '
                f'time="{rng.random() / 10:.4f}">{body}</testcase>'
            )
        out.write("</testsuite></testsuites>\n")
    run = {
        "format_version": 1, "run_id": "bench-million", "project": str(project), "profile": "full",
        "jobs": 2, "git": {"sha": None, "branch": None, "dirty": None}, "started_at": AT,
        "finished_at": AT, "duration_s": 60.0, "tool": "cimaturity bench", "ok": False,
        "checks": [_check("test", "fast", [str(path.relative_to(target))])],
    }  # fmt: skip
    (target / "run.json").write_text(json.dumps(run, indent=2))


def _none(_value: object) -> None:
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--million", action="store_true", help="also the report on a 1M-case JUnit file")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    reports, project = work / "reports", work / "project"
    shutil.rmtree(reports, ignore_errors=True)
    project.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sarif_paths = generate(reports, project)
    size_mb = sum(p.stat().st_size for p in reports.rglob("*") if p.is_file()) / 1e6
    print(f"generated {size_mb:.0f} MB in {time.perf_counter() - started:.1f}s under {reports}")

    evidence = load_evidence(reports)
    assert len(evidence.tests) == JUNIT_FILES * CASES_PER_FILE, len(evidence.tests)
    assert len(evidence.findings) == SARIF_RESULTS, len(evidence.findings)
    assert len(evidence.coverage) == COVERAGE_FILES and not evidence.problems
    assert not evidence.findings["message"].str.contains("not-kept").any()  # snippets never copied

    rows = [("load_evidence (in process)", timed(lambda: _none(load_evidence(reports)), args.repeat))]
    invoke = ROOT / ".venv" / "bin" / "invoke"
    if (ROOT / "cimaturity" / "tasks" / "report.py").is_file():
        argv = [str(invoke), "report", "--project", str(project), "--artifacts", str(reports)]
        rows.append(("invoke report (end to end)", timed(lambda: run_quiet(argv), args.repeat)))
        sarif_reports = work / "reports-sarif-only"
        sarif_only_run(reports, sarif_paths, sarif_reports)
        argv_sarif = [str(invoke), "report", "--project", str(project), "--artifacts", str(sarif_reports)]
        rows.append(("invoke report (SARIF only)", timed(lambda: run_quiet(argv_sarif), args.repeat)))
    sarif_cli = str(ROOT / ".venv" / "bin" / "sarif")
    summary_argv = [sarif_cli, "summary", *map(str, sarif_paths)]
    rows.append(("sarif summary (same SARIF)", timed(lambda: run_quiet(summary_argv), args.repeat)))
    if args.million:
        million = work / "reports-million"
        million_case_run(million, project)
        argv_million = [str(invoke), "report", "--project", str(project), "--artifacts", str(million)]
        rows.append(("invoke report (1M-case JUnit)", timed(lambda: run_quiet(argv_million), args.repeat)))
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; medians of {args.repeat} runs")
    print(f"{'what':32} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for name, (wall, cpu, peak) in rows:
        shown = f"{peak:8.0f}" if peak is not None else f"{'-':>8}"
        print(f"{name:32} {wall:8.2f} {cpu:8.2f} {shown}")
    if not args.keep:
        shutil.rmtree(work)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
