"""Paths as a stranger reads them: a report never prints this machine's absolute folders.

Tools and loaders write absolute paths into reasons and messages (`/tmp/x/src/a.py`,
`/home/me/reports/artifacts/deps/summary.json`). `Places` rewrites them relative to the
repository (`src/a.py`), or to the reports folder when it lies outside the repository
(`artifacts/deps/summary.json`); the folder itself is shown by its name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cimaturity.layout import RepoLayout


@dataclass(frozen=True)
class Place:
    folder: str  # absolute, no trailing slash
    name: str  # what the folder itself is shown as

    def rewrite(self, text: str) -> str:
        text = text.replace(self.folder + "/", "")
        return re.sub(re.escape(self.folder) + r"(?![\w.-])", self.name, text)


@dataclass(frozen=True)
class Places:
    places: tuple[Place, ...] = ()  # longest folder first

    def text(self, value: str) -> str:
        for place in self.places:
            value = place.rewrite(value)
        return value

    def data(self, value: Any) -> Any:
        """Every string in a JSON-like value (dicts, lists) rewritten."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {key: self.data(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.data(item) for item in value]
        return value


def places_for(layout: RepoLayout, reports_dir: Path) -> Places:
    """The repository (and the reports folder when it is elsewhere) shown relative."""
    reports = reports_dir.resolve()
    found = [
        Place(str(layout.repo), layout.repo.name),
        *([] if reports.is_relative_to(layout.repo) else [Place(str(reports), reports.name)]),
        Place(str(Path.home()), "~"),
    ]
    kept = [place for place in found if len(Path(place.folder).parts) > 1]  # never rewrite "/" itself
    return Places(tuple(sorted(kept, key=lambda p: -len(p.folder))))
