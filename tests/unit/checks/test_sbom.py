"""The sbom check: CycloneDX + pip-licenses on throwaway projects; a denied runtime license fails."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cimaturity.checks.sbom import LICENSES, SBOM, SBOM_CHECK, denied_match, left_out_here
from cimaturity.formats.licenses import read_cyclonedx, read_pip_licenses
from cimaturity.model import ArtifactError, Status
from cimaturity.runner import execute
from tests.unit.checks._security_fixtures import context, new_repo, without_tool

DENIED = ("GPL-3.0", "AGPL-3.0")


def fake_site(folder: Path, distributions: dict[str, tuple[str, str]]) -> Path:
    """Installed-looking distributions (name -> (license, classifier)) that pip-licenses will list."""
    for name, (license_field, classifier) in distributions.items():
        info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nLicense: {license_field}\n"
            f"Classifier: License :: OSI Approved :: {classifier}\n"
        )
        (info / "RECORD").write_text("")
    return folder


def _run(
    tmp_path: Path, files: dict[str, str], site: Path | None = None
) -> tuple[Status, str, dict[str, float]]:
    root = new_repo(tmp_path / "p", files)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site or ""), os.environ.get("PYTHONPATH", "")]))}
    result = execute(SBOM_CHECK, context(root, SBOM_CHECK, env))
    return result.status, result.reason, dict(result.metrics)


def test_runtime_dependency_under_gpl3_fails(tmp_path: Path) -> None:
    site = fake_site(
        tmp_path / "site", {"fake-gpl": ("GPL-3.0-or-later", "GNU General Public License v3 (GPLv3)")}
    )
    status, reason, metrics = _run(tmp_path, {"requirements.txt": "fake-gpl==1.0\nidna==3.7\n"}, site)
    assert status is Status.FAILED, reason
    assert "fake-gpl" in reason and "GPL-3.0" in reason
    assert metrics["denied_runtime"] == 1 and metrics["runtime_packages"] == 2


@pytest.mark.slow  # cyclonedx-py + pip-licenses over the whole environment: ~5 s
def test_lgpl_runtime_and_gpl_dev_tool_pass(tmp_path: Path) -> None:
    site = fake_site(
        tmp_path / "site",
        {
            "fake-lgpl": ("LGPL-3.0-or-later", "GNU Lesser General Public License v3 (LGPLv3)"),
            "fake-gpl-tool": ("GPL-3.0", "GNU General Public License v3 (GPLv3)"),
        },
    )
    files = {
        "requirements.txt": "fake-lgpl==1.0\n",
        "requirements-dev.txt": "-r requirements.txt\nfake-gpl-tool==1.0\n",
    }
    status, reason, metrics = _run(tmp_path, files, site)
    assert status is Status.PASSED, reason
    assert metrics["runtime_packages"] == 1 and metrics["denied_runtime"] == 0
    assert metrics["denied_dev_tools"] >= 1 and "fake-gpl-tool" in reason


@pytest.mark.slow
def test_runtime_dependency_without_license_information_is_an_error(tmp_path: Path) -> None:
    status, reason, _ = _run(tmp_path, {"requirements.txt": "not-installed-anywhere==9.9\n"})
    assert status is Status.ERROR
    assert "no license known" in reason and "not-installed-anywhere" in reason


def test_no_runtime_requirements_is_skipped(tmp_path: Path) -> None:
    status, reason, _ = _run(tmp_path, {"requirements-dev.txt": "idna==3.7\n"})
    assert status is Status.SKIPPED and "runtime requirements" in reason


def test_pip_licenses_missing_from_path_is_an_error(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"requirements.txt": "idna==3.7\n"})
    result = execute(SBOM_CHECK, without_tool(context(root, SBOM_CHECK), "pip-licenses", tmp_path / "bin"))
    assert result.status is Status.ERROR and "not found" in result.reason


def test_truncated_artifacts_are_artifact_errors(tmp_path: Path) -> None:
    root = new_repo(tmp_path / "p", {"requirements.txt": "idna==3.7\n"})
    ctx = context(root, SBOM_CHECK)
    assert execute(SBOM_CHECK, ctx).status is Status.PASSED
    assert [c.name for c in read_cyclonedx(ctx.artifact(SBOM)).components] == ["idna"]
    for name in (SBOM, LICENSES):
        path = ctx.artifact(name)
        original = path.read_text()
        path.write_text(original[:40])
        with pytest.raises(ArtifactError, match=re.escape(name)):
            SBOM_CHECK.gate(ctx, [])
        with pytest.raises(ArtifactError, match=re.escape(name)):
            (read_cyclonedx if name == SBOM else read_pip_licenses)(path)
        path.write_text(original)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GPL-3.0", "GPL-3.0"),
        ("GPL-3.0-only", "GPL-3.0"),
        ("GPL-3.0-or-later", "GPL-3.0"),
        ("GNU General Public License v3 (GPLv3)", "GPL-3.0"),
        ("GNU General Public License v3 or later (GPLv3+)", "GPL-3.0"),
        ("GNU General Public License (GPL)", "GPL-3.0"),  # unversioned: cannot be shown not to be v3
        ("GPL", "GPL-3.0"),
        ("AGPL-3.0-or-later", "AGPL-3.0"),
        ("GNU Affero General Public License v3", "AGPL-3.0"),
        ("MIT License; GNU General Public License v3 (GPLv3)", "GPL-3.0"),
        ("LGPL-3.0-or-later", None),
        ("GNU Lesser General Public License v3 (LGPLv3)", None),
        ("GNU Library or Lesser General Public License (LGPL)", None),
        ("GNU General Public License v2 (GPLv2)", None),
        ("GPL-2.0-only", None),
        ("MIT License", None),
        ("Apache-2.0", None),
        ("BSD-3-Clause", None),
    ],
)
def test_denied_license_matching(text: str, expected: str | None) -> None:
    assert denied_match(text, DENIED) == expected


def test_non_gpl_denied_ids_match_by_name() -> None:
    assert denied_match("SSPL-1.0", ("SSPL-1.0",)) == "SSPL-1.0"
    assert denied_match("SSPL-1.01", ("SSPL-1.0",)) is None


def test_unpinned_pyproject_dependencies_are_an_error_not_a_skip(tmp_path: Path) -> None:
    pyproject = '[project]\nname = "demo"\ndependencies = ["requests>=2"]\n'
    root = new_repo(tmp_path / "p", {"README": "x\n"}, pyproject=pyproject)
    result = execute(SBOM_CHECK, context(root, SBOM_CHECK))
    assert result.status is Status.ERROR
    assert "cannot list the shipped dependencies and their licenses: 1 dependenc(ies)" in result.reason


def test_a_lockfile_supplies_the_shipped_dependencies_and_only_its_runtime_group(tmp_path: Path) -> None:
    """No requirements file: the poetry.lock's main group is what ships; its dev group is not."""
    site = fake_site(
        tmp_path / "site",
        {
            "fake-gpl": ("GPL-3.0-or-later", "GNU General Public License v3 (GPLv3)"),
            "fake-gpl-tool": ("GPL-3.0", "GNU General Public License v3 (GPLv3)"),
        },
    )
    lock = (
        'version = "2.0"\n'
        '[[package]]\nname = "fake-gpl"\nversion = "1.0"\ngroups = ["main"]\n'
        '[[package]]\nname = "fake-gpl-tool"\nversion = "1.0"\ngroups = ["dev"]\n'
    )
    pyproject = '[project]\nname = "demo"\ndependencies = ["fake-gpl"]\n'
    root = new_repo(tmp_path / "p", {"poetry.lock": lock}, pyproject=pyproject)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}
    result = execute(SBOM_CHECK, context(root, SBOM_CHECK, env))
    assert result.status is Status.FAILED, result.reason
    assert "fake-gpl" in result.reason and "fake-gpl-tool" not in result.reason.split(";")[0]
    assert result.metrics["runtime_packages"] == 1
    assert (root / "poetry.lock").read_text() == lock


@pytest.mark.slow
def test_a_dependency_its_marker_leaves_out_here_is_named_not_an_error(tmp_path: Path) -> None:
    """Textualize/rich's lock exports `ipywidgets==8.1.7 ; extra == "jupyter"`: not installed in
    its environment, so no license can be read there; named as not checked, not an error. One
    left out by nothing is still an error."""
    site = fake_site(
        tmp_path / "site", {"fake-lgpl": ("LGPL-3.0-or-later", "GNU Lesser General Public License v3")}
    )
    requirements = (
        "fake-lgpl==1.0\n"
        'not-installed-anywhere==9.9 ; extra == "jupyter"\n'
        'windows-only==1.0 ; sys_platform == "win32" \\\n    --hash=sha256:' + "0" * 64 + "\n"
    )
    status, reason, metrics = _run(tmp_path / "marked", {"requirements.txt": requirements}, site)
    assert status is Status.PASSED, reason
    assert "license not checked for 2 left out here by their marker" in reason
    assert "not-installed-anywhere" in reason and "windows-only" in reason
    assert metrics["not_installed_here"] == 2 and metrics["runtime_packages"] == 3
    unmarked = requirements.replace(' ; extra == "jupyter"', "")
    status, reason, _ = _run(tmp_path / "unmarked", {"requirements.txt": unmarked}, site)
    assert status is Status.ERROR and "not-installed-anywhere" in reason


def test_markers_are_evaluated_for_the_projects_python_with_no_extra() -> None:
    lines = [
        'typing-extensions==4.13.2 ; python_version < "3.11"',
        'exceptiongroup==1.2 ; python_full_version < "3.11.0"',
        'ipywidgets==8.1.7 ; extra == "jupyter"',
        "pygments==2.19.2",
        "# a comment",
        "-r other.txt",
    ]
    assert left_out_here(lines, "3.13.0") == {"typing-extensions", "exceptiongroup", "ipywidgets"}
    assert left_out_here(lines, "3.10.4") == {"ipywidgets"}
