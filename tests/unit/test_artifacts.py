"""`cimaturity.artifacts`: the one reader every artifact goes through (the checks' gates and the
report's loaders alike), tried with real hostile files: a FIFO, a symlink to /dev/zero and to a
file outside the boundary, a file that reads longer than it says, entity bombs, numbers that
overflow. Every case ends in one `ArtifactError` line naming the file (and the field), never a
traceback, a hang or a 3 GB read."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from cimaturity import artifacts as a
from cimaturity.formats.junit import read_junit
from cimaturity.formats.sarif import read_sarif
from cimaturity.model import ArtifactError
from tests.support.limits import deadline

MIB = 1024 * 1024


def sarif(start_line: object) -> str:
    """A one-result ruff SARIF whose startLine is `start_line`, written as raw JSON text."""
    return (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "ruff"}}, "results": [{'
        '"ruleId": "F401", "level": "error", "message": {"text": "unused"}, "locations": [{'
        '"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": '
        f"{start_line}}}}}}}]}}]}}]}}"
    )


# --- what is opened -----------------------------------------------------------------------------


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "ruff.sarif"
    os.mkfifo(fifo)  # no writer: opening it for reading would block forever
    with deadline(), pytest.raises(ArtifactError) as caught:
        a.read_json(fifo, "SARIF")
    assert str(caught.value) == f"{fifo}: SARIF file is not a regular file (a FIFO)"


@pytest.mark.parametrize("reader", ["read_bytes", "read_json", "parse_xml", "read_csv_records"])
def test_every_reader_refuses_a_fifo(tmp_path: Path, reader: str) -> None:
    fifo = tmp_path / "artifact"
    os.mkfifo(fifo)
    calls: dict[str, Callable[[], object]] = {
        "read_bytes": lambda: a.read_bytes(fifo, "X"),
        "read_json": lambda: a.read_json(fifo, "X"),
        "parse_xml": lambda: a.parse_xml(fifo, "X"),
        "read_csv_records": lambda: a.read_csv_records(fifo, "X", ()),
    }
    with deadline(), pytest.raises(ArtifactError, match=r"X file is not a regular file \(a FIFO\)$"):
        calls[reader]()


def test_a_symlink_to_dev_zero_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "coverage.json"
    link.symlink_to("/dev/zero")
    started = time.monotonic()
    with deadline(), pytest.raises(ArtifactError) as caught:
        a.read_json(link, "coverage JSON")
    assert (
        str(caught.value) == f"{link}: coverage JSON file leads outside {tmp_path} (it resolves to /dev/zero)"
    )
    assert time.monotonic() - started < 1.0  # refused, not read up to a cap


def test_a_device_is_refused_even_inside_the_boundary(tmp_path: Path) -> None:
    with deadline(), pytest.raises(ArtifactError) as caught:
        a.read_bytes(Path("/dev/zero"), "JSON", within=Path("/dev"))
    assert str(caught.value) == "/dev/zero: JSON file is not a regular file (a character device)"


def test_a_symlink_to_a_file_outside_the_boundary_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "ruff.sarif"
    outside.parent.mkdir()
    outside.write_text(sarif(3))
    folder = tmp_path / "artifacts" / "lint"
    folder.mkdir(parents=True)
    (folder / "ruff.sarif").symlink_to(outside)
    with pytest.raises(ArtifactError) as caught:
        a.read_json(folder / "ruff.sarif", "SARIF")
    assert str(caught.value) == (
        f"{folder / 'ruff.sarif'}: SARIF file leads outside {folder} (it resolves to {outside})"
    )


def test_a_symlinked_folder_leading_outside_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "ruff.sarif").write_text(sarif(3))
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "artifacts").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(
        ArtifactError, match=r"leads outside .*reports \(it resolves to .*elsewhere/ruff\.sarif\)"
    ):
        a.read_json(reports / "artifacts" / "ruff.sarif", "SARIF", within=reports)


def test_a_symlink_inside_the_boundary_is_read(tmp_path: Path) -> None:
    (tmp_path / "runs" / "1").mkdir(parents=True)
    (tmp_path / "runs" / "1" / "ruff.sarif").write_text(sarif(3))
    (tmp_path / "latest").symlink_to(tmp_path / "runs" / "1")
    document = a.read_json(tmp_path / "latest" / "ruff.sarif", "SARIF", within=tmp_path)
    assert document["runs"][0]["tool"]["driver"]["name"] == "ruff"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "{p}: JSON file missing"),
        (lambda p: p.mkdir(), "{p}: JSON path is a directory, not a file"),
        (lambda p: p.write_text(" \n"), "{p}: JSON file is empty"),
        (lambda p: p.symlink_to(p.with_name("nowhere")), "{p}: JSON file missing"),
        (lambda p: p.symlink_to(p), "{p}: JSON file unreadable (Symlink loop from '{p}')"),
    ],
    ids=["missing", "directory", "blank", "dangling-link", "link-loop"],
)
def test_unusable_paths_are_one_line(tmp_path: Path, make: object, message: str) -> None:
    path = tmp_path / "a.json"
    make(path)  # type: ignore[operator]
    with pytest.raises(ArtifactError) as caught:
        a.read_json(path, "JSON")
    assert str(caught.value) == message.format(p=path)


# --- how much is read ---------------------------------------------------------------------------


def test_a_file_over_the_cap_is_refused_by_its_size_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as file:
        file.truncate(a.JSON_MAX_BYTES + 1)  # sparse: 256 MiB + 1 on paper, nothing on disk
    started = time.monotonic()
    with pytest.raises(ArtifactError) as caught:
        a.read_json(path, "SARIF")
    assert str(caught.value) == f"{path}: SARIF file is larger than the 256 MiB cap"
    assert time.monotonic() - started < 1.0


def test_the_cap_is_enforced_while_reading_a_file_that_says_it_is_empty() -> None:
    """/proc files are regular files whose size says 0 bytes: only the reading loop can stop them."""
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0 and len(status.read_bytes()) > 64
    with pytest.raises(ArtifactError) as caught:
        a.read_bytes(status, "status", within=Path("/proc"), max_bytes=64)
    assert str(caught.value) == "/proc/self/status: status file is larger than the 64 bytes cap"


def test_a_file_exactly_at_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_bytes(b"[" + b"1," * 49 + b"1]")  # 101 bytes
    assert len(a.read_json(path, "JSON", max_bytes=101)) == 50
    with pytest.raises(ArtifactError, match=r"larger than the 100 bytes cap$"):
        a.read_json(path, "JSON", max_bytes=100)


def test_the_default_caps_per_format() -> None:
    assert (a.JSON_MAX_BYTES, a.XML_MAX_BYTES, a.CSV_MAX_BYTES) == (256 * MIB, 256 * MIB, 64 * MIB)


# --- what is parsed -----------------------------------------------------------------------------


def billion_laughs(where: str) -> str:
    """Ten levels of ten: 3 * 10^9 bytes once expanded, `&l9;` placed `where` the template says."""
    levels = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?><!DOCTYPE t [{"".join(levels)}]>' + where.replace("BOMB", "&l9;")


def test_xml_entities_in_text_are_never_expanded(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "EXPANDED">]>'
        '<testsuite name="s"><testcase name="t"><failure>&e;</failure></testcase></testsuite>'
    )
    report = read_junit(path)  # the gate's reader, through a.parse_xml
    assert report.failures == 1
    assert "EXPANDED" not in report.broken[0].text


@pytest.mark.parametrize(
    "body",
    ['<testsuite name="s"><testcase name="t"><failure>BOMB</failure></testcase></testsuite>',
     '<testsuite name="BOMB"/>'],
    ids=["in-text", "in-attribute"],
)  # fmt: skip
def test_an_entity_bomb_is_refused_quickly_in_one_line(tmp_path: Path, body: str) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(billion_laughs(body))
    started = time.monotonic()
    with pytest.raises(
        ArtifactError, match=r"junit\.xml: not well-formed XML \(Maximum entity amplification"
    ):
        read_junit(path)
    assert time.monotonic() - started < 1.0


def test_xml_external_entities_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    path = tmp_path / "junit.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<testsuite name="s"><testcase classname="c" name="t"><failure message="m">&x;</failure>'
        "</testcase></testsuite>"
    )
    report = read_junit(path)  # the gate's reader
    assert report.failures == 1
    assert "TOP-SECRET-VALUE" not in report.broken[0].text


def test_an_xml_file_cut_off_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text('<?xml version="1.0"?><testsuite name="s"><testcase')
    with pytest.raises(ArtifactError) as caught:
        a.parse_xml(path, "JUnit XML")
    message = str(caught.value)
    assert message.startswith(f"{path}: not well-formed XML (") and "\n" not in message


def test_a_json_integer_too_long_to_convert_is_an_artifact_error(tmp_path: Path) -> None:
    """json.loads raises a bare ValueError (not JSONDecodeError) past 4,300 digits."""
    path = tmp_path / "coverage.json"
    path.write_text('{"totals": {"percent_covered": ' + "9" * 5000 + "}}")
    with pytest.raises(ArtifactError) as caught:
        a.read_json(path, "coverage JSON")
    assert str(caught.value).startswith(f"{path}: coverage JSON file is not valid JSON (Exceeds the limit")


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (10**30, "1000000000000000000000000000000"),
        (10**400, "10000000000000000000… (401 digits)"),
        (0, "0"),
        (-1, "-1"),
        (2.0, "2.0"),
        (float("nan"), "nan"),
        (True, "a boolean"),
        ("3", "'3'"),
        (None, "null"),
        ([], "a list"),
    ],
)
def test_a_line_number_out_of_range_names_the_field(value: object, shown: str) -> None:
    with pytest.raises(ArtifactError) as caught:
        a.json_int(value, Path("x.sarif"), "results[0].startLine", a.LINE)
    assert str(caught.value) == (
        f"x.sarif: results[0].startLine is {shown}, expected a line number from 1 to 2147483647"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [(10**30, "1000000000000000000000000000000"), (10**400, "10000000000000000000… (401 digits)"),
     (float("inf"), "inf"), (float("nan"), "nan"), (-0.5, "-0.5"), (1e7 + 1, "10000001.0")],
)  # fmt: skip
def test_a_duration_out_of_range_or_not_finite_is_refused(value: object, shown: str) -> None:
    with pytest.raises(ArtifactError) as caught:
        a.json_float(value, Path("run.json"), "duration_s", a.SECONDS)
    assert (
        str(caught.value)
        == f"run.json: duration_s is {shown}, expected a duration in seconds from 0 to 10000000"
    )


@pytest.mark.parametrize("cell", ["1e999", "inf", "nan", "-1", "", "soon", "1" * 5000])
def test_a_latency_cell_that_is_no_finite_number_is_refused(cell: str) -> None:
    with pytest.raises(
        ArtifactError, match=r"^s\.csv: line 2 95% is .*, expected a time in ms from 0 to 10000000000$"
    ):
        a.text_float(cell, Path("s.csv"), "line 2 95%", a.MILLISECONDS)


@pytest.mark.parametrize("cell", ["1e3", "1.0", "1" * 30, "-1", "+", "", "٣"])
def test_a_count_cell_must_be_a_plain_decimal_in_range(cell: str) -> None:
    with pytest.raises(
        ArtifactError, match=r"^s\.csv: line 2 Request Count is .*, expected a count from 0 to"
    ):
        a.text_int(cell, Path("s.csv"), "line 2 Request Count", a.COUNT)


def test_numbers_in_range_pass_through() -> None:
    where = Path("a")
    assert a.json_int(42, where, "f", a.LINE) == 42
    assert a.json_float(100, where, "f", a.PERCENT) == 100.0
    assert a.text_int(" 7 ", where, "f", a.COUNT) == 7
    assert a.text_float("12.5", where, "f", a.MILLISECONDS) == 12.5
    assert a.json_int(-9, where, "f", a.EXIT_CODE) == -9  # killed by SIGKILL


# --- the gates read through the same rules ------------------------------------------------------


def test_the_sarif_gate_refuses_a_line_number_of_ten_to_the_thirty(tmp_path: Path) -> None:
    path = tmp_path / "ruff.sarif"
    path.write_text(sarif(10**30))
    with pytest.raises(ArtifactError) as caught:
        read_sarif(path, expected_tool="ruff")
    assert str(caught.value) == (
        f"{path}: runs[0].results[0].locations[0].physicalLocation.region.startLine is "
        "1000000000000000000000000000000, expected a line number from 1 to 2147483647"
    )


def test_the_sarif_gate_refuses_an_infinite_line_number(tmp_path: Path) -> None:
    """`1e999` parses as float('inf'); int() of it was an OverflowError traceback."""
    path = tmp_path / "ruff.sarif"
    path.write_text(sarif("1e999"))
    with pytest.raises(
        ArtifactError, match=r"startLine is inf, expected a line number from 1 to 2147483647$"
    ):
        read_sarif(path, expected_tool="ruff")


def test_the_sarif_gate_refuses_a_fifo_and_a_link_out_of_its_artifact_folder(tmp_path: Path) -> None:
    folder = tmp_path / "artifacts" / "lint"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "ruff.sarif")
    with (
        deadline(),
        pytest.raises(ArtifactError, match=r"ruff\.sarif: SARIF file is not a regular file \(a FIFO\)$"),
    ):
        read_sarif(folder / "ruff.sarif", expected_tool="ruff")
    (tmp_path / "other.sarif").write_text(sarif(1))
    (folder / "linked.sarif").symlink_to(tmp_path / "other.sarif")
    with pytest.raises(ArtifactError, match=rf"linked\.sarif: SARIF file leads outside {folder} "):
        read_sarif(folder / "linked.sarif", expected_tool="ruff")
    assert read_sarif(folder / "linked.sarif", expected_tool="ruff", within=tmp_path).results[0].line == 1


def test_the_junit_gate_refuses_a_fifo_and_dev_zero(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "junit.xml")
    (tmp_path / "zero.xml").symlink_to("/dev/zero")
    with deadline():
        with pytest.raises(
            ArtifactError, match=r"junit\.xml: JUnit XML file is not a regular file \(a FIFO\)$"
        ):
            read_junit(tmp_path / "junit.xml")
        with pytest.raises(ArtifactError, match=r"zero\.xml: JUnit XML file leads outside .* /dev/zero\)$"):
            read_junit(tmp_path / "zero.xml")


def test_the_csv_reader_refuses_a_growing_or_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "locust_stats.csv"
    path.write_text("Type,Name\n" + ",x\n" * 100)
    with pytest.raises(
        ArtifactError, match=r"locust_stats\.csv: Locust stats CSV file is larger than the 64 bytes cap$"
    ):
        a.read_csv_records(path, "Locust stats CSV", ("Type", "Name"), max_bytes=64)
    assert len(a.read_csv_records(path, "Locust stats CSV", ("Type", "Name"))) == 100


def test_a_json_artifact_with_nan_literals_still_parses_but_never_passes_a_range(tmp_path: Path) -> None:
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps({"totals": {"percent_covered": float("nan")}}))
    document = a.read_json(path, "coverage JSON")
    with pytest.raises(
        ArtifactError, match=r"totals\.percent_covered is nan, expected a percentage from 0 to 100$"
    ):
        a.json_float(document["totals"]["percent_covered"], path, "totals.percent_covered", a.PERCENT)
