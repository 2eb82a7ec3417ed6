"""The package as a stranger installs it (issue 12): built from this repository into a wheel,
installed with its declared dependencies into a fresh virtualenv outside the repository, then run
on a fixture project from a folder outside it, with nothing of this repository on PATH or
PYTHONPATH. The report (its rubric and templates) must come from the installed package alone.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import cimaturity

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "projects"
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")


@dataclass(frozen=True)
class Installed:
    wheel: Path
    sdist: Path
    venv: Path
    outside: Path  # a working folder outside the repository
    env: dict[str, str]  # nothing of the repository on PATH, no PYTHONPATH, no active virtualenv
    seconds: dict[str, float]

    @property
    def command(self) -> str:
        return str(self.venv / "bin" / "cimaturity")

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def run(self, *argv: str, timeout_s: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(argv), cwd=self.outside, env=self.env, capture_output=True, text=True, timeout=timeout_s
        )


def _outside_env() -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
        and not key.startswith(("CIMATURITY_", "PYTEST_", "COV_", "GITHUB_"))
    }
    inside = (str(REPO), str(REPO) + os.sep)
    path = [p for p in os.environ.get("PATH", os.defpath).split(os.pathsep) if p and not p.startswith(inside)]
    env["PATH"] = os.pathsep.join(path)
    return env


def _step(seconds: dict[str, float], name: str, argv: list[str], cwd: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600, env=_outside_env())
    seconds[name] = round(time.monotonic() - started, 2)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if UV is None:
        pytest.fail("uv is not installed (requirements-dev.txt installs it)")
    work = tmp_path_factory.mktemp("package")
    assert not work.resolve().is_relative_to(REPO)
    seconds: dict[str, float] = {}
    dist = work / "dist"
    # sdist first, then the wheel built from the sdist, as the release workflow does
    _step(seconds, "build", [UV, "build", "--out-dir", str(dist), str(REPO)], work)
    (wheel,) = dist.glob("cimaturity-*.whl")
    (sdist,) = dist.glob("cimaturity-*.tar.gz")
    venv = work / "venv"
    _step(seconds, "venv", [UV, "venv", "-q", "--python", sys.executable, str(venv)], work)
    # with its declared dependencies, resolved from the package index
    _step(
        seconds,
        "install",
        [UV, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(wheel)],
        work,
    )
    outside = work / "elsewhere"
    outside.mkdir()
    return Installed(wheel, sdist, venv, outside, _outside_env(), seconds)


def _checkout(shape: str, into: Path) -> Path:
    root = into / shape
    shutil.copytree(FIXTURES / shape, root)
    for args in (
        ("init", "-q", "-b", "main"),
        ("add", "-A"),
        ("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "fixture"),
    ):
        subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return root


def test_the_wheel_holds_the_toolkit_and_its_data_files_only(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "cimaturity"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    shipped = {name for name in tracked if "__pycache__" not in name}
    assert shipped <= names, f"not in the wheel: {sorted(shipped - names)}"
    for data in (
        "report/rubric.toml",
        "report/rubric_plan.toml",
        "audit/actionlint_sarif.cjs",
        "weekly/plan_tasks.toml",
    ):
        assert f"cimaturity/{data}" in names
    top = {name.split("/")[0] for name in names}
    assert top == {"cimaturity", f"cimaturity-{cimaturity.__version__}.dist-info"}
    entry_points = zipfile.ZipFile(installed.wheel).read(
        f"cimaturity-{cimaturity.__version__}.dist-info/entry_points.txt"
    )
    assert "cimaturity = cimaturity.cli:main" in entry_points.decode()
    with tarfile.open(installed.sdist) as sdist:
        folders = {name.split("/")[1] for name in sdist.getnames() if name.count("/") >= 1}
    assert "app" not in folders and "tests" not in folders and "cimaturity" in folders


def test_the_installed_command_is_the_installed_package(installed: Installed) -> None:
    where = installed.run(installed.python, "-c", "import cimaturity; print(cimaturity.__file__)")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed.venv)
    version = installed.run(installed.command, "--version")
    assert version.stdout.strip() == f"cimaturity {cimaturity.__version__}"
    helped = installed.run(installed.python, "-m", "cimaturity", "--help")
    assert helped.returncode == 0, helped.stderr
    for task in ("ci", "report", "pr-comment", "weekly", "history"):
        assert f"\n  {task} " in helped.stdout
    assert "\n  serve " not in helped.stdout
    ci_help = installed.run(installed.command, "ci", "--help")
    assert ci_help.returncode == 0 and "--profile=STRING" in ci_help.stdout


def test_ci_on_another_project_needs_no_file_of_this_repository(installed: Installed) -> None:
    project = _checkout("ruff_would_fix", installed.outside)
    reports = installed.outside / "reports"
    started = time.monotonic()
    done = installed.run(
        installed.command, "ci", "--project", "ruff_would_fix", "--reports", str(reports),
        "--only", "lint,sast", "--no-history",
    )  # fmt: skip
    installed.seconds["ci"] = round(time.monotonic() - started, 2)
    print(f"timings (s): {installed.seconds}")
    assert done.returncode == 1, done.stdout + done.stderr  # the fixture's lint finding fails the gate
    run = json.loads((reports / "run.json").read_text())
    assert run["cimaturity_version"] == cimaturity.__version__
    assert run["project"] == str(project.resolve())
    by_name = {check["name"]: check for check in run["checks"]}
    assert by_name["lint"]["status"] == "failed" and "F401" in by_name["lint"]["reason"]
    assert by_name["sast"]["status"] == "passed", by_name["sast"]["reason"]
    # the report, from the packaged rubric and templates
    summary = json.loads((reports / "summary.json").read_text())
    assert summary["max_score"] == 10 and summary["rubric"]
    assert summary["run_id"] == run["run_id"]
    assert (reports / "maturity.md").read_text().count("/10") >= 1
    assert "<html" in (reports / "maturity.html").read_text().lower()
    # no path into this repository anywhere in what the run wrote (tools, logs, PYTHONPATH)
    for path in (reports / "latest").resolve().rglob("*"):
        if path.is_file():
            assert str(REPO) + os.sep not in path.read_text(errors="replace"), path


def test_a_check_whose_extra_is_not_installed_names_it(installed: Installed) -> None:
    project = installed.outside / "service"
    (project / "tests" / "load").mkdir(parents=True)
    (project / "pyproject.toml").write_text(
        '[project]\nname = "service"\nversion = "0"\n\n[tool.cimaturity.service]\napp = "service:app"\n'
    )
    (project / "tests" / "load" / "locustfile.py").write_text("")
    reports = installed.outside / "service-reports"
    done = installed.run(
        installed.command, "ci", "--project", str(project), "--reports", str(reports),
        "--only", "performance,contract", "--python", installed.python, "--no-history",
    )  # fmt: skip
    assert done.returncode == 1
    checks = {check["name"]: check for check in json.loads((reports / "run.json").read_text())["checks"]}
    assert checks["performance"]["status"] == "error"
    assert checks["performance"]["reason"] == (
        'tool not found on PATH: locust; install the "load" extra: pip install "cimaturity[load]"'
    )
    assert checks["contract"]["status"] == "error"
    assert checks["contract"]["reason"].endswith(
        'install the "contract" extra: pip install "cimaturity[contract]"'
    )
