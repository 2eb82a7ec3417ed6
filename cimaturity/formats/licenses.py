"""License evidence: CycloneDX JSON SBOMs (`cyclonedx-py ... --of JSON`) and pip-licenses JSON
(`pip-licenses --format json`).

Read by the `sbom` gate (the components an SBOM lists are what ships; pip-licenses gives their
licenses) and by the report (the `licenses` frame). Where the two old readers differed, the
stricter rule is kept:

- CycloneDX: `bomFormat` is "CycloneDX" and `specVersion` a "major.minor" string (both checked
  a string; the version's shape is new). `components`, when present, is a list; each component
  an object whose `name` is a string and whose `version`, when present, a string. The gate used
  to turn any value into text with `str()`, so a number or an object passed as a name.
- A component's `licenses` (the report's rule; the gate did not read them) is a list of
  `{"license": {"id" | "name": ...}}` or `{"expression": ...}` choices with string values.
  A component that declares none has `licenses == ()`: "no licence known", never a licence
  (`cyclonedx-py requirements` declares none).
- pip-licenses: a non-empty list (the gate's rule: an empty list lists no package, so it is no
  evidence; the report used to accept it and read no licence) of objects each with string
  `Name`, `Version` and `License` (the report's rule; the gate used `str()` on any value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.artifacts import read_json
from cimaturity.formats.fields import optional_str, require_dict, require_list, require_str
from cimaturity.model import ArtifactError

CYCLONEDX = "CycloneDX JSON"
PIP_LICENSES = "pip-licenses JSON"
BOM_FORMAT = "CycloneDX"
PIP_LICENSES_KEYS = ("Name", "Version", "License")
_SPEC_VERSION = re.compile(r"\d{1,3}\.\d{1,3}")


@dataclass(frozen=True)
class Component:
    """One component of a CycloneDX BOM."""

    name: str
    version: str  # "" when the BOM gives none
    licenses: tuple[str, ...]  # SPDX ids, names or expressions as declared; () when none is


@dataclass(frozen=True)
class Sbom:
    spec_version: str
    components: tuple[Component, ...]


@dataclass(frozen=True)
class PackageLicense:
    """One entry of pip-licenses: an installed distribution and its license as found."""

    name: str
    version: str
    license: str  # as pip-licenses reports it ("UNKNOWN" when it found none)


def is_cyclonedx(document: Any) -> bool:
    """Whether a parsed JSON document claims to be a CycloneDX BOM."""
    return isinstance(document, dict) and document.get("bomFormat") == BOM_FORMAT


def is_pip_licenses(document: Any) -> bool:
    """Whether a parsed JSON document claims to be pip-licenses' JSON (its first entry's keys)."""
    return (
        isinstance(document, list)
        and bool(document)
        and isinstance(document[0], dict)
        and all(key in document[0] for key in PIP_LICENSES_KEYS)
    )


def read_cyclonedx(path: Path, *, within: Path | None = None) -> Sbom:
    """The BOM at `path`; `within` is the boundary folder (default: the file's own)."""
    return cyclonedx_from_document(path, read_json(path, CYCLONEDX, within=within))


def cyclonedx_from_document(path: Path, document: Any) -> Sbom:
    """The same, for a document already parsed."""
    if not is_cyclonedx(document):
        raise ArtifactError(f"{path}: not a CycloneDX JSON BOM (bomFormat is not {BOM_FORMAT!r})")
    spec_version = require_str(document.get("specVersion"), path, "specVersion")
    if not _SPEC_VERSION.fullmatch(spec_version):
        raise ArtifactError(f"{path}: specVersion is {spec_version[:20]!r}, expected a version like '1.6'")
    raw = require_list(document.get("components", []), path, "components")
    return Sbom(spec_version, tuple(_component(path, f"components[{i}]", item) for i, item in enumerate(raw)))


def read_pip_licenses(path: Path, *, within: Path | None = None) -> tuple[PackageLicense, ...]:
    """The report at `path`, one entry per installed distribution, in file order."""
    return pip_licenses_from_document(path, read_json(path, PIP_LICENSES, within=within))


def pip_licenses_from_document(path: Path, document: Any) -> tuple[PackageLicense, ...]:
    """The same, for a document already parsed."""
    entries = require_list(document, path, "the top level of a pip-licenses JSON report")
    if not entries:
        raise ArtifactError(f"{path}: pip-licenses JSON report lists no package")
    return tuple(_package(path, f"[{index}]", raw) for index, raw in enumerate(entries))


def _component(path: Path, where: str, raw: object) -> Component:
    component = require_dict(raw, path, where)
    return Component(
        name=require_str(component.get("name"), path, f"{where}.name"),
        version=optional_str(component.get("version"), path, f"{where}.version") or "",
        licenses=_license_names(path, where, component.get("licenses", [])),
    )


def _license_names(path: Path, where: str, value: object) -> tuple[str, ...]:
    names: list[str] = []
    for index, raw in enumerate(require_list(value, path, f"{where}.licenses")):
        at = f"{where}.licenses[{index}]"
        choice = require_dict(raw, path, at)
        if "expression" in choice:
            names.append(require_str(choice["expression"], path, f"{at}.expression"))
            continue
        license_ = require_dict(choice.get("license"), path, f"{at}.license")
        key = "id" if "id" in license_ else "name"
        names.append(require_str(license_.get(key), path, f"{at}.license.{key}"))
    return tuple(names)


def _package(path: Path, where: str, raw: object) -> PackageLicense:
    entry = require_dict(raw, path, where)
    missing = [key for key in PIP_LICENSES_KEYS if key not in entry]
    if missing:
        raise ArtifactError(f"{path}: not a pip-licenses JSON report ({where} has no {missing[0]!r})")
    return PackageLicense(
        name=require_str(entry["Name"], path, f"{where}.Name"),
        version=require_str(entry["Version"], path, f"{where}.Version"),
        license=require_str(entry["License"], path, f"{where}.License"),
    )
