"""formats.licenses: real cyclonedx-py and pip-licenses output, and every way they can be wrong."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from cimaturity.checks.sbom import judge
from cimaturity.formats.licenses import (
    Component,
    PackageLicense,
    cyclonedx_from_document,
    is_cyclonedx,
    is_pip_licenses,
    read_cyclonedx,
    read_pip_licenses,
)
from cimaturity.model import ArtifactError, Status
from cimaturity.report.loaders.licenses import load_cyclonedx
from tests.unit.formats._support import BIN, refused, run_tool

DATA = Path(__file__).parents[1] / "report" / "data"


def write(tmp_path: Path, value: object, name: str = "doc.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value))
    return path


def bom(**overrides: Any) -> dict[str, Any]:
    components = [
        {
            "type": "library",
            "name": "idna",
            "version": "3.7",
            "licenses": [{"license": {"id": "BSD-3-Clause"}}],
        },
        {"type": "library", "name": "requests", "version": "2.32.3"},
    ]
    return {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "components": components,
        **overrides,
    }


# --- real output --------------------------------------------------------------------------------


def test_real_cyclonedx_requirements_bom_lists_components_without_licences(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\nidna==2.7\n")
    argv = [str(BIN / "cyclonedx-py"), "requirements", "requirements.txt", "--of", "JSON", "-o", "bom.json"]
    run_tool([*argv, "--output-reproducible", "--no-validate"], tmp_path)

    sbom = read_cyclonedx(tmp_path / "bom.json")

    assert sorted(sbom.components, key=lambda c: c.name) == [
        Component("idna", "2.7", ()),
        Component("requests", "2.19.0", ()),
    ]
    assert sbom.spec_version.startswith("1.")


def test_real_pip_licenses_json(tmp_path: Path) -> None:
    argv = [str(BIN / "pip-licenses"), "--format", "json", "--with-urls", "--packages", "junitparser", "lxml"]
    (tmp_path / "licenses.json").write_text(run_tool(argv, tmp_path).stdout)

    packages = read_pip_licenses(tmp_path / "licenses.json")

    assert {p.name: p.version for p in packages} == {
        "junitparser": version("junitparser"),
        "lxml": version("lxml"),
    }
    assert all(p.license for p in packages)


def test_captured_bom_and_report_agree_with_the_frames() -> None:
    sbom = read_cyclonedx(DATA / "cyclonedx-requirements.json")
    data = load_cyclonedx(DATA / "cyclonedx-requirements.json")
    assert data.components == len(sbom.components) == 2
    assert data.licenses.empty  # requirements mode declares none: never read as a licence


def test_declared_licences_in_every_cyclonedx_shape(tmp_path: Path) -> None:
    """cyclonedx-py environment writes ids, names and expressions (with an acknowledgement)."""
    raw = bom()
    raw["components"][1]["licenses"] = [
        {"license": {"name": "Apache 2.0", "acknowledgement": "declared"}},
        {"expression": "MIT OR Apache-2.0", "acknowledgement": "concluded"},
    ]
    sbom = read_cyclonedx(write(tmp_path, raw))
    assert [c.licenses for c in sbom.components] == [("BSD-3-Clause",), ("Apache 2.0", "MIT OR Apache-2.0")]
    frame = load_cyclonedx(tmp_path / "doc.json").licenses
    assert frame["license"].tolist() == ["BSD-3-Clause", "Apache 2.0 AND MIT OR Apache-2.0"]


def test_a_bom_without_components_has_none(tmp_path: Path) -> None:
    raw = bom()
    del raw["components"]
    assert read_cyclonedx(write(tmp_path, raw)).components == ()


def test_the_gate_reads_the_same_records() -> None:
    components = read_cyclonedx(DATA / "cyclonedx-requirements.json").components
    licenses = (
        PackageLicense("idna", "2.7", "BSD-3-Clause"),
        PackageLicense("requests", "2.19.0", "GPL-3.0"),
    )
    verdict = judge(components, licenses, ("GPL-3.0",))
    assert verdict.status is Status.FAILED and "requests 2.19.0" in verdict.reason


@pytest.mark.parametrize(
    ("value", "cyclonedx", "pip_licenses"),
    [
        (bom(), True, False),
        (json.loads((DATA / "pip-licenses.json").read_text()), False, True),
        ([], False, False),
        ({"bomFormat": "SPDX"}, False, False),
        ({"dependencies": []}, False, False),
    ],
)
def test_what_each_format_claims(value: object, cyclonedx: bool, pip_licenses: bool) -> None:
    assert (is_cyclonedx(value), is_pip_licenses(value)) == (cyclonedx, pip_licenses)


# --- hostile input: CycloneDX -------------------------------------------------------------------


def component(**fields: object) -> dict[str, Any]:
    return bom(components=[{"type": "library", "name": "idna", "version": "3.7", **fields}])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (json.dumps(bom())[:60], "CycloneDX JSON file is not valid JSON"),
        ("", "CycloneDX JSON file is empty"),
        (
            (DATA / "pip-licenses.json").read_text(),
            "not a CycloneDX JSON BOM \\(bomFormat is not 'CycloneDX'\\)",
        ),
        ((DATA / "pip-audit-osv.json").read_text(), "not a CycloneDX JSON BOM"),
        (bom(bomFormat="cyclonedx"), "not a CycloneDX JSON BOM"),
        (bom(specVersion=1.6), "specVersion is a number, expected a string"),
        (bom(specVersion=None), "specVersion is null, expected a string"),
        (bom(specVersion="latest"), "specVersion is 'latest', expected a version like '1.6'"),
        (bom(components={"idna": {}}), "components is an object, expected a list"),
        (bom(components=None), "components is null, expected a list"),
        (bom(components=["idna"]), "components\\[0\\] is a string, expected an object"),
        (component(name=None), "components\\[0\\].name is null, expected a string"),
        (component(name=7), "components\\[0\\].name is a number, expected a string"),
        (component(version=3.7), "components\\[0\\].version is a number, expected a string"),
        (component(licenses={"id": "MIT"}), "components\\[0\\].licenses is an object, expected a list"),
        (component(licenses=["MIT"]), "components\\[0\\].licenses\\[0\\] is a string, expected an object"),
        (component(licenses=[{}]), "components\\[0\\].licenses\\[0\\].license is null, expected an object"),
        (component(licenses=[{"license": {}}]), "licenses\\[0\\].license.name is null, expected a string"),
        (
            component(licenses=[{"license": {"id": 1}}]),
            "licenses\\[0\\].license.id is a number, expected a string",
        ),
        (component(licenses=[{"expression": ["MIT"]}]), "licenses\\[0\\].expression is a list"),
    ],
)
def test_a_damaged_or_foreign_bom_is_refused(tmp_path: Path, value: object, message: str) -> None:
    refused(read_cyclonedx, write(tmp_path, value, "sbom.cdx.json"), message)


def test_cyclonedx_from_document_refuses_what_it_does_not_claim(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not a CycloneDX JSON BOM"):
        cyclonedx_from_document(tmp_path / "x.json", [])


# --- hostile input: pip-licenses ----------------------------------------------------------------


def package(**fields: object) -> list[dict[str, Any]]:
    return [{"Name": "idna", "Version": "3.7", "License": "BSD-3-Clause", "URL": "", **fields}]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ((DATA / "pip-licenses.json").read_text()[:50], "pip-licenses JSON file is not valid JSON"),
        ([], "pip-licenses JSON report lists no package"),
        ({"Name": "idna"}, "the top level of a pip-licenses JSON report is an object, expected a list"),
        (json.dumps(bom()), "the top level of a pip-licenses JSON report is an object"),
        (["idna"], "\\[0\\] is a string, expected an object"),
        (
            [{"Name": "idna", "Version": "3.7"}],
            "not a pip-licenses JSON report \\(\\[0\\] has no 'License'\\)",
        ),
        (package(Name=None), "\\[0\\].Name is null, expected a string"),
        (package(Version=3.7), "\\[0\\].Version is a number, expected a string"),
        (package(License=["MIT"]), "\\[0\\].License is a list, expected a string"),
        ([*package(), 5], "\\[1\\] is a number, expected an object"),
    ],
)
def test_a_damaged_or_foreign_pip_licenses_report_is_refused(
    tmp_path: Path, value: object, message: str
) -> None:
    refused(read_pip_licenses, write(tmp_path, value, "licenses.json"), message)
