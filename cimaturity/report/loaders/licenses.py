"""pip-licenses JSON and CycloneDX JSON SBOMs -> `licenses` frame.

pip-licenses (`--format json`) gives one object per installed distribution. A CycloneDX BOM
lists components; those whose licence it declares become rows too, the others only count
(`cyclonedx-py requirements` declares none), so "no licence known" is never read as a licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.model import ArtifactError
from cimaturity.report.evidence import LICENSE_COLUMNS
from cimaturity.report.loaders import common as c

PIP_LICENSES = "pip-licenses JSON"
CYCLONEDX = "CycloneDX JSON"
_PIP_LICENSES_KEYS = ("Name", "Version", "License")


@dataclass(frozen=True)
class BomData:
    licenses: pd.DataFrame
    components: int


def is_pip_licenses(document: Any) -> bool:
    return (
        isinstance(document, list)
        and bool(document)
        and isinstance(document[0], dict)
        and all(key in document[0] for key in _PIP_LICENSES_KEYS)
    )


def is_cyclonedx(document: Any) -> bool:
    return isinstance(document, dict) and document.get("bomFormat") == "CycloneDX"


def load_pip_licenses(path: Path, *, within: Path | None = None) -> pd.DataFrame:
    return pip_licenses_from_document(path, c.read_json(path, PIP_LICENSES, within=within))


def pip_licenses_from_document(path: Path, document: Any) -> pd.DataFrame:
    rows = c.require_list(document, path, "the top level of a pip-licenses JSON report")
    data: dict[str, list[str]] = {column: [] for column in LICENSE_COLUMNS}
    for index, raw in enumerate(rows):
        where = f"[{index}]"
        entry = c.require_dict(raw, path, where)
        missing = [key for key in _PIP_LICENSES_KEYS if key not in entry]
        if missing:
            raise ArtifactError(f"{path}: not a pip-licenses JSON report ({where} has no {missing[0]!r})")
        data["package"].append(c.require_str(entry["Name"], path, f"{where}.Name"))
        data["version"].append(c.require_str(entry["Version"], path, f"{where}.Version"))
        data["license"].append(c.require_str(entry["License"], path, f"{where}.License"))
    return c.frame(LICENSE_COLUMNS, data)


def load_cyclonedx(path: Path, *, within: Path | None = None) -> BomData:
    return cyclonedx_from_document(path, c.read_json(path, CYCLONEDX, within=within))


def cyclonedx_from_document(path: Path, document: Any) -> BomData:
    if not is_cyclonedx(document):
        raise ArtifactError(f"{path}: not a CycloneDX JSON BOM (bomFormat is not 'CycloneDX')")
    c.require_str(document.get("specVersion"), path, "specVersion")
    components = c.require_list(document.get("components", []), path, "components")
    data: dict[str, list[str]] = {column: [] for column in LICENSE_COLUMNS}
    for index, raw in enumerate(components):
        where = f"components[{index}]"
        component = c.require_dict(raw, path, where)
        name = c.require_str(component.get("name"), path, f"{where}.name")
        version = c.optional_str(component.get("version"), path, f"{where}.version") or ""
        names = _license_names(path, where, component.get("licenses", []))
        if names:
            data["package"].append(name)
            data["version"].append(version)
            data["license"].append(" AND ".join(names) if len(names) > 1 else names[0])
    return BomData(c.frame(LICENSE_COLUMNS, data), len(components))


def _license_names(path: Path, where: str, value: object) -> list[str]:
    names: list[str] = []
    for index, raw in enumerate(c.require_list(value, path, f"{where}.licenses")):
        choice = c.require_dict(raw, path, f"{where}.licenses[{index}]")
        if "expression" in choice:
            names.append(c.require_str(choice["expression"], path, f"{where}.licenses[{index}].expression"))
            continue
        license_ = c.require_dict(choice.get("license"), path, f"{where}.licenses[{index}].license")
        name = license_.get("id", license_.get("name"))
        names.append(c.require_str(name, path, f"{where}.licenses[{index}].license.id"))
    return names
