"""The `test` check on tiny throwaway projects (never on this repository's own suite).

Each real run starts a pytest with plugin autoload off (see `quiet_env`), so it costs ~2 s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from pathlib import Path

import pytest

from cimaturity.checks.unit_tests import COVERAGE_JSON, JUNIT, TEST
from cimaturity.config import ConfigError, CoveragePolicy, RatchetStep, load_config
from cimaturity.coverage_policy import format_percent, threshold_in_force
from cimaturity.model import CheckContext, Command, Status
from cimaturity.runner import execute
from cimaturity.targetenv import TargetEnvError
from tests.unit.checks._fast_fixtures import fake_tool, make_context, own_environment

# Steps in the past, so the threshold in force does not depend on the day the suite runs.
RATCHET = """\
    [tool.cimaturity]
    source_paths = ["pkg"]
    [tool.cimaturity.coverage]
    ratchet = [{{ from = 2020-01-01, fail_under = 20 }}, {{ from = 2020-06-01, fail_under = {required} }}]
    [tool.coverage.run]
    branch = true
    """
PKG = """\
    def add(a: int, b: int) -> int:
        return a + b


    def sign(x: int) -> int:
        if x < 0:
            return -1
        return 1
    """
FULL_TESTS = """\
    import pytest

    from pkg import add, sign


    def test_add() -> None:
        assert add(2, 3) == 5


    def test_sign() -> None:
        assert sign(-4) == -1
        assert sign(4) == 1


    @pytest.mark.skip(reason="not today")
    def test_later() -> None:
        raise AssertionError
    """


def project(tmp_path: Path, tests: str = FULL_TESTS, required: int = 70, extra: str = "") -> CheckContext:
    return make_context(
        tmp_path,
        TEST,
        {
            "pyproject.toml": RATCHET.format(required=required) + extra,
            "pkg/__init__.py": PKG,
            "tests/__init__.py": "",
            "tests/test_pkg.py": tests,
        },
    )


def test_passing_suite_with_enough_coverage_passes(tmp_path: Path) -> None:
    result = execute(TEST, project(tmp_path))
    assert result.status is Status.PASSED, result.reason
    assert result.reason == "2 tests passed (1 skipped); coverage 100% >= 70% (ratchet step 2020-06-01)"
    assert result.metrics["tests"] == 3
    assert result.metrics["skipped"] == 1
    assert result.metrics["suppressions"] == 1
    assert result.metrics["coverage_percent"] == 100.0
    assert result.metrics["coverage_threshold"] == 70.0
    assert {Path(p).name for p in result.artifacts} == {"junit.xml", "coverage.json", "coverage.xml"}
    assert not (tmp_path / ".coverage").exists()  # the data file stays with the artifacts


def test_failing_test_fails_and_names_it(tmp_path: Path) -> None:
    broken = FULL_TESTS.replace("add(2, 3) == 5", "add(2, 3) == 6")
    result = execute(TEST, project(tmp_path, broken))
    assert result.status is Status.FAILED
    assert result.reason.startswith("1 of 2 test(s) failed, first: tests.test_pkg::test_add")
    assert result.metrics["failures"] == 1


def test_coverage_below_the_ratchet_fails(tmp_path: Path) -> None:
    """Only `add` runs: 3 of 6 statements and 0 of 2 branches, (3 + 0) / (6 + 2) = 37.5%."""
    partial = "from pkg import add\n\n\ndef test_add() -> None:\n    assert add(1, 1) == 2\n"
    result = execute(TEST, project(tmp_path, partial))
    assert result.status is Status.FAILED
    percent = result.metrics["coverage_percent"]
    assert percent == 37.5
    assert result.reason == "coverage 37.5% < 70% (ratchet step 2020-06-01)"


def test_no_tests_collected_is_error(tmp_path: Path) -> None:
    result = execute(TEST, project(tmp_path, "# no tests here\n"))
    assert result.status is Status.ERROR
    assert result.reason.startswith("no tests ran")


def test_missing_unit_test_folder_is_error_not_skip(tmp_path: Path) -> None:
    ctx = make_context(
        tmp_path, TEST, {"pyproject.toml": RATCHET.format(required=70), "pkg/__init__.py": PKG}
    )
    result = execute(TEST, ctx)
    assert result.status is Status.ERROR
    assert "no unit test path exists" in result.reason


def test_timeout_is_error(tmp_path: Path) -> None:
    sleeping = "import time\n\n\ndef test_sleeps() -> None:\n    time.sleep(60)\n"
    ctx = project(tmp_path, sleeping, extra="[tool.cimaturity.timeouts]\ntest = 2\n")
    result = execute(TEST, ctx)
    assert result.status is Status.ERROR
    assert result.reason == "pytest timed out after 2s"
    assert result.duration_s < 30


def test_no_project_environment_is_error(tmp_path: Path) -> None:
    needed = TargetEnvError("the project needs requires-python >=3.99; installed here: 3.10, 3.11")
    result = execute(TEST, project(tmp_path), needed)
    assert result.status is Status.ERROR
    assert result.reason == f"no project environment: {needed}"


def test_tests_run_with_the_projects_interpreter_not_ours(tmp_path: Path) -> None:
    """A fake project interpreter records how it was called: the check must use it."""
    ctx = project(tmp_path)
    calls = tmp_path / "calls.txt"
    fake = fake_tool(
        tmp_path / "venv" / "bin",
        "python",
        f"""
        import pathlib, subprocess
        with pathlib.Path({str(calls)!r}).open("a") as out:
            out.write(" ".join(sys.argv[1:4]) + "\\n")
        sys.exit(subprocess.run([{sys.executable!r}, *sys.argv[1:]]).returncode)
        """,
    )
    theirs = dataclasses.replace(own_environment(), python=fake, origin="the project's .venv")
    result = execute(TEST, dataclasses.replace(ctx, target=theirs))
    assert result.status is Status.PASSED, result.reason
    assert "-m pytest tests" in calls.read_text().splitlines()
    assert "project environment: Python" in (ctx.artifact_dir / "log.txt").read_text()


def test_a_pytest_cov_without_json_reports_is_measured_all_the_same(tmp_path: Path) -> None:
    """pytest-cov before 4 has no `--cov-report=json` (pytest exits 4, before any test, on
    Textualize/rich's 3.0 pin): the JSON comes from coverage itself, from the data file."""
    ctx = project(tmp_path)
    old_pytest_cov = fake_tool(
        tmp_path / "venv" / "bin",
        "python",
        f"""
        import subprocess
        if any(arg.startswith("--cov-report=json") for arg in sys.argv):
            print("error: argument --cov-report: invalid choice: 'json' (choose from 'term', 'xml')")
            sys.exit(4)
        sys.exit(subprocess.run([{sys.executable!r}, *sys.argv[1:]]).returncode)
        """,
    )
    theirs = dataclasses.replace(own_environment(), python=old_pytest_cov, origin="the project's .venv")
    result = execute(TEST, dataclasses.replace(ctx, target=theirs))
    assert result.status is Status.PASSED, result.reason
    assert result.metrics["tests"] == 3 and result.metrics["coverage_percent"] > 70


def test_without_any_threshold_the_reason_says_so_not_zero_percent(tmp_path: Path) -> None:
    """No ratchet, no fail_under (ours or the project's): the reason gives the coverage measured
    and says no threshold is set in the settings (a CI command line may hold one), not ">= 0%"."""
    ctx = make_context(
        tmp_path,
        TEST,
        {
            "pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n',
            "pkg/__init__.py": PKG,
            "tests/__init__.py": "",
            "tests/test_pkg.py": FULL_TESTS,
        },
    )
    result = execute(TEST, ctx)
    assert result.status is Status.PASSED, result.reason
    assert result.reason.endswith("% (no threshold in the coverage settings, ours or its)"), result.reason
    assert ">= 0%" not in result.reason and result.metrics["coverage_threshold"] == 0


def test_tox_setenv_reaches_the_tests(tmp_path: Path) -> None:
    """tox.ini's [testenv] setenv is how the project's tests run (django-oauth-toolkit's
    DJANGO_SETTINGS_MODULE); a line for some envs only, or PYTHONPATH, is not taken."""
    tests = """\
        import os


        def test_env() -> None:
            assert os.environ["APP_SETTINGS"] == "tests.settings"
            assert "ONLY_PY38" not in os.environ
            assert os.environ.get("PYTHONPATH", "") != "/nowhere"
        """
    ctx = make_context(
        tmp_path,
        TEST,
        {
            "pyproject.toml": '[tool.cimaturity]\nsource_paths = ["pkg"]\n',
            "tox.ini": (
                "[testenv]\nsetenv =\n    APP_SETTINGS = tests.settings\n    py38: ONLY_PY38 = 1\n"
                "    PYTHONPATH = /nowhere\n"
            ),
            "pkg/__init__.py": PKG,
            "tests/__init__.py": "",
            "tests/test_env.py": tests,
        },
    )
    result = execute(TEST, ctx)
    assert result.status is Status.PASSED, result.reason


# Evidence the real pytest would not write: a command that writes the artifacts itself.
GOOD_COVERAGE = '{"totals": {"percent_covered": 90.0}, "files": {}}'
GOOD_JUNIT = (
    '<testsuites><testsuite name="pytest" tests="1">'
    '<testcase classname="t" name="ok"/></testsuite></testsuites>'
)
FAILED_JUNIT = (
    '<testsuites><testsuite name="pytest" tests="1"><testcase classname="t" name="bad">'
    '<failure message="boom"/></testcase></testsuite></testsuites>'
)


def fake_run(
    tmp_path: Path, junit: str, coverage: str, exit_code: int = 0, required: int = 70
) -> tuple[Status, str]:
    ctx = project(tmp_path, required=required)

    def commands(c: CheckContext) -> list[Command]:
        script = (
            "import pathlib, sys\n"
            f"d = pathlib.Path({str(c.artifact_dir)!r})\n"
            f"(d / {JUNIT!r}).write_text({junit!r})\n"
            f"(d / {COVERAGE_JSON!r}).write_text({coverage!r})\n"
            "(d / 'coverage.xml').write_text('<coverage/>')\n"
            f"sys.exit({exit_code})\n"
        )
        return [Command((sys.executable, "-c", script), ok_exit_codes=frozenset({0, 1, 5}))]

    result = execute(dataclasses.replace(TEST, commands=commands), ctx)
    return result.status, result.reason


def test_fake_evidence_sanity_passes(tmp_path: Path) -> None:
    status, reason = fake_run(tmp_path, GOOD_JUNIT, GOOD_COVERAGE)
    assert status is Status.PASSED, reason


def test_every_test_skipped_is_an_error_not_a_pass(tmp_path: Path) -> None:
    """41 skipped, none run: the coverage of the imports alone must not read as a passing suite."""
    skipped = "".join(
        f'<testcase classname="t" name="s{i}"><skipped message="later"/></testcase>' for i in range(41)
    )
    junit = f'<testsuites><testsuite name="pytest" tests="41" skipped="41">{skipped}</testsuite></testsuites>'
    status, reason = fake_run(tmp_path, junit, GOOD_COVERAGE)
    assert (status, reason) == (Status.ERROR, "every one of 41 test(s) was skipped: nothing was checked")


@pytest.mark.parametrize(
    ("junit", "coverage", "expected"),
    [
        (GOOD_JUNIT[:60], GOOD_COVERAGE, "junit.xml: not well-formed XML"),
        ('<coverage version="7"/>', GOOD_COVERAGE, "junit.xml: not a JUnit XML file"),
        (GOOD_JUNIT, GOOD_COVERAGE[:20], "coverage.json: coverage JSON file is not valid JSON"),
        (GOOD_JUNIT, '{"runs": []}', "coverage.json: not a coverage JSON report"),
        (GOOD_JUNIT, '{"totals": {"percent_covered": 140}, "files": {}}', "percent_covered is 140"),
        ('<testsuites><testsuite name="pytest" tests="0"/></testsuites>', GOOD_COVERAGE, "no tests ran"),
    ],
    ids=[
        "truncated-junit",
        "foreign-junit",
        "truncated-coverage",
        "foreign-coverage",
        "bad-percent",
        "zero-tests",
    ],
)
def test_untrustworthy_evidence_is_error(tmp_path: Path, junit: str, coverage: str, expected: str) -> None:
    status, reason = fake_run(tmp_path, junit, coverage)
    assert status is Status.ERROR
    assert expected in reason


@pytest.mark.parametrize(
    ("required", "expected"),
    [(60, Status.PASSED), (65, Status.PASSED), (70, Status.FAILED)],
)
def test_the_configured_step_decides(tmp_path: Path, required: int, expected: Status) -> None:
    """The same 65% passes under a 60% or 65% step (at the threshold is enough) and fails under 70%."""
    coverage = '{"totals": {"percent_covered": 65.0}, "files": {}}'
    status, reason = fake_run(tmp_path, GOOD_JUNIT, coverage, required=required)
    assert status is expected, reason
    assert f"{required}% (ratchet step 2020-06-01)" in reason


def test_exit_code_disagreeing_with_junit_is_error(tmp_path: Path) -> None:
    status, reason = fake_run(tmp_path, FAILED_JUNIT, GOOD_COVERAGE, exit_code=0)
    assert status is Status.ERROR
    assert "pytest exited 0" in reason
    status, reason = fake_run(tmp_path, GOOD_JUNIT, GOOD_COVERAGE, exit_code=1)
    assert status is Status.ERROR
    assert "pytest exited 1" in reason


# The ratchet: which threshold is in force, and that it never goes down.
POLICY = CoveragePolicy(
    fail_under=0.0,
    ratchet=(
        RatchetStep(dt.date(2026, 2, 7), 40.0),
        RatchetStep(dt.date(2026, 2, 14), 50.0),
        RatchetStep(dt.date(2026, 2, 21), 60.0),
        RatchetStep(dt.date(2026, 2, 28), 70.0),
    ),
)


@pytest.mark.parametrize(
    ("day", "percent", "source"),
    [
        (dt.date(2026, 2, 6), 0.0, "fail_under"),
        (dt.date(2026, 2, 7), 40.0, "ratchet step 2026-02-07"),
        (dt.date(2026, 2, 20), 50.0, "ratchet step 2026-02-14"),
        (dt.date(2026, 2, 21), 60.0, "ratchet step 2026-02-21"),
        (dt.date(2026, 11, 26), 70.0, "ratchet step 2026-02-28"),
    ],
)
def test_threshold_by_date(day: dt.date, percent: float, source: str) -> None:
    found = threshold_in_force(POLICY, day)
    assert (found.percent, found.source) == (percent, source)


def test_threshold_never_goes_down_over_time() -> None:
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(120)]
    thresholds = [threshold_in_force(POLICY, day).percent for day in days]
    assert thresholds == sorted(thresholds)
    assert thresholds[0] == 0.0 and thresholds[-1] == 70.0


def test_fail_under_above_the_steps_wins() -> None:
    policy = dataclasses.replace(POLICY, fail_under=65.0)
    assert threshold_in_force(policy, dt.date(2026, 2, 22)).percent == 65.0
    assert threshold_in_force(policy, dt.date(2026, 2, 22)).source == "fail_under"
    assert threshold_in_force(policy, dt.date(2026, 3, 1)).source == "ratchet step 2026-02-28"


def test_config_with_a_decreasing_step_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.cimaturity.coverage]\n"
        "ratchet = [{ from = 2026-02-07, fail_under = 60 }, { from = 2026-02-14, fail_under = 50 }]\n"
    )
    with pytest.raises(
        ConfigError, match=r"pyproject\.toml: .*threshold goes down on 2026-02-14 \(60.0 -> 50.0\)"
    ):
        load_config(tmp_path, environ={})


def test_config_ratchet_is_read_in_date_order(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.cimaturity.coverage]\n"
        "ratchet = [{ from = 2026-02-14, fail_under = 50 }, { from = 2026-02-07, fail_under = 40 }]\n"
    )
    policy = load_config(tmp_path, environ={}).coverage
    assert [step.fail_under for step in policy.ratchet] == [40.0, 50.0]
    assert policy.threshold(dt.date(2026, 2, 10)) == 40.0


@pytest.mark.parametrize(("value", "text"), [(70.0, "70"), (81.29, "81.2"), (69.96, "69.9"), (81.3, "81.3")])
def test_percent_is_rounded_down_never_up(value: float, text: str) -> None:
    assert format_percent(value) == text


NETWORK_TESTS = (
    FULL_TESTS
    + """

    @pytest.mark.network
    def test_fetches_from_the_internet() -> None:
        import socket

        socket.create_connection(("example.invalid", 80), timeout=1)  # never resolves
    """
)
NETWORK_MARKER = '[tool.pytest.ini_options]\nmarkers = ["network: needs a connection (deselect offline)"]\n'


def _networked(tmp_path: Path, online: str) -> CheckContext:
    ctx = project(tmp_path, NETWORK_TESTS, extra=NETWORK_MARKER)
    return dataclasses.replace(ctx, env={**ctx.env, "CIMATURITY_NETWORK": online})


def test_offline_the_tests_the_project_marks_network_are_left_out_and_counted(tmp_path: Path) -> None:
    """httpx marks 4 tests `network` "for environments that have network disabled"."""
    result = execute(TEST, _networked(tmp_path, "0"))
    assert result.status is Status.PASSED, result.reason
    assert result.reason == (
        "2 tests passed (1 skipped); coverage 100% >= 70% (ratchet step 2020-06-01); "
        "1 test(s) marked network not run: no internet here (the project's marker for such machines)"
    )
    assert result.metrics["deselected"] == 1.0


def test_online_every_test_runs_the_network_one_included(tmp_path: Path) -> None:
    result = execute(TEST, _networked(tmp_path, "1"))
    assert result.status is Status.FAILED
    assert result.reason.startswith(
        "1 of 3 test(s) failed, first: tests.test_pkg::test_fetches_from_the_internet"
    )
    assert result.metrics["deselected"] == 0.0


def test_a_project_selecting_its_own_markers_keeps_its_selection_offline(tmp_path: Path) -> None:
    """A second `-m` would replace the project's own: its addopts stay as they are."""
    marker = NETWORK_MARKER + "addopts = '-m \"not slow\"'\n"
    ctx = project(tmp_path, NETWORK_TESTS, extra=marker)
    result = execute(TEST, dataclasses.replace(ctx, env={**ctx.env, "CIMATURITY_NETWORK": "0"}))
    assert result.status is Status.FAILED, result.reason
    assert "not run: no internet" not in result.reason
