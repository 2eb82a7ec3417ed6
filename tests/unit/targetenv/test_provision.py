"""Provisioning with uv, in a cache keyed by content; a fake `uv` records what it is asked.

The real uv is exercised by tests/integration/test_fixture_projects.py; here the steps, the
cache key, the marker written last, the rebuild after a half-made environment and the editable
hooks pointed back at the project are checked without a network.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.version import Version

from cimaturity.targetenv.interpreters import Interpreter
from cimaturity.targetenv.plan import make_plan
from cimaturity.targetenv.provision import MARKER, ProvisionError, cache_root, environment_key, provision

HERE = Interpreter(Path(sys.executable), Version("3.11.7"))


def fake_uv(folder: Path, *, fail_on: str = "") -> Path:
    """A `uv` that logs its arguments; `venv DIR` makes DIR/bin/python; `pip install -e SRC` leaves
    an editable hook naming SRC, as real build backends do; `fail_on` makes that subcommand fail."""
    folder.mkdir(parents=True, exist_ok=True)
    uv = folder / "uv"
    uv.write_text(
        f"#!{sys.executable}\n"
        + textwrap.dedent(
            f"""
            import os, pathlib, sys
            args = sys.argv[1:]
            with open({str(folder / "calls.txt")!r}, "a") as log:
                log.write(" ".join(args) + "\\n")
            if {fail_on!r} and {fail_on!r} in args:
                print("error: No solution found when resolving dependencies", file=sys.stderr)
                sys.exit(1)
            if args[0] == "venv":
                bin_dir = pathlib.Path(args[-1]) / "bin"
                bin_dir.mkdir(parents=True)
                (bin_dir / "python").symlink_to(sys.executable)
                (pathlib.Path(args[-1]) / "lib/python3.11/site-packages").mkdir(parents=True)
            if "-e" in args:
                source = args[args.index("-e") + 1].split("[")[0]
                # What a VCS-versioned backend (hatch-vcs, setuptools-scm) asks of the source.
                import subprocess
                described = subprocess.run(
                    ["git", "describe", "--tags"], cwd=source, capture_output=True, text=True
                )
                with open({str(folder / "described.txt")!r}, "w") as out:
                    out.write(described.stdout.strip() or "no version: " + described.stderr.strip())
                site = pathlib.Path(os.environ["VIRTUAL_ENV"]) / "lib/python3.11/site-packages"
                (site / "_demo_editable.pth").write_text(source + "/src\\n")
            """
        )
    )
    uv.chmod(0o755)
    return uv


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "src" / "demo").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\n[build-system]\nrequires = ["hatchling"]\n'
        'build-backend = "hatchling.build"\n'
    )
    (root / "requirements.txt").write_text("idna==3.7\n")
    return root


def run(project: Path, tmp_path: Path, uv: Path) -> tuple[Path, bool, list[str]]:
    said: list[str] = []
    environ = {"CIMATURITY_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    python, reused = provision(
        make_plan(project), HERE, project, uv=str(uv), environ=environ, say=said.append
    )
    return python, reused, said


def test_steps_then_reuse_and_the_project_is_never_written(project: Path, tmp_path: Path) -> None:
    uv = fake_uv(tmp_path / "bin")
    before = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    python, reused, said = run(project, tmp_path, uv)
    assert not reused and python.is_file()
    calls = (tmp_path / "bin" / "calls.txt").read_text().splitlines()
    assert [call.split()[0:2] for call in calls] == [
        ["venv", "-q"],
        ["pip", "install"],
        ["pip", "install"],
        ["pip", "install"],
    ]
    assert calls[1].endswith("/source/requirements.txt")  # from the copy, never the project
    assert "adding pytest and coverage where missing" in said
    home = python.parent.parent.parent
    assert (home / MARKER).is_file() and not (home / "source").exists()
    # the editable hook was built from the copy and now names the project's own source
    assert (home / "venv/lib/python3.11/site-packages/_demo_editable.pth").read_text() == f"{project}/src\n"
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == before
    python_again, reused_again, _ = run(project, tmp_path, uv)
    assert (python_again, reused_again) == (python, True)
    assert len((tmp_path / "bin" / "calls.txt").read_text().splitlines()) == len(calls)  # nothing re-run


def test_a_changed_requirement_is_a_new_environment(project: Path, tmp_path: Path) -> None:
    before = environment_key(make_plan(project), HERE, project)
    (project / "requirements.txt").write_text("idna==3.8\n")
    assert environment_key(make_plan(project), HERE, project) != before


def test_a_half_built_environment_is_rebuilt_not_reused(project: Path, tmp_path: Path) -> None:
    uv = fake_uv(tmp_path / "bin")
    key = environment_key(make_plan(project), HERE, project)
    half = cache_root({"CIMATURITY_CACHE_DIR": str(tmp_path / "cache")}) / key
    (half / "venv" / "bin").mkdir(parents=True)  # a killed run: no marker
    (half / "venv" / "bin" / "python").write_text("")
    _, reused, _ = run(project, tmp_path, uv)
    assert not reused and (half / MARKER).is_file()


def test_a_failing_install_is_one_line_quoting_uv(project: Path, tmp_path: Path) -> None:
    uv = fake_uv(tmp_path / "bin", fail_on="pip")
    with pytest.raises(ProvisionError) as caught:
        run(project, tmp_path, uv)
    assert (
        str(caught.value) == "`uv pip install` failed: error: No solution found when resolving dependencies"
    )


def test_a_version_from_git_tags_builds_from_the_copy(project: Path, tmp_path: Path) -> None:
    """hynek/structlog takes its version from git (hatch-vcs): a copy without the repository
    failed to build ("setuptools-scm was unable to detect version"). The build copy is a clone,
    so the build sees the project's tags, and the project is still never written."""
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-C", str(project)]
    for argv in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "one"], ["tag", "v1.2.3"]):
        subprocess.run([*git, *argv], check=True, capture_output=True)
    status = subprocess.run([*git, "status", "--porcelain", "--ignored"], capture_output=True, text=True)
    uv = fake_uv(tmp_path / "bin")
    run(project, tmp_path, uv)
    assert (tmp_path / "bin" / "described.txt").read_text() == "v1.2.3"
    after = subprocess.run([*git, "status", "--porcelain", "--ignored"], capture_output=True, text=True)
    assert after.stdout == status.stdout == ""


def test_the_planned_requirements_are_part_of_the_key(project: Path) -> None:
    """Same files, another plan (cimaturity read tox's deps differently): another environment."""
    plan = make_plan(project)
    key = environment_key(plan, HERE, project)
    assert (
        environment_key(dataclasses.replace(plan, extra_requirements=("Django<4.3",)), HERE, project) != key
    )
    assert environment_key(plan, HERE, project) == key
