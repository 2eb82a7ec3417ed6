"""formats.locust: Locust's own `--csv` files (real runs, ~2 s each), and every way they can be wrong."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import pytest

from cimaturity.checks.performance import _failures, _first_exception, judge
from cimaturity.formats.locust import (
    FailedEndpoint,
    LocustException,
    StatsRow,
    is_locust_stats,
    locust_stats_from_bytes,
    read_locust_exceptions,
    read_locust_failures,
    read_locust_stats,
)
from cimaturity.model import ArtifactError, Status
from cimaturity.report.loaders.locust import load_locust
from tests.unit.formats._support import BIN, refused, run_tool

DATA = Path(__file__).parents[1] / "report" / "data"
HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)
GOOD = "GET,/ok,10,1,5,6.0,1.0,20.0,15.0,3.0,0.0,5,6,7,8,9,12,15,18,20,20,20\n"
AGGREGATED = ",Aggregated,10,1,5,6.0,1.0,20.0,15.0,3.0,0.0,5,6,7,8,9,12,15,18,20,20,20\n"
NO_SAMPLE = ",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0," + ",".join(["N/A"] * 11) + "\n"

# Each task reports through Locust's own request event (no HTTP needed) or raises.
BUSY = """\
from locust import User, constant, task


class Fake(User):
    wait_time = constant(0.02)

    @task(6)
    def ok(self):
        self.environment.events.request.fire(
            request_type="GET", name="/ok", response_time=12.5, response_length=2, exception=None, context={}
        )

    @task(2)
    def broken(self):
        self.environment.events.request.fire(
            request_type="POST", name="/broken", response_time=3.0, response_length=0,
            exception=RuntimeError("500 Server Error"), context={},
        )

    @task(1)
    def crash(self):
        raise KeyError("boom")
"""
IDLE = """\
from locust import User, constant, task


class Idle(User):
    wait_time = constant(0.1)

    @task
    def nothing(self):
        pass
"""


def locust_run(folder: Path, locustfile: str, seconds: int) -> Path:
    """A real headless Locust run; the folder holding its `lc_*.csv` files. (A run of 1 s writes
    all-zero stats whatever it sent: Locust's own CSV writer has not caught up by then.)"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lf.py").write_text(locustfile)
    argv = [str(BIN / "locust"), "-f", "lf.py", "--headless", "-u", "2", "-r", "2", "-t", f"{seconds}s"]
    run_tool([*argv, "--csv", "lc", "--only-summary", "--host", "http://127.0.0.1:1"], folder, ok=(0, 1))
    return folder


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return locust_run(tmp_path_factory.mktemp("busy"), BUSY, 3)


def write(tmp_path: Path, text: str, name: str = "lc_stats.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# --- real output --------------------------------------------------------------------------------


def test_real_stats_rows_and_the_aggregated_totals(busy: Path) -> None:
    stats = read_locust_stats(busy / "lc_stats.csv")

    assert [row.label for row in stats.rows] == ["POST /broken", "GET /ok", "Aggregated"]
    ok, broken = stats.rows[1], stats.rows[0]
    assert ok.requests > 0 and ok.failures == 0 and ok.p95_ms == ok.p99_ms == 12  # Locust rounds
    assert broken.failures == broken.requests > 0
    total = stats.aggregated
    assert total is stats.rows[-1] and total.sampled
    assert (total.requests, total.failures) == (ok.requests + broken.requests, broken.failures)
    assert total.rps > 0


def test_real_failures_and_exceptions(busy: Path) -> None:
    (failure,) = read_locust_failures(busy / "lc_failures.csv")
    assert (failure.method, failure.name) == ("POST", "/broken")
    assert "500 Server Error" in failure.error and failure.occurrences > 0
    (exception,) = read_locust_exceptions(busy / "lc_exceptions.csv")
    assert exception.count > 0 and "boom" in exception.message
    assert _first_exception(busy / "lc_exceptions.csv") == f"{exception.count}x {exception.message}"


def test_real_stats_with_no_request_have_no_sample_never_nan(tmp_path: Path) -> None:
    folder = locust_run(tmp_path, IDLE, 1)
    stats = read_locust_stats(folder / "lc_stats.csv")

    total = stats.aggregated
    assert (total.requests, total.failures, total.rps) == (0, 0, 0.0)
    assert total.p95_ms is None and total.p99_ms is None and not total.sampled
    verdict = judge(total, [], 0, "none recorded")
    assert (verdict.status, verdict.reason) == (Status.ERROR, "the load test sent no request")
    assert "p95_ms" not in verdict.metrics  # nothing a rule could compare with a threshold
    assert read_locust_failures(folder / "lc_failures.csv") == ()
    assert _first_exception(folder / "lc_exceptions.csv") == "none recorded"


def test_the_report_frame_and_the_gate_read_the_same_row() -> None:
    path = DATA / "locust_stats.csv"
    stats = read_locust_stats(path)
    frame = load_locust(path).set_index("name")
    total = stats.aggregated
    assert frame.loc["Aggregated", "p95_ms"] == total.p95_ms == 9.0
    assert frame.loc["Aggregated", "requests"] == total.requests == 263
    assert list(frame.index) == [row.label for row in stats.rows]


def test_no_sample_is_nan_in_the_frame_and_an_error_at_the_gate(tmp_path: Path) -> None:
    """N/A with requests counted (a damaged file): None in the record, no evidence anywhere."""
    row = AGGREGATED.replace(",12,15,18,", ",N/A,15,N/A,")
    path = write(tmp_path, HEADER + row)
    total = read_locust_stats(path).aggregated
    assert total.p95_ms is None and total.p99_ms is None and total.requests == 10
    assert math.isnan(load_locust(path)["p95_ms"].iloc[0])
    verdict = judge(total, [], 0, "none recorded")
    assert verdict.status is Status.ERROR and "no p95/p99" in verdict.reason


def test_judge_passes_fails_and_errors_on_the_aggregated_row() -> None:
    fast = StatsRow("", "Aggregated", 10, 0, 5.0, 10.0, 20.0, 5.0)
    assert judge(fast, [], 0, "").status is Status.PASSED
    slow = StatsRow("", "Aggregated", 10, 0, 5.0, 500.0, 20.0, 5.0)
    assert judge(slow, [], 0, "").status is Status.FAILED
    boom = FailedEndpoint("GET", "/x", "500", 2)
    failed = judge(StatsRow("", "Aggregated", 10, 2, 5.0, 10.0, 20.0, 5.0), [boom], 1, "")
    assert failed.status is Status.FAILED and "2 of 10 requests failed" in failed.reason
    assert judge(fast, [], 1, "1x KeyError").status is Status.ERROR


def test_the_gate_sorts_failures_and_tolerates_only_a_missing_file(tmp_path: Path) -> None:
    assert _failures(tmp_path / "absent.csv") == []
    path = write(tmp_path, "Method,Name,Error,Occurrences\nGET,/a,e1,2\nGET,/b,e2,7\n", "f.csv")
    assert [f.name for f in _failures(path)] == ["/b", "/a"]
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(ArtifactError, match="is a directory"):
        _failures(tmp_path / "dir.csv")
    assert _first_exception(tmp_path / "absent.csv") == "no exceptions CSV"
    garbage = write(tmp_path, "Count,Message\n-3,x\n", "e.csv")
    assert "line 2 Count is '-3'" in _first_exception(garbage)


@pytest.mark.parametrize(
    ("header", "claims"),
    [
        (HEADER.strip().split(","), True),
        (["Timestamp", *HEADER.strip().split(",")], False),
        (["Method", "Name", "Error", "Occurrences"], False),
    ],
)
def test_is_locust_stats_claims_only_the_stats_header(header: list[str], claims: bool) -> None:
    assert is_locust_stats(header) is claims


# --- hostile input ------------------------------------------------------------------------------

COUNT = "expected a count from 0 to 9007199254740991"
MS = "expected a time in ms from 0 to 10000000000"


def cells(row: str, **changes: str) -> str:
    """`AGGREGATED` with the named columns (spaces as underscores, p95 for 95%) replaced."""
    names = HEADER.strip().split(",")
    values = row.strip().split(",")
    for key, value in changes.items():
        column = {"p95": "95%", "p99": "99%", "rps": "Requests/s"}.get(key, key.replace("_", " "))
        values[names.index(column)] = value
    return ",".join(values) + "\n"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (cells(AGGREGATED, Request_Count="nan"), f"line 2 Request Count is 'nan', {COUNT}"),
        (cells(AGGREGATED, Request_Count="10.0"), f"line 2 Request Count is '10.0', {COUNT}"),
        (cells(AGGREGATED, Request_Count="-1"), f"line 2 Request Count is '-1', {COUNT}"),
        (cells(AGGREGATED, Request_Count="9" * 30), f"line 2 Request Count is '9{{30}}', {COUNT}"),
        (cells(AGGREGATED, Request_Count="9" * 5000), r"line 2 Request Count is '9{19}… \(5002 characters\)"),
        (cells(AGGREGATED, Request_Count=str(2**53)), f"line 2 Request Count is '{2**53}', {COUNT}"),
        (cells(AGGREGATED, Failure_Count="11"), "line 2 has 11 failures of 10 requests"),
        (cells(AGGREGATED, p95="nan"), f"line 2 95% is 'nan', {MS}"),
        (cells(AGGREGATED, p95="inf"), f"line 2 95% is 'inf', {MS}"),
        (cells(AGGREGATED, p99="1e999"), f"line 2 99% is '1e999', {MS}"),
        (cells(AGGREGATED, p99="-5"), f"line 2 99% is '-5', {MS}"),
        (cells(AGGREGATED, p95=""), f"line 2 95% is '', {MS}"),
        (cells(AGGREGATED, Median_Response_Time="fast"), "line 2 Median Response Time is 'fast'"),
        (cells(AGGREGATED, rps="-0.1"), "line 2 Requests/s is '-0.1', expected a rate per second"),
        (cells(AGGREGATED, rps="1e999"), "line 2 Requests/s is '1e999'"),
    ],
)
def test_a_wrong_number_is_refused_naming_line_and_column(tmp_path: Path, row: str, message: str) -> None:
    refused(read_locust_stats, write(tmp_path, HEADER + row), message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + GOOD + AGGREGATED[:30], "line 3 has 8 fields, the header 22 \\(truncated\\?\\)"),
        (HEADER + GOOD, "Locust stats CSV file has no 'Aggregated' row \\(truncated\\?\\)"),
        (HEADER + AGGREGATED + AGGREGATED, "has 2 'Aggregated' rows, expected one"),
        (HEADER, "no 'Aggregated' row"),
        ("", "Locust stats CSV file is empty"),
        ("Method,Name,Error,Occurrences\n", "not a Locust stats CSV file \\(no 'Type'"),
        ("Timestamp,User Count,Type,Name,Requests/s\n", "not a Locust stats CSV file \\(no 'Request Count'"),
        ((DATA / "pip-audit-osv.json").read_text(), "not a Locust stats CSV file"),
    ],
    ids=["cut-row", "no-aggregated", "two-aggregated", "header-only", "empty", "failures", "history", "json"],
)
def test_a_damaged_or_foreign_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    refused(read_locust_stats, write(tmp_path, text), message)


def test_bytes_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "lc_stats.csv"
    path.write_bytes(HEADER.encode() + b"\xff\xfe" + AGGREGATED.encode())
    refused(read_locust_stats, path, "Locust stats CSV file is not UTF-8 text")


def test_stats_from_bytes_reads_what_was_already_read(tmp_path: Path) -> None:
    data = (HEADER + NO_SAMPLE).encode()
    stats = locust_stats_from_bytes(tmp_path / "x.csv", data)
    assert stats.aggregated.requests == 0 and stats.aggregated.median_ms == 0.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Method,Name,Error,Occurrences\nGET,/a,e,-1\n", f"line 2 Occurrences is '-1', {COUNT}"),
        ("Method,Name,Error,Occurrences\nGET,/a,e,many\n", "line 2 Occurrences is 'many'"),
        ("Method,Name,Error,Occurrences\nGET,/a,e\n", "line 2 has 3 fields"),
        ("Method,Name,Error\nGET,/a,e\n", "not a Locust failures CSV file \\(no 'Occurrences'"),
    ],
)
def test_a_damaged_failures_csv_is_refused(tmp_path: Path, text: str, message: str) -> None:
    refused(read_locust_failures, write(tmp_path, text, "lc_failures.csv"), message)


def test_failures_and_exceptions_in_file_order(tmp_path: Path) -> None:
    failures = write(tmp_path, "Method,Name,Error,Occurrences\nGET,/a,e1,2\nPOST,/b,e2,7\n", "f.csv")
    assert read_locust_failures(failures) == (
        FailedEndpoint("GET", "/a", "e1", 2),
        FailedEndpoint("POST", "/b", "e2", 7),
    )
    text = textwrap.dedent(
        """\
        Count,Message,Traceback,Nodes
        3,"KeyError('x')","Traceback (most recent call last):
          File ""lf.py"", line 1
        KeyError: 'x'",local
        """
    )
    exceptions = write(tmp_path, text, "e.csv")
    assert read_locust_exceptions(exceptions) == (LocustException(3, "KeyError('x')"),)
    refused(read_locust_exceptions, write(tmp_path, "Count,Message\n1e999,x\n", "e2.csv"), "line 2 Count")
