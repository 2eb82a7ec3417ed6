"""Isolated runs: each run in `reports/runs/<id>/`, `latest` switched only once a run completed.

The kill test runs a real `invoke ci` in a child process (with one extra check that sleeps) and
SIGKILLs it halfway: the previous run must stay `latest`, and the report must score it alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from invoke.program import Program

from cimaturity import runs
from cimaturity.config import ProjectConfig, load_config
from cimaturity.model import Check, CheckContext, Command, CommandOutcome, Stage, Status, Verdict
from cimaturity.report import pipeline
from cimaturity.runfile import RunRecord
from cimaturity.runner import Profile, run_checks, select
from cimaturity.tasks import ns

REPO = Path(__file__).resolve().parents[2]


def passing_gate(_ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    return Verdict.passed(f"{len(outcomes)} command(s) ran")


def writer(name: str, text: str) -> Check:
    """A check writing `text` to `out.txt` in its own artifact folder."""

    def commands(ctx: CheckContext) -> list[Command]:
        out = ctx.artifact_dir / "out.txt"
        return [Command((sys.executable, "-c", f"open({str(out)!r}, 'w').write({text!r})"))]

    return Check(
        name=name,
        stage=Stage.FAST,
        summary=f"writes {text}",
        commands=commands,
        artifacts=("out.txt",),
        gate=passing_gate,
    )


@pytest.fixture
def config(tmp_path: Path) -> ProjectConfig:
    (tmp_path / "project").mkdir()
    return load_config(tmp_path / "project", environ={})


def run(config: ProjectConfig, reports: Path, *checks: Check) -> RunRecord:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(config.root.parent)}  # no git work
    return run_checks(select(checks, config), config, reports, jobs=1, profile=Profile.FULL, env=env)


def invoke(*argv: str) -> int:
    """Run `invoke ARGV` in-process; the exit status it would give the shell."""
    try:
        Program(namespace=ns, version="test").run(["invoke", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


# --- a completed run becomes latest -------------------------------------------------------------


def test_a_completed_run_switches_latest_and_the_well_known_paths_follow(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    first = run(config, reports, writer("w", "first"))
    assert (reports / "latest").readlink() == Path("runs") / first.run_id  # relative
    assert (reports / "artifacts" / "w" / "out.txt").read_text() == "first"
    second = run(config, reports, writer("w", "second"))
    assert second.run_id > first.run_id  # ids sort by time
    assert (reports / "latest").readlink() == Path("runs") / second.run_id
    assert json.loads((reports / "run.json").read_text())["run_id"] == second.run_id
    assert (reports / "artifacts" / "w" / "out.txt").read_text() == "second"
    # the previous run is untouched in its own folder
    assert (reports / "runs" / first.run_id / "artifacts" / "w" / "out.txt").read_text() == "first"
    for name in ("run.json", "artifacts", "maturity.md", "maturity.html", "summary.json"):
        assert (reports / name).readlink() == Path("latest") / name
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [first.run_id, second.run_id]


def test_a_run_that_raises_never_becomes_latest(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    first = run(config, reports, writer("w", "first"))

    def broken(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
        raise KeyboardInterrupt  # what Ctrl-C raises in the runner's thread

    with pytest.raises(KeyboardInterrupt):
        run(config, reports, Check("w", Stage.FAST, "x", lambda _c: [], (), broken))
    assert (reports / "latest").readlink() == Path("runs") / first.run_id
    left = [p for p in (reports / "runs").iterdir() if p.name != first.run_id]
    assert len(left) == 1 and not (left[0] / "run.json").exists()
    third = run(config, reports, writer("w", "third"))  # its start-up sweep removes the leftover
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [first.run_id, third.run_id]


# --- a run killed with SIGKILL halfway ----------------------------------------------------------

DRIVER = """
import sys
from invoke.program import Program
from cimaturity.model import Check, Command, Stage, Verdict
from cimaturity.tasks import ci, ns

marker = sys.argv[1]
sleeper = (
    "import os, pathlib, sys, time\\n"
    "out = pathlib.Path(sys.argv[1])\\n"
    "(out / 'partial.sarif').write_text('{\\"runs\\": [')\\n"
    "pathlib.Path(sys.argv[2]).write_text(str(os.getpid()))\\n"
    "time.sleep(120)\\n"
)


def commands(ctx):
    return [Command((sys.executable, "-c", sleeper, str(ctx.artifact_dir), marker))]


def gate(ctx, outcomes):
    return Verdict.passed("slept")


sleepy = Check("sleepy", Stage.FAST, "sleeps", commands, artifacts=("partial.sarif",), gate=gate)
ci.CHECKS = (*ci.CHECKS, sleepy)  # what `invoke ci` selects from
Program(namespace=ns, version="test").run(["invoke", "ci", *sys.argv[2:]])
"""


def invoke_ci_process(marker: Path, *argv: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "GIT_CEILING_DIRECTORIES": str(marker.parent)}
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(marker), *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def lint_project(root: Path, source: str) -> Path:
    (root / "pkg").mkdir(parents=True, exist_ok=True)
    (root / "pkg" / "__init__.py").write_text(source)
    (root / "pyproject.toml").write_text('[tool.cimaturity]\nsource_paths = ["pkg"]\n')
    return root


def wait_for(condition: str, check: Callable[[], bool], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"still waiting after {seconds:.0f} s for {condition}")


def test_a_run_killed_halfway_leaves_latest_on_the_previous_run(tmp_path: Path) -> None:
    project = lint_project(tmp_path / "project", "import os\n")  # F401: lint fails
    reports = project / "reports"
    marker = tmp_path / "sleeper.pid"
    first = invoke_ci_process(marker, "--project", str(project), "--only", "lint", "--jobs", "1")
    assert first.wait(timeout=120) == 1  # the lint gate failed; the run completed
    first_id = (reports / "latest").readlink().name
    assert json.loads((reports / "summary.json").read_text())["run_id"] == first_id

    lint_project(project, "VALUE = 1\n")  # now lint would pass
    killed = invoke_ci_process(marker, "--project", str(project), "--only", "lint,sleepy", "--jobs", "2")

    def new_runs() -> list[Path]:
        return [p for p in (reports / "runs").iterdir() if p.name != first_id]

    try:
        wait_for("the sleeper to start", marker.exists)

        def lint_done() -> bool:
            log = new_runs()[0] / "artifacts" / "lint" / "log.txt"
            return log.is_file() and "gate: passed" in log.read_text()

        wait_for("the second run's lint check to pass", lint_done)
    finally:
        killed.send_signal(signal.SIGKILL)
        killed.wait(timeout=30)
        if marker.exists():  # the tool runs in a session of its own: it outlives a SIGKILLed runner
            os.kill(int(marker.read_text()), signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL

    halfway = new_runs()[0]
    assert (halfway / "artifacts" / "sleepy" / "partial.sarif").is_file()  # it did get halfway
    assert not (halfway / "run.json").exists()
    assert (reports / "latest").readlink() == Path("runs") / first_id
    assert json.loads((reports / "run.json").read_text())["run_id"] == first_id

    # The report reads the previous run only: lint failed there, sleepy never ran.
    inputs = pipeline.gather(project, reports)
    assert inputs.reports_dir == (reports / "runs" / first_id).resolve()
    assert [(c.name, c.status) for c in inputs.evidence.checks.itertuples()] == [("lint", "failed")]
    assert invoke("report", "--project", str(project)) == 0
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["run_id"] == first_id
    assert [(c["name"], c["status"]) for c in summary["checks"]] == [("lint", "failed")]
    assert not (halfway / "summary.json").exists()

    # The next run's start-up sweep removes the killed run's folder.
    assert invoke("ci", "--project", str(project), "--only", "lint") == 0
    assert not halfway.exists()
    third_id = (reports / "latest").readlink().name
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [first_id, third_id]
    assert json.loads((reports / "summary.json").read_text())["run_id"] == third_id


# --- pruning ------------------------------------------------------------------------------------


def fake_run(reports: Path, minute: int) -> Path:
    """A completed run folder whose id says it started at 12:`minute`."""
    run_id = runs.new_run_id(dt.datetime(2026, 11, 30, 12, minute, tzinfo=dt.UTC))
    folder = runs.run_folder(reports, run_id)
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({"run_id": run_id}))
    return folder


def test_a_switch_keeps_the_newest_runs(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folders = [fake_run(reports, minute) for minute in range(8)]
    runs.prepare(reports)
    runs.publish(reports, folders[-1], keep=5)
    assert sorted((reports / "runs").iterdir()) == folders[3:]
    assert (reports / "latest").readlink() == Path("runs") / folders[-1].name


def test_pruning_spares_the_run_latest_names_even_when_old(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    folders = [fake_run(reports, minute) for minute in range(5)]
    runs.switch_latest(reports, folders[0])
    assert runs.prune(reports, keep=2) == folders[1:3]
    assert sorted((reports / "runs").iterdir()) == [folders[0], *folders[3:]]


def test_invoke_ci_keeps_keep_runs_runs(config: ProjectConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "KEEP_RUNS", 2)
    reports = config.root / "reports"
    records = [run(config, reports, writer("w", str(index))) for index in range(4)]
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [r.run_id for r in records[2:]]
    assert (reports / "artifacts" / "w" / "out.txt").read_text() == "3"


# --- a layout written by an older cimaturity ----------------------------------------------------


def legacy_reports(reports: Path, *, with_record: bool = True) -> None:
    (reports / "artifacts" / "lint").mkdir(parents=True)
    (reports / "artifacts" / "lint" / "log.txt").write_text("legacy log\n")
    (reports / "maturity.md").write_text("# legacy report\n")
    if with_record:
        (reports / "run.json").write_text(json.dumps({"run_id": "0123abcd", "checks": []}))


def test_a_legacy_run_moves_into_runs_and_stays_latest_until_a_new_run_completes(
    config: ProjectConfig,
) -> None:
    reports = config.root / "reports"
    legacy_reports(reports)
    runs.prepare(reports)  # what a new run does first, holding the lock
    (legacy,) = (reports / "runs").iterdir()
    assert legacy.name.endswith("Z-legacy")
    assert (reports / "latest").readlink() == Path("runs") / legacy.name
    assert json.loads((reports / "run.json").read_text())["run_id"] == "0123abcd"  # via the links
    assert (reports / "artifacts" / "lint" / "log.txt").read_text() == "legacy log\n"
    assert (reports / "maturity.md").read_text() == "# legacy report\n"
    assert all((reports / name).is_symlink() for name in runs.WELL_KNOWN)

    record = run(config, reports, writer("w", "new"))
    assert (reports / "latest").readlink() == Path("runs") / record.run_id
    assert sorted(p.name for p in (reports / "runs").iterdir()) == [legacy.name, record.run_id]
    assert (legacy / "artifacts" / "lint" / "log.txt").read_text() == "legacy log\n"


def test_legacy_leftovers_without_a_record_are_removed(config: ProjectConfig) -> None:
    """A legacy run killed halfway left artifacts and no run.json: nothing to keep."""
    reports = config.root / "reports"
    legacy_reports(reports, with_record=False)
    record = run(config, reports, writer("w", "new"))
    assert [p.name for p in (reports / "runs").iterdir()] == [record.run_id]
    assert (reports / "artifacts" / "w" / "out.txt").read_text() == "new"
    assert not (reports / "artifacts" / "lint").exists()


@pytest.mark.parametrize(
    "odd",
    [
        "run.json is a folder",
        "artifacts is a file",
        "latest is a folder",
        "maturity.md links elsewhere",
        "a temporary latest link was left",
        "runs is a file",
    ],
)
def test_whatever_stands_at_a_well_known_name_never_stops_a_run(config: ProjectConfig, odd: str) -> None:
    reports = config.root / "reports"
    reports.mkdir()
    if odd == "run.json is a folder":
        (reports / "run.json").mkdir()
    elif odd == "artifacts is a file":
        (reports / "artifacts").write_text("x")
    elif odd == "latest is a folder":
        (reports / "latest" / "sub").mkdir(parents=True)
    elif odd == "maturity.md links elsewhere":
        (reports / "maturity.md").symlink_to(config.root)
    elif odd == "runs is a file":
        (reports / "runs").write_text("x")
    else:
        (reports / ".latest.1.abcdef.tmp").symlink_to("runs/gone")
    record = run(config, reports, writer("w", "new"))
    assert (reports / "latest").readlink() == Path("runs") / record.run_id
    assert json.loads((reports / "run.json").read_text())["run_id"] == record.run_id
    assert (reports / "maturity.md").readlink() == Path("latest/maturity.md")
    assert sorted(p.name for p in reports.iterdir()) == [
        "artifacts",  # no lock file: run_checks is called here without run_pipeline's lock
        "latest",
        "maturity.html",
        "maturity.md",
        "run.json",
        "runs",
        "summary.json",
    ]


# --- the report: latest resolved once, a run folder or a reports folder -------------------------


def test_invoke_report_reads_latest_of_a_reports_folder_or_one_run_folder(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    first = run(config, reports, writer("one", "1"))
    second = run(config, reports, writer("two", "2"))
    project = str(config.root)

    assert invoke("report", "--project", project, "--artifacts", str(reports)) == 0
    latest_summary = json.loads((reports / "runs" / second.run_id / "summary.json").read_text())
    assert latest_summary["run_id"] == second.run_id
    assert [c["name"] for c in latest_summary["checks"]] == ["two"]
    assert json.loads((reports / "summary.json").read_text()) == latest_summary  # the link

    run_dir = reports / "runs" / first.run_id
    assert invoke("report", "--project", project, "--artifacts", str(run_dir)) == 0
    old_summary = json.loads((run_dir / "summary.json").read_text())
    assert old_summary["run_id"] == first.run_id
    assert [c["name"] for c in old_summary["checks"]] == ["one"]
    assert json.loads((reports / "summary.json").read_text())["run_id"] == second.run_id  # unmoved


def test_the_report_reads_nothing_outside_the_run_latest_names(config: ProjectConfig) -> None:
    """An artifact linking into another run's folder is a problem, never that run's evidence:
    the run folder, not the reports folder, is the reader's boundary."""
    reports = config.root / "reports"
    first = run(config, reports, writer("one", "1"))
    second = run(config, reports, writer("two", "2"))
    (reports / "runs" / first.run_id / "artifacts" / "one" / "coverage.json").write_text("{}")
    record = reports / "runs" / second.run_id / "run.json"
    link = record.parent / "artifacts" / "two" / "coverage.json"
    link.symlink_to(Path("..") / ".." / ".." / first.run_id / "artifacts" / "one" / "coverage.json")
    assert link.read_text() == "{}"  # inside the reports folder, outside this run's
    document = json.loads(record.read_text())
    document["checks"][0]["artifacts"] = ["artifacts/two/coverage.json"]
    record.write_text(json.dumps(document))
    inputs = pipeline.gather(config.root, reports)
    assert inputs.reports_dir == record.parent.resolve()
    (problem,) = inputs.evidence.problems
    assert "leads outside" in problem.message and second.run_id in problem.message


def test_a_dangling_latest_is_a_one_line_report_error(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    record = run(config, reports, writer("one", "1"))
    (reports / "runs" / record.run_id / "run.json").unlink()
    with pytest.raises(pipeline.ReportError, match=r"latest: the run it names has no run.json$"):
        pipeline.gather(config.root, reports)
    (reports / "latest").unlink()
    (reports / "latest").symlink_to(config.root)  # outside runs/
    with pytest.raises(pipeline.ReportError, match=r"latest: leads outside .*runs \(it resolves to "):
        pipeline.gather(config.root, reports)
    assert invoke("report", "--project", str(config.root)) == 2


def test_a_reports_folder_with_no_completed_run_reports_no_evidence(config: ProjectConfig) -> None:
    reports = config.root / "reports"
    runs.prepare(reports)
    inputs = pipeline.gather(config.root, reports)
    assert inputs.evidence.run is None
    assert inputs.reports_dir == reports.resolve()


def test_per_check_tasks_get_their_own_run_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = lint_project(tmp_path / "p", "VALUE = 1\n")
    assert invoke("lint", "--project", str(project)) == 0
    (folder,) = (project / "reports" / "runs").iterdir()
    assert f"run record: {folder / 'run.json'}\n" in capsys.readouterr().out  # where the run is
    assert (project / "reports" / "latest").readlink() == Path("runs") / folder.name
    document = json.loads((folder / "run.json").read_text())
    assert document["run_id"] == folder.name
    assert [(c["name"], Status(c["status"])) for c in document["checks"]] == [("lint", Status.PASSED)]
