"""formats.junit: real pytest and mypy output, streamed, and every way a file can be unusable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cimaturity.formats.junit import MAX_TEXT, Outcome, read_junit, root_tag
from tests.support.loading import load_junit, load_junit_reference
from tests.unit.formats._support import refused, run_tool

SUITE = """
import pytest

def test_ok():
    assert 1

def test_fails():
    assert 1 == 2, "one is not two"

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")

def test_errors(broken):
    pass
"""


@pytest.fixture(scope="module")
def pytest_junit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("suite")
    (folder / "test_sample.py").write_text(SUITE)
    run_tool(["pytest", "-p", "no:cacheprovider", "--junit-xml", "junit.xml", "-q"], folder, ok=(1,))
    return folder / "junit.xml"


def test_real_pytest_output_is_counted_from_the_cases(pytest_junit: Path) -> None:
    report = read_junit(pytest_junit)
    assert (report.tests, report.passed, report.failures, report.errors, report.skipped) == (4, 1, 1, 1, 1)
    broken = {case.name: case for case in report.broken}
    assert set(broken) == {"test_fails", "test_errors"}
    assert broken["test_fails"].outcome is Outcome.FAILED
    assert "one is not two" in broken["test_fails"].text
    assert "fixture broke" in broken["test_errors"].text
    assert broken["test_fails"].label == "test_sample::test_fails"


def test_the_streamed_frame_matches_junitparser_on_real_output(pytest_junit: Path) -> None:
    pd.testing.assert_frame_equal(
        load_junit(pytest_junit, "test"), load_junit_reference(pytest_junit, "test")
    )


def test_stale_suite_attributes_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        '<testsuite name="s" tests="99" failures="0"><testcase name="a"><failure/></testcase></testsuite>'
    )
    report = read_junit(path)
    assert (report.tests, report.failures) == (1, 1)


def test_nested_and_several_suites_keep_their_names(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        "<testsuites>"
        '<testsuite name="one"><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite>'
        '<testsuite name="two"><testcase classname="m.C" name="c"/></testsuite>'
        "</testsuites>"
    )
    report = read_junit(path)
    assert report.columns.suite == ["one", "one", "two"]
    assert report.columns.case == ["a", "b", "m.C::c"]
    assert report.columns.status == ["passed", "skipped", "passed"]


def test_the_root_is_read_from_the_first_bytes_only(tmp_path: Path) -> None:
    """A dispatch peek must not walk (or choke on) the rest of a large file."""
    path = tmp_path / "big.xml"
    path.write_text(
        '<?xml version="1.0"?><!-- made by x --><coverage version="7">' + "<x/>" * 5000 + "<broken"
    )
    assert root_tag(path) == "coverage"
    refused(
        read_junit,
        path,
        r"not a JUnit XML file \(root element is not <testsuites> or <testsuite>, but <coverage>\)",
    )


def test_a_broken_case_keeps_a_bounded_text(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    body = "x" * (MAX_TEXT * 2)
    path.write_text(
        f'<testsuite name="s"><testcase name="a"><error message="m">{body}</error></testcase></testsuite>'
    )
    (case,) = read_junit(path).broken
    assert len(case.text) == MAX_TEXT and case.outcome is Outcome.ERROR


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"JUnit XML file is empty$"),
        ("  \n ", r"JUnit XML file is empty$"),
        ('<testsuite name="s"><testcase name="a">', r"not well-formed XML"),
        ("<html><body/></html>", r"not a JUnit XML file .* but <html>"),
        ('<testsuite name="s"><testcase name="a" time="soon"/></testsuite>', r"testcase 'a' time is 'soon'"),
        ('<testsuite name="s"><testcase name="a" time="nan"/></testsuite>', r"testcase 'a' time is 'nan'"),
        (
            '<testsuite name="s"><testcase name="a" time="1e999"/></testsuite>',
            r"testcase 'a' time is '1e999'",
        ),
        ('<testsuite name="s"><testcase name="a" time="-1"/></testsuite>', r"testcase 'a' time is '-1'"),
    ],
    ids=["empty", "blank", "truncated", "foreign", "time-word", "time-nan", "time-inf", "time-negative"],
)
def test_unusable_files_are_one_line_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(content)
    refused(read_junit, path, message)


def test_entities_are_never_expanded_in_text_and_amplification_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e "EXPANDED">]>'
        '<testsuite name="s"><testcase name="t"><failure>&e;</failure></testcase></testsuite>'
    )
    (case,) = read_junit(path).broken
    assert "EXPANDED" not in case.text
    # libxml2 expands an attribute's internal entities, but refuses a "billion laughs" there
    entities = '<!ENTITY a0 "xxxxxxxxxx">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE t [{entities}]>'
        '<testsuite name="s"><testcase name="t"><failure message="&a9;"/></testcase></testsuite>'
    )
    refused(read_junit, path, r"not well-formed XML \(Maximum entity amplification factor exceeded")


def test_a_link_leading_outside_the_boundary_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.xml"
    outside.write_text('<testsuite name="s"><testcase name="a"/></testsuite>')
    inside = tmp_path / "run"
    inside.mkdir()
    (inside / "junit.xml").symlink_to(outside)
    refused(lambda p: read_junit(p, within=inside), inside / "junit.xml", r"leads outside")
