"""Absolute folders of this machine are shown relative to the repository (or the reports folder)."""

from __future__ import annotations

from pathlib import Path

from cimaturity.layout import layout_of
from cimaturity.report.places import Place, Places, places_for


def test_repository_paths_become_relative_and_the_folder_its_name(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "backend").mkdir()
    places = places_for(layout_of(repo / "backend"), tmp_path / "out" / "reports-x")
    assert places.text(f"first: E501 {repo}/backend/app.py:3") == "first: E501 backend/app.py:3"
    assert places.text(f"run of {repo}") == "run of repo"
    assert places.text(f"{tmp_path}/out/reports-x/artifacts/a.sarif: bad") == "artifacts/a.sarif: bad"
    assert places.text(f"{repo}2/x") == f"{repo}2/x"  # another folder that merely starts the same


def test_reports_inside_the_repository_stay_repository_relative(tmp_path: Path) -> None:
    places = places_for(layout_of(tmp_path), tmp_path / "reports")
    assert places.text(f"{tmp_path}/reports/artifacts/x.json") == "reports/artifacts/x.json"


def test_data_rewrites_every_string() -> None:
    places = Places((Place("/abs/repo", "repo"),))
    data = {"a": ["/abs/repo/x", 1, None], "b": {"c": "/abs/repo"}}
    assert places.data(data) == {"a": ["x", 1, None], "b": {"c": "repo"}}
