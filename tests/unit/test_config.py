"""Project configuration: auto-detection on bare repositories, validation, the coverage ratchet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cimaturity.config import (
    DEFAULT_DENIED_LICENSES,
    ConfigError,
    load_config,
    validate_check_names,
)
from cimaturity.registry import is_known


def write(root: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def pyproject(tmp_path: Path, toml: str) -> Path:
    return write(tmp_path, {"pyproject.toml": toml})


# --- auto-detection -------------------------------------------------------------------------


def test_bare_repository_is_auto_detected(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "billing/__init__.py": "",
            "docs/__init__.py": "",  # never a source package
            "notes/readme.txt": "",  # a folder without __init__.py is not a package
            "tests/unit/test_a.py": "",
            "tests/integration/test_b.py": "",
            "requirements.txt": "",
            "requirements-dev.txt": "",
        },
    )
    config = load_config(tmp_path, environ={})
    assert config.configured is False
    assert config.root == tmp_path.resolve()
    assert config.source_paths == ("billing", "shop")
    assert config.test_paths == ("tests",)
    assert config.unit_test_paths == ("tests/unit",)
    assert config.requirements == ("requirements-dev.txt", "requirements.txt")
    assert config.dockerfile == "Dockerfile"
    assert config.denied_licenses == DEFAULT_DENIED_LICENSES
    assert config.coverage.threshold(dt.date(2026, 11, 26)) == 0.0


def test_requirements_folder_and_declared_dependencies_are_detected(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["click>=8", "rich"]\n',
            "requirements/tests.txt": "pytest==9.2.0\n",
            "requirements/docs.txt": "sphinx==8.0.0\n",
            "requirements/README.md": "not a requirements file",
        },
    )
    config = load_config(tmp_path, environ={})
    assert config.requirements == ("requirements/docs.txt", "requirements/tests.txt")
    assert config.declared_dependencies == ("click>=8", "rich")
    assert config.typecheck_paths == config.source_paths


def test_src_layout_is_detected(tmp_path: Path) -> None:
    write(tmp_path, {"src/lib/__init__.py": "", "test/test_lib.py": ""})
    config = load_config(tmp_path, environ={})
    assert config.source_paths == ("src/lib",)
    assert config.test_paths == ("test",)
    assert config.unit_test_paths == ("test",)  # no unit/ split: every test path is "unit"


def test_loose_modules_are_detected_without_setup_and_conftest(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "", "util.py": "", "setup.py": "", "conftest.py": ""})
    assert load_config(tmp_path, environ={}).source_paths == ("app.py", "util.py")


def test_empty_folder_falls_back_to_the_root(tmp_path: Path) -> None:
    config = load_config(tmp_path, environ={})
    assert (config.source_paths, config.test_paths, config.unit_test_paths) == ((".",), (), ())


def test_pyproject_without_our_table_is_still_auto_detected(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.ruff]\nline-length = 100\n", "pkg/__init__.py": ""})
    config = load_config(tmp_path, environ={})
    assert config.configured is False
    assert config.source_paths == ("pkg",)


def test_configured_values_win_over_detection(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "tests/unit/t.py": ""})
    pyproject(
        tmp_path,
        "[tool.cimaturity]\n"
        'source_paths = ["lib"]\n'
        'unit_test_paths = ["tests/fast"]\n'
        'dockerfile = "docker/Dockerfile"\n'
        'denied_licenses = ["SSPL-1.0"]\n'
        'skip_checks = ["dockerfile"]\n'
        "[tool.cimaturity.timeouts]\n"
        "test = 30\n",
    )
    config = load_config(tmp_path, environ={})
    assert config.configured is True
    assert config.source_paths == ("lib",)
    assert config.test_paths == ("tests",)  # not configured: still detected
    assert config.unit_test_paths == ("tests/fast",)
    assert config.dockerfile == "docker/Dockerfile"
    assert config.denied_licenses == ("SSPL-1.0",)
    assert config.skip_checks == ("dockerfile",)
    assert config.timeouts == {"test": 30.0}
    assert config.existing(("pkg", "lib")) == ("pkg",)


def test_environment_sets_service_urls_and_osv_url(tmp_path: Path) -> None:
    pyproject(tmp_path, '[tool.cimaturity.deps]\nosv_url = "http://127.0.0.1:1/v1/query"\n')
    env = {
        "DATABASE_URL": "postgresql://u@127.0.0.1:5433/x",
        "REDIS_URL": "redis://127.0.0.1:6380/1",
        "CIMATURITY_OSV_URL": "http://127.0.0.1:9/v1/query",
    }
    config = load_config(tmp_path, environ=env)
    assert config.database_url == env["DATABASE_URL"]
    assert config.redis_url == env["REDIS_URL"]
    assert config.deps.osv_url == env["CIMATURITY_OSV_URL"]  # the environment beats the file
    assert load_config(tmp_path, environ={}).deps.osv_url == "http://127.0.0.1:1/v1/query"


def test_this_repository_config_loads_with_the_plans_ratchet() -> None:
    config = load_config(Path(__file__).resolve().parents[2], environ={})
    assert config.unit_test_paths == ("tests/unit",)
    assert config.coverage.threshold(dt.date(2026, 2, 10)) == 70.0  # fail_under 70 already applies
    assert [step.fail_under for step in config.coverage.ratchet] == [40.0, 50.0, 60.0, 70.0]


# --- validation: one line naming the file and the key ----------------------------------------


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('[tool.cimaturity]\nsource_path = ["x"]\n', "tool.cimaturity: unknown key 'source_path'"),
        ("[tool.cimaturity.coverage]\nfailunder = 3\n", "tool.cimaturity.coverage: unknown key 'failunder'"),
        (
            "[tool.cimaturity.coverage]\nratchet = [{ from = 2026-01-01, fail_under = 1, until = 2027 }]\n",
            "tool.cimaturity.coverage.ratchet[0]: unknown key 'until'",
        ),
        ('[tool.cimaturity.deps]\nurl = "x"\n', "tool.cimaturity.deps: unknown key 'url'"),
    ],
    ids=["top", "coverage", "ratchet-step", "deps"],
)
def test_unknown_key_names_the_key_and_the_file(tmp_path: Path, toml: str, key: str) -> None:
    pyproject(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ={})
    message = str(caught.value)
    assert message == f"{tmp_path.resolve() / 'pyproject.toml'}: {key}"
    assert "\n" not in message


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        (
            '[tool.cimaturity]\nsource_paths = "pkg"\n',
            "source_paths: expected a list of strings, got str 'pkg'",
        ),
        ("[tool.cimaturity]\ntest_paths = [1, 2]\n", "test_paths: expected a list of strings"),
        ("[tool.cimaturity]\ndockerfile = 3\n", "dockerfile: expected a string, got int 3"),
        ("[tool.cimaturity.coverage]\nfail_under = 120\n", "fail_under: must be between 0 and 100, got 120"),
        ("[tool.cimaturity.coverage]\nfail_under = true\n", "fail_under: expected a number from 0 to 100"),
        ("[tool.cimaturity.coverage]\nfail_under = '70'\n", "fail_under: expected a number from 0 to 100"),
        ("[tool.cimaturity.timeouts]\ntest = -1\n", "timeouts.test: expected a positive number"),
        ("[tool.cimaturity.timeouts]\ntest = true\n", "timeouts.test: expected a positive number"),
        ("[tool.cimaturity]\ntimeouts = 5\n", "timeouts: expected a table of name = seconds"),
        ("[tool.cimaturity.coverage]\nratchet = [1]\n", "ratchet: expected a list of tables"),
        (
            "[tool.cimaturity.coverage]\nratchet = [{ fail_under = 50 }]\n",
            "ratchet[0].from: missing (a date such as 2026-02-07)",
        ),
        (
            "[tool.cimaturity.coverage]\nratchet = [{ from = 'soon', fail_under = 50 }]\n",
            "ratchet[0].from: expected a date such as 2026-02-07, got str 'soon'",
        ),
        (
            '[tool.cimaturity.deps]\nservice = "safety"\n',
            "deps.service: must be 'osv' or 'pypi', got 'safety'",
        ),
        ("[tool]\ncimaturity = 3\n", "[tool.cimaturity] must be a table"),
        ("[tool.cimaturity\n", "not valid TOML"),
    ],
)
def test_bad_values_are_one_line_errors(tmp_path: Path, toml: str, expected: str) -> None:
    pyproject(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ={})
    message = str(caught.value)
    assert message.startswith(f"{tmp_path.resolve() / 'pyproject.toml'}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_project_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="project folder does not exist"):
        load_config(tmp_path / "nope", environ={})


@pytest.mark.parametrize("table", ["skip_checks = ['lnt']", "[tool.cimaturity.timeouts]\nlnt = 5"])
def test_unknown_check_names_in_config_are_rejected(tmp_path: Path, table: str) -> None:
    header = "" if table.startswith("[") else "[tool.cimaturity]\n"
    pyproject(tmp_path, header + table + "\n")
    config = load_config(tmp_path, environ={})
    with pytest.raises(ConfigError, match=r"pyproject\.toml: tool\.cimaturity: unknown check 'lnt'"):
        validate_check_names(config, is_known)


def test_known_check_names_are_accepted(tmp_path: Path) -> None:
    pyproject(tmp_path, "[tool.cimaturity]\nskip_checks = ['dockerfile', 'typecheck']\n")
    validate_check_names(load_config(tmp_path, environ={}), is_known)


# --- the coverage ratchet --------------------------------------------------------------------

PLAN = """\
[tool.cimaturity.coverage]
ratchet = [
  { from = 2026-02-07, fail_under = 40 },
  { from = 2026-02-14, fail_under = 50 },
  { from = 2026-02-21, fail_under = 60 },
  { from = 2026-02-28, fail_under = 70 },
]
"""


@pytest.mark.parametrize(
    ("day", "threshold"),
    [
        (dt.date(2026, 2, 6), 0.0),
        (dt.date(2026, 2, 7), 40.0),
        (dt.date(2026, 2, 13), 40.0),
        (dt.date(2026, 2, 14), 50.0),
        (dt.date(2026, 2, 27), 60.0),
        (dt.date(2026, 2, 28), 70.0),
        (dt.date(2030, 1, 1), 70.0),
    ],
)
def test_ratchet_threshold_by_date(tmp_path: Path, day: dt.date, threshold: float) -> None:
    policy = load_config(pyproject(tmp_path, PLAN), environ={}).coverage
    assert policy.threshold(day) == threshold


def test_fail_under_is_a_floor_under_the_ratchet(tmp_path: Path) -> None:
    toml = PLAN.replace("[tool.cimaturity.coverage]\n", "[tool.cimaturity.coverage]\nfail_under = 45\n")
    policy = load_config(pyproject(tmp_path, toml), environ={}).coverage
    assert policy.threshold(dt.date(2026, 2, 8)) == 45.0  # step says 40, the floor says 45
    assert policy.threshold(dt.date(2026, 2, 15)) == 50.0


def test_ratchet_going_down_is_rejected(tmp_path: Path) -> None:
    pyproject(tmp_path, PLAN.replace("fail_under = 60", "fail_under = 45"))
    with pytest.raises(
        ConfigError, match=r"threshold goes down on 2026-02-21 \(50.0 -> 45.0\); a ratchet only goes up"
    ):
        load_config(tmp_path, environ={})
