"""The runner's fail-closed paths, selection, run.json and concurrency, with tiny fake checks.

Every fake check runs this interpreter (`python -c ...`), so the tests need no other tool.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from invoke.exceptions import Exit
from invoke.program import Program

from cimaturity.config import ProjectConfig, load_config
from cimaturity.model import (
    ArtifactError,
    Check,
    CheckContext,
    Command,
    CommandOutcome,
    Service,
    Stage,
    Status,
    Verdict,
)
from cimaturity.runfile import FORMAT_VERSION
from cimaturity.runner import (
    Profile,
    SelectionError,
    execute,
    git_info,
    run_checks,
    select,
    tool_environment,
)
from cimaturity.tasks import ns
from cimaturity.tasks.ci import parse_jobs
from cimaturity.tools.with_server import free_port


def python(code: str, ok: frozenset[int] = frozenset({0})) -> Command:
    return Command((sys.executable, "-c", code), ok_exit_codes=ok)


def passing_gate(_ctx: CheckContext, outcomes: Sequence[CommandOutcome]) -> Verdict:
    return Verdict.passed(f"{len(outcomes)} command(s) ran", commands=float(len(outcomes)))


def fake(name: str, *codes: str, stage: Stage = Stage.FAST, **changes: Any) -> Check:
    """A check running `python -c CODE` for each code, with a passing gate unless changed."""
    commands = [python(code) for code in codes] or [python("pass")]
    check = Check(
        name=name,
        stage=stage,
        summary=f"fake {name}",
        commands=lambda _ctx: commands,
        artifacts=(),
        gate=passing_gate,
    )
    return dataclasses.replace(check, **changes)


@pytest.fixture
def config(tmp_path: Path) -> ProjectConfig:
    (tmp_path / "project").mkdir()
    return load_config(tmp_path / "project", environ={})


def context(config: ProjectConfig, name: str) -> CheckContext:
    return CheckContext(config, config.root / "reports" / "artifacts" / name, tool_environment())


def run_one(check: Check, config: ProjectConfig) -> tuple[Status, str]:
    result = execute(check, context(config, check.name))
    return result.status, result.reason


# --- execute: every way to produce untrustworthy evidence is an error -----------------------


def test_passing_check_records_exit_code_version_and_log(config: ProjectConfig) -> None:
    check = fake("ok", "print('hello from the tool')", version_argv=(sys.executable, "--version"))
    result = execute(check, context(config, "ok"))
    assert (result.status, result.reason) == (Status.PASSED, "1 command(s) ran")
    assert result.exit_code == 0
    assert result.tool_version == f"Python {sys.version.split()[0]}"
    assert result.log == "artifacts/ok/log.txt"
    assert "hello from the tool" in (config.root / "reports" / "artifacts" / "ok" / "log.txt").read_text()


def test_unexpected_exit_code_is_error(config: ProjectConfig) -> None:
    status, reason = run_one(fake("crash", "import sys; print('boom'); sys.exit(3)"), config)
    assert status is Status.ERROR
    assert "exit 3 (expected 0)" in reason and reason.endswith("boom")


def test_later_commands_do_not_run_after_a_crash(config: ProjectConfig) -> None:
    marker = config.root / "second-ran"
    check = fake("two", "raise SystemExit(4)", f"open({str(marker)!r}, 'w').close()")
    assert run_one(check, config)[0] is Status.ERROR
    assert not marker.exists()


def _alive(pid: int) -> bool:
    """A zombie (killed, not yet reaped by its new parent) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def test_timeout_is_error_and_kills_the_process_group(config: ProjectConfig) -> None:
    pids = config.root / "pids"
    code = (
        "import os, pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"pathlib.Path({str(pids)!r}).write_text(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    started = time.monotonic()
    status, reason = run_one(fake("sleepy", code, timeout_s=1.5), config)
    assert (status, reason) == (Status.ERROR, "python timed out after 2s")  # 1.5 s, shown rounded
    assert time.monotonic() - started < 20
    tool_pid, grandchild_pid = (int(pid) for pid in pids.read_text().split())
    deadline = time.monotonic() + 5
    while (_alive(tool_pid) or _alive(grandchild_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(tool_pid)
    assert not _alive(grandchild_pid)  # the tool's own child dies with it (process group)


def test_config_timeout_overrides_the_checks_own(config: ProjectConfig) -> None:
    configured = dataclasses.replace(config, timeouts={"sleepy": 1.0})
    status, reason = run_one(fake("sleepy", "import time; time.sleep(30)", timeout_s=300.0), configured)
    assert (status, reason) == (Status.ERROR, "python timed out after 1s")


def test_a_hanging_version_query_does_not_outlive_the_checks_deadline(config: ProjectConfig) -> None:
    """The version query (and readiness probes) get at most what is left of the check's time."""
    hangs = (sys.executable, "-c", "import time; time.sleep(60)")
    check = fake("slow-version", "import time; time.sleep(30)", timeout_s=1.0, version_argv=hangs)
    started = time.monotonic()
    status, reason = run_one(check, config)
    assert (status, reason) == (Status.ERROR, "python timed out after 1s")
    assert time.monotonic() - started < 15  # was 20 s for the version query alone, then the timeout


def test_missing_tool_is_error_before_anything_runs(config: ProjectConfig) -> None:
    marker = config.root / "ran"
    check = fake("needs", f"open({str(marker)!r}, 'w').close()", tools=("no-such-tool-for-cimaturity",))
    assert run_one(check, config) == (Status.ERROR, "tool not found on PATH: no-such-tool-for-cimaturity")
    assert not marker.exists()


def test_undeclared_tool_missing_at_run_time_is_error(config: ProjectConfig) -> None:
    check = fake("ghost", commands=lambda _c: [Command(("no-such-tool-for-cimaturity", "--x"))])
    assert run_one(check, config) == (Status.ERROR, "tool not found on PATH: no-such-tool-for-cimaturity")


def test_tool_that_cannot_start_is_error(config: ProjectConfig, tmp_path: Path) -> None:
    broken = tmp_path / "bin" / "broken-tool"
    broken.parent.mkdir()
    broken.write_bytes(b"\x00\x01 not a program")
    broken.chmod(0o755)
    status, reason = run_one(fake("broken", commands=lambda _c: [Command((str(broken),))]), config)
    assert status is Status.ERROR
    assert reason.startswith(f"{broken} could not start:")


def test_unreachable_service_is_error_and_nothing_runs(config: ProjectConfig) -> None:
    marker = config.root / "ran"
    port = free_port()  # bound then released: nothing listens there
    configured = dataclasses.replace(config, redis_url=f"redis://127.0.0.1:{port}/0")
    check = fake("needs-redis", f"open({str(marker)!r}, 'w').close()", services=(Service.REDIS,))
    status, reason = run_one(check, configured)
    assert status is Status.ERROR
    assert reason.startswith(f"needs redis at 127.0.0.1:{port}, which is unreachable")
    assert not marker.exists()


def test_reachable_service_lets_the_check_run(config: ProjectConfig) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        configured = dataclasses.replace(config, database_url=f"postgresql://u@127.0.0.1:{port}/db")
        status, reason = run_one(fake("needs-pg", services=(Service.POSTGRES,)), configured)
    assert (status, reason) == (Status.PASSED, "1 command(s) ran")


def test_declared_artifact_not_written_is_error(config: ProjectConfig) -> None:
    status, reason = run_one(fake("lazy", "pass", artifacts=("report.json",)), config)
    assert status is Status.ERROR
    assert reason == "report.json missing or empty; the tool said: (no output)"


def test_a_missing_artifact_names_the_tools_own_error(config: ProjectConfig) -> None:
    """ "junit.xml missing" hides the cause; the tool's first error line names it."""
    code = "print('collected 3 items'); print('pytest_cov.DistCovError: bad source'); print('bye')"
    status, reason = run_one(fake("cause", code, artifacts=("junit.xml",)), config)
    assert status is Status.ERROR
    assert reason == "junit.xml missing or empty; the tool said: pytest_cov.DistCovError: bad source"


def test_empty_artifact_is_error(config: ProjectConfig) -> None:
    out = config.root / "reports" / "artifacts" / "hollow" / "report.json"
    check = fake("hollow", f"open({str(out)!r}, 'w').close()", artifacts=("report.json",))
    status, reason = run_one(check, config)
    assert status is Status.ERROR and reason.startswith("report.json missing or empty")


def test_stale_artifact_from_an_earlier_run_does_not_count(config: ProjectConfig) -> None:
    stale = config.root / "reports" / "artifacts" / "stale" / "report.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"old": true}')
    status, _ = run_one(fake("stale", "pass", artifacts=("report.json",)), config)
    assert status is Status.ERROR


def test_gate_raising_artifact_error_is_error(config: ProjectConfig) -> None:
    def gate(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
        raise ArtifactError("x.sarif: truncated")

    assert run_one(fake("art", gate=gate), config) == (Status.ERROR, "x.sarif: truncated")


def test_gate_bug_is_error_not_pass(config: ProjectConfig) -> None:
    def gate(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
        return Verdict.passed(str(1 // 0))

    status, reason = run_one(fake("bug", gate=gate), config)
    assert status is Status.ERROR
    assert reason == "gate crashed: ZeroDivisionError: integer division or modulo by zero"
    log = (config.root / "reports" / "artifacts" / "bug" / "log.txt").read_text()
    assert "Traceback" in log


def test_commands_refusing_to_start_is_error(config: ProjectConfig) -> None:
    def commands(_ctx: CheckContext) -> list[Command]:
        raise ArtifactError("no unit test path exists: tests")

    assert run_one(fake("refuse", commands=commands), config) == (
        Status.ERROR,
        "no unit test path exists: tests",
    )


def test_bug_building_commands_is_error_not_a_crashed_run(config: ProjectConfig) -> None:
    settings: dict[str, str] = {}

    def commands(_ctx: CheckContext) -> list[Command]:
        return [Command(("python", "-c", settings["missing"]))]

    status, reason = run_one(fake("argv-bug", commands=commands), config)
    assert (status, reason) == (Status.ERROR, "could not build the command: KeyError: 'missing'")


def test_not_applicable_is_skipped_with_reason_and_runs_nothing(config: ProjectConfig) -> None:
    marker = config.root / "ran"
    check = fake(
        "na", f"open({str(marker)!r}, 'w').close()", not_applicable=lambda _c: "not applicable: no Dockerfile"
    )
    assert run_one(check, config) == (Status.SKIPPED, "not applicable: no Dockerfile")
    assert not marker.exists()


def test_crashing_applicability_probe_is_error(config: ProjectConfig) -> None:
    def probe(_ctx: CheckContext) -> str | None:
        raise RuntimeError("cannot tell")

    status, reason = run_one(fake("probe", not_applicable=probe), config)
    assert (status, reason) == (Status.ERROR, "applicability probe crashed: RuntimeError: cannot tell")


def test_failed_verdict_is_kept_with_metrics(config: ProjectConfig) -> None:
    def gate(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
        return Verdict.failed("3 findings", findings=3.0)

    result = execute(fake("finds", gate=gate), context(config, "finds"))
    assert (result.status, result.reason, dict(result.metrics)) == (
        Status.FAILED,
        "3 findings",
        {"findings": 3.0},
    )
    assert result.status.blocks


# --- select ---------------------------------------------------------------------------------

CHECKS = (
    fake("lint"),
    fake("sast", stage=Stage.SECURITY),
    fake("integration", stage=Stage.SERVICE),
    fake("deploy", stage=Stage.DEPLOY),
)


def names(checks: Sequence[Check]) -> list[str]:
    return [check.name for check in checks]


def test_select_full_profile_runs_everything(config: ProjectConfig) -> None:
    selection = select(CHECKS, config, profile=Profile.FULL)
    assert names(selection.run) == ["lint", "sast", "integration", "deploy"]
    assert selection.left_out == ()


def test_select_quick_profile_leaves_out_service_and_deploy_with_reason(config: ProjectConfig) -> None:
    selection = select(CHECKS, config, profile=Profile.QUICK)
    assert names(selection.run) == ["lint", "sast"]
    assert [(c.name, why) for c, why in selection.left_out] == [
        ("integration", "not in the quick profile (stage service)"),
        ("deploy", "not in the quick profile (stage deploy)"),
    ]


def test_select_only_overrides_the_profile_and_drops_the_rest(config: ProjectConfig) -> None:
    selection = select(CHECKS, config, profile=Profile.QUICK, only=["integration"])
    assert names(selection.run) == ["integration"]
    assert selection.left_out == ()


def test_select_skip_and_config_skip_checks_are_recorded(config: ProjectConfig) -> None:
    configured = dataclasses.replace(config, skip_checks=("sast",))
    selection = select(CHECKS, configured, skip=["lint"])
    assert names(selection.run) == ["integration", "deploy"]
    assert [(c.name, why) for c, why in selection.left_out] == [
        ("lint", "skipped on request (--skip)"),
        ("sast", "turned off in [tool.cimaturity] skip_checks"),
    ]


@pytest.mark.parametrize(("only", "skip"), [(["lnt"], []), ([], ["nope"])])
def test_select_unknown_name_is_an_error(config: ProjectConfig, only: list[str], skip: list[str]) -> None:
    with pytest.raises(
        SelectionError, match=r"unknown check '(lnt|nope)'; known checks: deploy, integration"
    ):
        select(CHECKS, config, only=only, skip=skip)


# --- run_checks: run.json and concurrency ---------------------------------------------------


def git_repo(root: Path) -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True)
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (root / "README").write_text("x\n")
    git("add", "README")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "init")
    return git("rev-parse", "HEAD")


def writes(name: str, file: str, text: str = "data") -> Check:
    """A check writing `text` to `file` in its own artifact folder (wherever the run puts it)."""

    def commands(ctx: CheckContext) -> list[Command]:
        return [python(f"open({str(ctx.artifact_dir / file)!r}, 'w').write({text!r})")]

    return fake(name, commands=commands, artifacts=(file,))


def test_run_json_records_the_run(config: ProjectConfig) -> None:
    sha = git_repo(config.root)

    def gate(_ctx: CheckContext, _outcomes: Sequence[CommandOutcome]) -> Verdict:
        return Verdict.failed("found 2", findings=2.0)

    checks = (
        writes("writes", "out.txt"),
        fake("fails", commands=lambda _c: [python("raise SystemExit(1)", frozenset({0, 1}))], gate=gate),
        fake("later", stage=Stage.SERVICE),
    )
    selection = select(checks, config, profile=Profile.QUICK)
    record = run_checks(selection, config, config.root / "reports", jobs=2, profile=Profile.QUICK)
    document = json.loads((config.root / "reports" / "run.json").read_text())
    assert document["format_version"] == FORMAT_VERSION == 1
    # reports/ is untracked, but it is our output, not a change to the repository
    assert document["git"] == {"sha": sha, "branch": "main", "dirty": False}
    assert (document["profile"], document["jobs"], document["ok"]) == ("quick", 2, False)
    assert document["run_id"] == record.run_id
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{3}Z-[0-9a-f]{6}", record.run_id)
    # the well-known path is a link into the run's own folder
    run_json = config.root / "reports" / "runs" / record.run_id / "run.json"
    assert (config.root / "reports" / "run.json").resolve() == run_json.resolve()
    assert json.loads(run_json.read_text()) == document
    by_name = {check["name"]: check for check in document["checks"]}
    assert [check["name"] for check in document["checks"]] == ["writes", "fails", "later"]
    wrote = by_name["writes"]
    assert (wrote["status"], wrote["stage"], wrote["exit_code"]) == ("passed", "fast", 0)
    assert wrote["artifacts"] == ["artifacts/writes/out.txt"]
    assert wrote["log"] == "artifacts/writes/log.txt"
    assert (config.root / "reports" / wrote["log"]).is_file()  # through the `artifacts` link
    assert (run_json.parent / wrote["artifacts"][0]).read_text() == "data"
    assert wrote["duration_s"] >= 0 and wrote["started_at"].endswith("+00:00")
    assert set(wrote) == {
        "name", "stage", "status", "reason", "started_at", "duration_s", "exit_code",
        "tool_version", "artifacts", "log", "metrics",
    }  # fmt: skip
    fails = by_name["fails"]
    assert (fails["status"], fails["reason"], fails["exit_code"], fails["metrics"]) == (
        "failed",
        "found 2",
        1,
        {"findings": 2.0},
    )
    later = by_name["later"]
    assert (later["status"], later["reason"]) == ("skipped", "not in the quick profile (stage service)")


def test_run_without_git_records_no_sha(config: ProjectConfig) -> None:
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(config.root.parent)}
    record = run_checks(
        select((fake("a"),), config), config, config.root / "r", jobs=1, profile=Profile.FULL, env=env
    )
    assert (record.git.sha, record.git.branch, record.git.dirty) == (None, None, None)
    assert record.ok


def test_checks_run_concurrently(config: ProjectConfig) -> None:
    """Two 1-second checks with jobs=2 overlap; with jobs=1 they add up. Bounds are generous."""
    sleepers = (fake("one", "import time; time.sleep(1)"), fake("two", "import time; time.sleep(1)"))
    env = {**os.environ, "GIT_CEILING_DIRECTORIES": str(config.root.parent)}  # no git work to time
    parallel = run_checks(
        select(sleepers, config), config, config.root / "p", jobs=2, profile=Profile.FULL, env=env
    )
    assert all(result.duration_s >= 1.0 for result in parallel.checks)
    assert parallel.duration_s < 1.9
    serial = run_checks(
        select(sleepers, config), config, config.root / "s", jobs=1, profile=Profile.FULL, env=env
    )
    assert serial.duration_s >= 2.0


# --- invoke ci: the exit status ---------------------------------------------------------------


def lint_project(root: Path, source: str) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text(source)
    (root / "pyproject.toml").write_text('[tool.cimaturity]\nsource_paths = ["pkg"]\n')
    return root


def invoke(*argv: str) -> int:
    """Run `invoke ARGV` in-process; the exit status it would give the shell."""
    try:
        Program(namespace=ns, version="test").run(["invoke", *argv])
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_invoke_ci_exits_nonzero_when_a_gate_fails(tmp_path: Path) -> None:
    project = lint_project(tmp_path / "bad", "import os\n")  # F401
    assert invoke("ci", "--project", str(project), "--only", "lint") == 1
    run = json.loads((project / "reports" / "run.json").read_text())
    assert [(c["name"], c["status"]) for c in run["checks"]] == [("lint", "failed")]


def test_invoke_ci_exits_zero_when_every_gate_passes(tmp_path: Path) -> None:
    project = lint_project(tmp_path / "good", "VALUE = 1\n")
    reports = tmp_path / "elsewhere"
    assert invoke("ci", "--project", str(project), "--only", "lint", "--reports", str(reports)) == 0
    assert json.loads((reports / "run.json").read_text())["ok"] is True


def test_invoke_ci_unknown_check_exits_2(tmp_path: Path) -> None:
    project = lint_project(tmp_path / "p", "VALUE = 1\n")
    assert invoke("ci", "--project", str(project), "--only", "no-such-check") == 2
    assert not (project / "reports").exists()


def test_per_check_task_runs_only_that_check(tmp_path: Path) -> None:
    project = lint_project(tmp_path / "p", "import os\n")
    assert invoke("lint", "--project", str(project)) == 1
    run = json.loads((project / "reports" / "run.json").read_text())
    assert [c["name"] for c in run["checks"]] == ["lint"]


@pytest.mark.parametrize("value", ["abc", "0", "-2"])
def test_bad_jobs_value_is_one_line_error(value: str) -> None:
    with pytest.raises(Exit, match=r"^cimaturity: --jobs must be a whole number of at least 1"):
        parse_jobs(value)


def test_git_dirty_is_the_repositorys_state_not_our_output(config: ProjectConfig) -> None:
    git_repo(config.root)
    reports = config.root / "reports"
    (reports / "artifacts").mkdir(parents=True)
    (reports / "run.json").write_text("{}")
    assert git_info(config.root, tool_environment(), reports).dirty is False
    (config.root / "README").write_text("changed\n")
    assert git_info(config.root, tool_environment(), reports).dirty is True


def test_ctrl_c_stops_every_running_tool_and_its_children(config: ProjectConfig) -> None:
    """Tools run in sessions of their own, out of reach of the terminal's Ctrl-C: the runner ends them."""
    pids = config.root / "pids"
    code = (
        "import os, pathlib, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"pathlib.Path({str(pids)!r}).write_text(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    selection = select([fake("sleepy", code, timeout_s=120)], config)

    def interrupt_when_started() -> None:
        deadline = time.monotonic() + 30
        while not pids.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(os.getpid(), signal.SIGINT)  # a real signal wakes the main thread's wait

    threading.Thread(target=interrupt_when_started, daemon=True).start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        run_checks(selection, config, config.root / "reports", jobs=1, profile=Profile.FULL)
    assert time.monotonic() - started < 30
    for pid in map(int, pids.read_text().split()):
        for _ in range(50):  # reaped by its parent or by init: gone within moments
            if not _alive(pid):
                break
            time.sleep(0.1)
        assert not _alive(pid), f"process {pid} survived the interrupt"


def test_a_run_in_progress_leaves_the_previous_record_alone(config: ProjectConfig) -> None:
    """While the checks run, `reports/run.json` is still the previous run's, and the new run's
    folder has no run.json yet: nothing vouches for artifacts still being written."""
    reports = config.root / "reports"
    first = run_checks(select([fake("a")], config), config, reports, jobs=1, profile=Profile.FULL)
    seen = config.root / "seen.json"
    probe = (
        "import json, pathlib, sys\n"
        f"reports = pathlib.Path({str(reports)!r})\n"
        "pending = [p.name for p in (reports / 'runs').iterdir() if not (p / 'run.json').exists()]\n"
        "record = json.loads((reports / 'run.json').read_text())['run_id']\n"
        f"pathlib.Path({str(seen)!r}).write_text(json.dumps([record, pending]))\n"
    )
    second = run_checks(select([fake("a", probe)], config), config, reports, jobs=1, profile=Profile.FULL)
    assert second.checks[0].status is Status.PASSED, second.checks[0].reason
    assert json.loads(seen.read_text()) == [first.run_id, [second.run_id]]
    assert json.loads((reports / "run.json").read_text())["run_id"] == second.run_id != first.run_id
