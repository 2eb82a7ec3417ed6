"""`invoke weekly` end to end: a temporary project, its history in the real store, both files."""

from __future__ import annotations

import base64
import datetime as dt
import re
from pathlib import Path

import pytest
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.program import Program

from cimaturity.history.store import open_store, store_path
from cimaturity.tasks import ns
from cimaturity.tasks.weekly import weekly
from tests.support.github_server import GitHubServer
from tests.unit.weekly._history import MONDAY, eight_weeks, record

SECTIONS = ("Plan progress", "Trends", "Flaky tests", "Metrics to track", "DORA")


@pytest.fixture(autouse=True)
def _no_github(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_API_URL", "GITHUB_REPOSITORY", "GITHUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def project_with_history(tmp_path: Path) -> Path:
    project = tmp_path / "shop"
    project.mkdir()
    with open_store(project / "reports") as store:
        for item in eight_weeks():
            store.append(item)
    return project


def run(*args: str) -> None:
    Program(namespace=ns, version="test").run(["invoke", "weekly", *args], exit=False)


def section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_weekly_writes_both_reports_from_the_projects_history(tmp_path: Path) -> None:
    project = project_with_history(tmp_path)
    run("--project", str(project))
    markdown = (project / "reports" / "weekly.md").read_text(encoding="utf-8")
    html = (project / "reports" / "weekly.html").read_text(encoding="utf-8")
    assert markdown.startswith("# Weekly CI/CD report: shop\n")
    assert "16 records, 2026-01-05T09:00:00+00:00 to 2026-02-27T09:00:00+00:00" in markdown
    by_week = section(markdown, "Plan progress").split("### By Week\n", 1)[1].split("###", 1)[0]
    assert "| Week 1 (Critical) | 4/4 (100%) | 5 |" in by_week
    assert "| Week 5-6 (Nice-to-Have) | 2/4 (50%) | 6 |" in by_week
    assert "| Configuration tasks | 3/4 (75%) | - |" in by_week
    assert "| Total tasks | 20 | 24 |" in markdown
    assert "| Completed | 17 | 0 |" in markdown
    assert (
        "| 2026-W04 | 2026-01-23T09:00:00+00:00 "
        "| 4/4 (100%) | 0/4 (0%) | 0/4 (0%) | 1/4 (25%) | 1/4 (25%) | 6/20 |"
    ) in markdown
    assert "| 4.2 | Add Build Caching Optimization | low | 5-6 | no evidence | no criterion |" in markdown
    assert "counts 24 tasks" in markdown and "define 20" in markdown
    # the trends: one PNG of five panels, inlined
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 1
    png = base64.b64decode(images[0])
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    assert "Charts: weekly.html." in markdown
    assert "<h3>By Week</h3>" in html and "4/4 (100%)" in html
    assert not list((project / "reports").glob(".weekly*.tmp"))  # written atomically, nothing left over


def test_since_keeps_the_later_records(tmp_path: Path) -> None:
    project = project_with_history(tmp_path)
    run("--project", str(project), "--since", "2026-02-16")
    markdown = (project / "reports" / "weekly.md").read_text(encoding="utf-8")
    assert "since 2026-02-16T00:00:00+00:00: 4 records" in markdown
    history = markdown.split("### By week of history", 1)[1].split("##", 1)[0]
    assert re.findall(r"^\| (2026-W\d\d) ", history, flags=re.MULTILINE) == ["2026-W08", "2026-W09"]


def test_an_empty_history_says_so_in_every_section(tmp_path: Path) -> None:
    project = tmp_path / "empty"
    project.mkdir()
    reports = tmp_path / "elsewhere"
    run("--project", str(project), "--reports", str(reports))
    markdown = (reports / "weekly.md").read_text(encoding="utf-8")
    for title in SECTIONS:
        assert "no history yet" in section(markdown, title), title
    assert "| no data |" not in section(markdown, "Metrics to track")
    assert not store_path(reports).exists()  # reading an absent history does not create a store
    assert "no history yet" in (reports / "weekly.html").read_text(encoding="utf-8")


def test_dora_from_github_when_the_environment_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = project_with_history(tmp_path)
    with GitHubServer() as gh:
        deployment = gh.add_deployment("a" * 40)
        gh.add_deployment_status(deployment["id"], "success")
        for name, value in gh.env().items():
            monkeypatch.setenv(name, value)
        run("--project", str(project))
    dora = section((project / "reports" / "weekly.md").read_text(encoding="utf-8"), "DORA")
    assert "| Deployment | Deployment success rate | > 99% | 100.0% | met |" in dora


def test_a_bad_since_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(Exit) as caught:
        weekly(Context(), since="last week", project=str(tmp_path))
    assert caught.value.code == 2
    assert "--since must be an ISO date" in str(caught.value.message)


def test_an_unreadable_store_is_one_line(tmp_path: Path) -> None:
    path = store_path(tmp_path / "reports")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(Exit) as caught:
        weekly(Context(), project=str(tmp_path))
    assert caught.value.code == 2
    assert str(caught.value.message).startswith("cimaturity weekly: ")


def test_a_shared_reports_folder_reports_this_projects_records(tmp_path: Path) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    with open_store(project / "reports") as store:
        store.append(record(MONDAY, project="shop", run_id="shop-1"))
        store.append(record(MONDAY + dt.timedelta(hours=1), project="other", run_id="other-1"))
        store.append(record(MONDAY + dt.timedelta(hours=2), project="other", run_id="other-2"))
    run("--project", str(project))
    markdown = (project / "reports" / "weekly.md").read_text(encoding="utf-8")
    assert ": 1 records, 2026-01-05T09:00:00+00:00 to 2026-01-05T09:00:00+00:00." in markdown
