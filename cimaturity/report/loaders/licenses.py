"""pip-licenses JSON and CycloneDX JSON SBOMs (read by `cimaturity.formats.licenses`) -> `licenses` frame.

pip-licenses gives one row per installed distribution. Of a CycloneDX BOM's components, those
whose licence it declares become rows (several joined with " AND "), the others only count, so
"no licence known" is never read as a licence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cimaturity.formats import licenses as fmt
from cimaturity.formats.licenses import is_cyclonedx as is_cyclonedx
from cimaturity.formats.licenses import is_pip_licenses as is_pip_licenses
from cimaturity.report.evidence import LICENSE_COLUMNS
from cimaturity.report.loaders import common as c


@dataclass(frozen=True)
class BomData:
    licenses: pd.DataFrame
    components: int


def load_pip_licenses(path: Path, *, within: Path | None = None) -> pd.DataFrame:
    return _pip_frame(fmt.read_pip_licenses(path, within=within))


def pip_licenses_from_document(path: Path, document: Any) -> pd.DataFrame:
    return _pip_frame(fmt.pip_licenses_from_document(path, document))


def load_cyclonedx(path: Path, *, within: Path | None = None) -> BomData:
    return _bom_data(fmt.read_cyclonedx(path, within=within))


def cyclonedx_from_document(path: Path, document: Any) -> BomData:
    return _bom_data(fmt.cyclonedx_from_document(path, document))


def _pip_frame(packages: Sequence[fmt.PackageLicense]) -> pd.DataFrame:
    return c.frame(
        LICENSE_COLUMNS,
        {
            "package": [p.name for p in packages],
            "version": [p.version for p in packages],
            "license": [p.license for p in packages],
        },
    )


def _bom_data(sbom: fmt.Sbom) -> BomData:
    declared = [component for component in sbom.components if component.licenses]
    frame = c.frame(
        LICENSE_COLUMNS,
        {
            "package": [component.name for component in declared],
            "version": [component.version for component in declared],
            "license": [" AND ".join(component.licenses) for component in declared],
        },
    )
    return BomData(frame, len(sbom.components))
