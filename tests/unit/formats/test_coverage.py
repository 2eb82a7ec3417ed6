"""formats.coverage: coverage.py's own JSON, and every way a coverage JSON can be wrong."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cimaturity.formats.coverage import (
    CoverageReport,
    FileCoverage,
    coverage_from_document,
    is_coverage_json,
    read_coverage,
)
from cimaturity.model import ArtifactError
from cimaturity.report.loaders.coverage import coverage_from_document as frame_from_document
from tests.unit.formats._support import refused, run_tool

DATA = Path(__file__).parents[1] / "report" / "data"


def document(**overrides: Any) -> dict[str, Any]:
    summary = {"num_statements": 4, "missing_lines": 1, "percent_covered": 75.0}
    base: dict[str, Any] = {
        "meta": {"format": 3, "version": "7.17.4"},
        "files": {"pkg/a.py": {"summary": summary}},
        "totals": {"percent_covered": 75.0, "num_statements": 4},
    }
    return {**base, **overrides}


def write(tmp_path: Path, value: object, name: str = "coverage.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def test_real_coverage_json_is_read_with_its_numbers(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text("def half(x):\n    if x > 0:\n        return x / 2\n    return 0\n")
    (tmp_path / "main.py").write_text("import calc\ncalc.half(2)\n")
    run_tool([sys.executable, "-m", "coverage", "run", "main.py"], tmp_path)
    run_tool([sys.executable, "-m", "coverage", "json", "-o", "coverage.json"], tmp_path)
    raw = json.loads((tmp_path / "coverage.json").read_text())

    report = read_coverage(tmp_path / "coverage.json")

    assert report.format == raw["meta"]["format"] == 3
    assert report.percent == raw["totals"]["percent_covered"]
    by_file = {f.file: f for f in report.files}
    assert by_file["calc.py"] == FileCoverage("calc.py", 4, 1, 75.0)  # `return 0` never ran
    assert set(by_file) == set(raw["files"])


def test_gate_and_report_read_the_same_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, document())
    report = read_coverage(path)
    data = frame_from_document(path, json.loads(path.read_text()))
    assert report == CoverageReport(75.0, (FileCoverage("pkg/a.py", 4, 1, 75.0),), 3)
    assert data.percent == report.percent
    row = {"file": "pkg/a.py", "statements": 4, "missed": 1, "percent": 75.0}
    assert data.files.to_dict("records") == [row]


def test_a_report_without_meta_is_format_one_and_read_the_same(tmp_path: Path) -> None:
    raw = document()
    del raw["meta"]
    assert read_coverage(write(tmp_path, raw)).format is None


def test_no_file_measured_is_an_empty_tuple_not_an_error(tmp_path: Path) -> None:
    report = read_coverage(write(tmp_path, document(files={}, totals={"percent_covered": 100.0})))
    assert report.files == () and report.percent == 100.0


@pytest.mark.parametrize(
    ("value", "claims"),
    [
        (document(), True),
        ({"totals": {}, "files": {}}, True),
        ({"version": "2.1.0", "runs": []}, False),
        ({"dependencies": []}, False),
        ([{"totals": {}, "files": {}}], False),
        (None, False),
    ],
)
def test_is_coverage_json_claims_only_its_shape(value: object, claims: bool) -> None:
    assert is_coverage_json(value) is claims


# --- hostile input ------------------------------------------------------------------------------


def test_truncated_report_is_an_artifact_error(tmp_path: Path) -> None:
    text = json.dumps(document())
    refused(read_coverage, write(tmp_path, text[: len(text) // 2]), "coverage JSON file is not valid JSON")


def test_empty_report_is_an_artifact_error(tmp_path: Path) -> None:
    refused(read_coverage, write(tmp_path, " \n"), "coverage JSON file is empty")


@pytest.mark.parametrize(
    "foreign",
    [
        (DATA / "hadolint.sarif").read_text(),
        (DATA / "pip-audit-osv.json").read_text(),
        (DATA / "pip-licenses.json").read_text(),
        '"just a string"',
        "[]",
    ],
    ids=["sarif", "pip-audit", "pip-licenses", "string", "list"],
)
def test_another_tools_json_is_not_a_coverage_report(tmp_path: Path, foreign: str) -> None:
    refused(read_coverage, write(tmp_path, foreign), r"not a coverage JSON report \(no 'totals' and 'files'")


def _file_summary(**fields: object) -> dict[str, Any]:
    summary: dict[str, Any] = {"num_statements": 4, "missing_lines": 1, "percent_covered": 75.0}
    summary.update(fields)
    return document(files={"pkg/a.py": {"summary": summary}})


def total(percent: object) -> dict[str, Any]:
    return document(totals={"percent_covered": percent})


COUNT = "expected a count from 0 to 9007199254740991"
PERCENT = "expected a percentage from 0 to 100"
FILE = r"files\['pkg/a\.py'\]\.summary"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps(document(totals=[])), "totals is a list, expected an object"),
        (json.dumps(document(totals={})), f"totals.percent_covered is null, {PERCENT}"),
        (json.dumps(total("75")), f"totals.percent_covered is '75', {PERCENT}"),
        (json.dumps(total(True)), "totals.percent_covered is a boolean"),
        (json.dumps(total(-0.5)), f"totals.percent_covered is -0.5, {PERCENT}"),
        (json.dumps(total(100.01)), "totals.percent_covered is 100.01"),
        ('{"totals": {"percent_covered": NaN}, "files": {}}', f"totals.percent_covered is nan, {PERCENT}"),
        ('{"totals": {"percent_covered": Infinity}, "files": {}}', "totals.percent_covered is inf"),
        ('{"totals": {"percent_covered": 1e999}, "files": {}}', "totals.percent_covered is inf"),
        (json.dumps(document(files=[])), "files is a list, expected an object"),
        (
            json.dumps(document(files={"pkg/a.py": 3})),
            r"files\['pkg/a\.py'\] is a number, expected an object",
        ),
        (json.dumps(document(files={"pkg/a.py": {}})), f"{FILE} is null, expected an object"),
        (json.dumps(_file_summary(num_statements=4.0)), f"{FILE}.num_statements is 4.0, {COUNT}"),
        (json.dumps(_file_summary(num_statements=-1)), f"{FILE}.num_statements is -1, {COUNT}"),
        (json.dumps(_file_summary(num_statements=10**30)), f"{FILE}.num_statements is 1{'0' * 30}, {COUNT}"),
        (json.dumps(_file_summary(num_statements=2**53)), f"{FILE}.num_statements is {2**53}, {COUNT}"),
        (json.dumps(_file_summary(missing_lines=None)), f"{FILE}.missing_lines is null, {COUNT}"),
        (json.dumps(_file_summary(missing_lines=5)), f"{FILE} has 5 missing of 4 statements"),
        (json.dumps(_file_summary(percent_covered=[])), f"{FILE}.percent_covered is a list, {PERCENT}"),
        (json.dumps(document(meta=[])), "meta is a list, expected an object"),
        (json.dumps(document(meta={"format": 4})), "meta.format is 4, expected a coverage.py JSON format"),
        (json.dumps(document(meta={"format": "3"})), "meta.format is '3'"),
        (json.dumps(document(meta={"format": True})), "meta.format is a boolean"),
    ],
)
def test_a_wrong_value_is_refused_naming_the_field(tmp_path: Path, text: str, message: str) -> None:
    refused(read_coverage, write(tmp_path, text), message)


def test_a_huge_integer_literal_is_refused_not_a_crash(tmp_path: Path) -> None:
    text = json.dumps(document()).replace('"num_statements": 4', '"num_statements": ' + "9" * 5000)
    refused(read_coverage, write(tmp_path, text), "not valid JSON")


def test_a_file_name_in_a_message_is_bounded(tmp_path: Path) -> None:
    name = "x" * 5000
    message = refused(read_coverage, write(tmp_path, document(files={name: {}})), r"files\['x+'…\]")
    assert len(message) < 300


def test_a_link_out_of_the_boundary_is_refused(tmp_path: Path) -> None:
    outside = write(tmp_path, document(), "outside.json")
    (tmp_path / "reports").mkdir()
    link = tmp_path / "reports" / "coverage.json"
    link.symlink_to(outside)
    with pytest.raises(ArtifactError, match="leads outside"):
        read_coverage(link, within=tmp_path / "reports")


def test_coverage_from_document_refuses_what_is_not_coverage(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a coverage JSON report"):
        coverage_from_document(tmp_path / "x.json", {"runs": []})
