"""Rules over project facts gathered from tiny repositories: the databases and caches a project
uses and the jobs providing them, its local CI entry points, and run metrics (lint that failed
on formatting alone, a suite standing in for a missing integration suite)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cimaturity.report.evidence import METRIC_COLUMNS, Evidence
from cimaturity.report.loaders import load_evidence
from cimaturity.report.project import ComposeService, Datastore, gather_project
from cimaturity.report.rubric import load_rubric
from cimaturity.report.rules import RULES, RuleOutcome, RuleStatus

from . import _report_fixtures as fx
from .test_loaders_evidence import write_run_json


def _apply(criterion: str, name: str, root: Path, ev: Evidence | None = None) -> RuleOutcome:
    use = next(use for use in load_rubric().criterion(criterion).rules if use.name == name)
    return RULES[use.name].fn(fx.context(root, ev if ev is not None else fx.evidence()), use.params)


def _metrics(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(METRIC_COLUMNS))


WORKFLOW = "on: push\njobs:\n  t:\n    steps:\n"
SERVICES = (
    "on: push\njobs:\n  t:\n    services:\n      db: {image: 'postgres:16'}\n"
    "    steps:\n      - run: pytest\n"
)


# --- which servers the project uses -----------------------------------------------------------


def test_datastores_come_from_drivers_extras_and_database_urls(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "requirements/base.txt": "Django==5.2\ncelery[redis]==5.5\n",
            "config/settings/base.py": "# redis://commented\nDB = env.db(default='postgres:///app')\n",
            "pyproject.toml": (
                "[tool.poetry.dependencies]\npython = '^3.12'\nkombu = {version='5', extras=['mongodb']}\n"
            ),
            "tests/settings.py": "DB = 'mysql://test'\n",  # tests do not say what the project uses
        },
    )
    assert gather_project(root).datastores == (
        Datastore("redis", "celery[redis] in `requirements/base.txt`"),
        Datastore("mongo", "kombu[mongodb] in `pyproject.toml`"),
        Datastore("postgres", "postgres:// in `config/settings/base.py:2`"),
    )


def test_an_orm_naming_no_server_needs_some_database_and_sqlite_none(tmp_path: Path) -> None:
    orm = gather_project(fx.write(tmp_path / "orm", {"requirements.txt": "SQLAlchemy==2\n"}))
    assert orm.datastores == (
        Datastore(
            "database", "sqlalchemy in `requirements.txt` names no server: no driver, URL or engine found"
        ),
    )
    sqlite = gather_project(
        fx.write(
            tmp_path / "lite",
            {"requirements.txt": "sqlalchemy\n", "app/config.py": "URL = 'sqlite:///x.db'\n"},
        )
    )
    assert sqlite.datastores == (Datastore("sqlite", "sqlite:/// in `app/config.py:1`"),)


def test_compose_services_are_named_from_the_workflows_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    fx.write(
        tmp_path,
        {
            "compose.yml": "services:\n  db:\n    image: postgres:18\n  backend:\n    build: backend\n",
            "backend/pyproject.toml": "[project]\nname = 'b'\n",
            "backend/docker/compose.test.yml": "services:\n  cache:\n    image: redis:7\n",
        },
    )
    assert gather_project(tmp_path / "backend").compose_services == (
        ComposeService("backend/docker/compose.test.yml", "cache", "redis:7"),
        ComposeService("compose.yml", "db", "postgres:18"),
        ComposeService("compose.yml", "backend", ""),
    )


# --- a job providing them ---------------------------------------------------------------------


def test_only_the_servers_the_project_uses_are_required(tmp_path: Path) -> None:
    postgres_only = fx.write(
        tmp_path / "pg", {"requirements.txt": "psycopg2==2.9\n", ".github/workflows/ci.yml": SERVICES}
    )
    outcome = _apply("integration", "job_with_services", postgres_only)
    assert outcome.status is RuleStatus.MET
    assert outcome.evidence == (
        "integration: .github/workflows/ci.yml:7 job `t` step “pytest” with postgres "
        "(job services: postgres); needed: postgres (psycopg2 in `requirements.txt`)"
    )
    with_redis = fx.write(
        tmp_path / "redis",
        {"requirements.txt": "psycopg[binary]==3\ncelery[redis]==5\n", ".github/workflows/ci.yml": SERVICES},
    )
    outcome = _apply("integration", "job_with_services", with_redis)
    assert outcome.status is RuleStatus.UNMET
    assert outcome.evidence == (
        "no job provides postgres, redis: job `t` provides postgres only; "
        "needed: postgres (psycopg in `requirements.txt`); redis (celery[redis] in `requirements.txt`)"
    )
    assert outcome.missing == "a job providing postgres, redis that runs the integration tests"


def test_a_database_started_by_docker_compose_before_the_tests_counts(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": "[project]\nname = 'x'\ndependencies = ['asyncpg>=0.29']\n",
        "compose.yml": "services:\n  db:\n    image: postgres:18\n  mail:\n    image: axllent/mailpit\n",
        ".github/workflows/ci.yml": WORKFLOW
        + "      - run: docker compose up -d db mail\n      - name: Run tests\n        run: pytest tests\n",
    }
    outcome = _apply("integration", "job_with_services", fx.write(tmp_path / "before", files))
    assert outcome.status is RuleStatus.MET
    assert outcome.evidence == (
        "integration: .github/workflows/ci.yml:6 job `t` step “Run tests” with postgres (started by "
        "`docker compose up -d db mail` at .github/workflows/ci.yml:5: `compose.yml` service `db`, image "
        "postgres:18); needed: postgres (asyncpg in `pyproject.toml`)"
    )
    after = dict(files)
    after[".github/workflows/ci.yml"] = (
        WORKFLOW + "      - run: pytest tests\n      - run: docker compose up -d db\n"
    )
    outcome = _apply("integration", "job_with_services", fx.write(tmp_path / "after", after))
    assert outcome.status is RuleStatus.UNMET
    assert outcome.evidence == (
        "job `t` provides postgres but runs no blocking integration step after that; "
        "needed: postgres (asyncpg in `pyproject.toml`)"
    )
    other_service = dict(files)
    other_service[".github/workflows/ci.yml"] = (
        WORKFLOW + "      - run: docker compose up -d mail\n      - run: pytest\n"
    )
    outcome = _apply("integration", "job_with_services", fx.write(tmp_path / "mail", other_service))
    assert outcome.status is RuleStatus.UNMET


def test_docker_run_and_setup_actions_start_servers_too(tmp_path: Path) -> None:
    run = fx.write(
        tmp_path / "run",
        {
            "requirements.txt": "mysqlclient\n",
            ".github/workflows/ci.yml": WORKFLOW
            + "      - run: docker run -d --name db -e MYSQL_ROOT_PASSWORD=x -p 3306:3306 mariadb:11\n"
            + "      - run: python manage.py test\n",
        },
    )
    outcome = _apply("integration", "job_with_services", run)
    assert outcome.evidence == (
        "integration: .github/workflows/ci.yml:6 job `t` step “python manage.py test” with mysql (started by "
        "`docker run -d --name db -e MYSQL_ROOT_PASSWORD=x -p 3306:3306 mariadb:11` at "
        ".github/workflows/ci.yml:5); needed: mysql (mysqlclient in `requirements.txt`)"
    )
    action = fx.write(
        tmp_path / "action",
        {
            "requirements.txt": "redis\n",
            ".github/workflows/ci.yml": WORKFLOW
            + "      - uses: supercharge/redis-github-action@1.8.0\n      - run: py.test\n",
        },
    )
    assert _apply("integration", "job_with_services", action).status is RuleStatus.MET


def test_django_url_and_sqlite_decide_what_is_needed(tmp_path: Path) -> None:
    django = fx.write(
        tmp_path / "django",
        {
            "requirements.txt": "Django==5\n",
            "config/settings/base.py": "DATABASES = {'default': env.db('DATABASE_URL', default='postgres:///app')}\n",
            ".github/workflows/ci.yml": SERVICES.replace("pytest", "py.test"),
        },
    )
    outcome = _apply("integration", "job_with_services", django)
    assert outcome.evidence == (
        "integration: .github/workflows/ci.yml:7 job `t` step “py.test” with postgres "
        "(job services: postgres); needed: postgres (postgres:// in `config/settings/base.py:1`)"
    )
    sqlite = fx.write(
        tmp_path / "sqlite",
        {
            "requirements.txt": "sqlalchemy\n",
            "app/settings.py": "URL = 'sqlite:///db.sqlite3'\n",
            ".github/workflows/ci.yml": WORKFLOW + "      - run: pytest\n",
        },
    )
    outcome = _apply("integration", "job_with_services", sqlite)
    assert outcome.status is RuleStatus.MET
    assert outcome.evidence == (
        "integration: .github/workflows/ci.yml:5 job `t` step “pytest”; "
        "needed: no database server (sqlite: sqlite:/// in `app/settings.py:1`)"
    )


def test_migrations_need_the_database_not_the_cache(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "requirements.txt": "sqlalchemy\nredis\n",
            "alembic.ini": "[alembic]\n",
            ".github/workflows/ci.yml": (
                "on: push\njobs:\n  m:\n    services:\n      pg: {image: 'postgres:15'}\n"
                "    steps:\n      - run: alembic downgrade -1\n"
            ),
        },
    )
    outcome = _apply("migrations", "job_with_services", root)
    assert outcome.status is RuleStatus.MET
    assert outcome.evidence == (
        "migration: .github/workflows/ci.yml:7 job `m` step “alembic downgrade -1” with postgres "
        "(job services: postgres); needed: a database server (sqlalchemy in `requirements.txt` names no "
        "server: no driver, URL or engine found)"
    )


# --- run evidence: a stand-in suite, lint failing on formatting alone -------------------------

NO_SUITE = "not applicable: no integration suite (tests/integration not found)"


def test_the_unit_suite_stands_in_for_a_missing_integration_suite_at_half(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(("test", "passed", "40 passed"), ("integration", "skipped", NO_SUITE)),
        tests=fx.tests_frame("test", passed=40),
    )
    outcome = _apply("integration", "tests_passed", tmp_path, ev)
    assert (outcome.status, outcome.fraction) == (RuleStatus.PARTIAL, 0.5)
    assert outcome.evidence == (
        f"no separate `integration` suite ({NO_SUITE}); the `test` suite stands in: "
        "40 passed, 0 failed, 0 skipped (test)"
    )
    failing = fx.evidence(
        checks=fx.checks(("test", "failed", "1 failed"), ("integration", "skipped", NO_SUITE)),
        tests=fx.tests_frame("test", passed=39, failed=1),
    )
    assert _apply("integration", "tests_passed", tmp_path, failing).status is RuleStatus.UNMET


def test_a_stand_in_that_cannot_run_here_is_no_evidence(tmp_path: Path) -> None:
    ev = fx.evidence(
        checks=fx.checks(
            ("test", "error", "no project environment: needs 3.14"), ("integration", "skipped", NO_SUITE)
        )
    )
    outcome = _apply("integration", "tests_passed", tmp_path, ev)
    assert outcome.status is RuleStatus.NO_EVIDENCE
    assert outcome.evidence == (
        f"no separate `integration` suite ({NO_SUITE}); the `test` suite would stand in, but "
        "`test` errored: no project environment: needs 3.14"
    )
    # left out of the run (a profile), not missing: nothing stands in
    profile = fx.evidence(
        checks=fx.checks(("test", "passed", "ok"), ("integration", "skipped", "not in the quick profile")),
        tests=fx.tests_frame("test", passed=3),
    )
    outcome = _apply("integration", "tests_passed", tmp_path, profile)
    assert outcome == RuleOutcome.no_evidence(
        "`integration` skipped: not in the quick profile", "a `integration` result"
    )


def test_lint_failing_on_formatting_alone_is_partial(tmp_path: Path) -> None:
    reason = "9 file(s) need formatting, first: config/urls.py: needs formatting [ruff, ruff-format]"
    drift = fx.evidence(
        checks=fx.checks(("lint", "failed", reason)),
        metrics=_metrics(("lint", "violations", 0.0), ("lint", "unformatted_files", 9.0)),
    )
    outcome = _apply("lint", "check_passed", tmp_path, drift)
    assert (outcome.status, outcome.fraction) == (RuleStatus.PARTIAL, 0.5)
    assert outcome.evidence == f"`lint` failed: formatting drift in 9 file(s); linting clean ({reason})"
    assert outcome.missing == "make the `lint` gate pass (unformatted_files 9)"
    violations = fx.evidence(
        checks=fx.checks(("lint", "failed", "2 violation(s)")),
        metrics=_metrics(("lint", "violations", 2.0), ("lint", "unformatted_files", 9.0)),
    )
    assert _apply("lint", "check_passed", tmp_path, violations).status is RuleStatus.UNMET
    unknown = fx.evidence(checks=fx.checks(("lint", "failed", reason)))  # no metrics recorded
    assert _apply("lint", "check_passed", tmp_path, unknown).status is RuleStatus.UNMET


def test_run_json_metrics_reach_the_evidence(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    write_run_json(
        reports, tmp_path, {"lint": [], "sast": []}, {"lint": {"violations": 0.0, "unformatted_files": 9.0}}
    )
    evidence = load_evidence(reports)
    assert evidence.metric("lint", "unformatted_files") == 9.0
    assert evidence.metric("lint", "violations") == 0.0
    assert evidence.metric("sast", "violations") is None
    assert tuple(evidence.metrics.columns) == METRIC_COLUMNS
    assert str(evidence.metrics["value"].dtype) == "float64"


# --- local CI entry points ----------------------------------------------------------------------

TOX = """[project]
name = "x"
[tool.tox]
env_list = ["py3.12", "style", "typing"]
[tool.tox.env_run_base]
commands = [["pytest", "-v"]]
[tool.tox.env.style]
commands = [["pre-commit", "run", "--all-files"]]
[tool.tox.env.typing]
commands = [["mypy"]]
"""
PRE_COMMIT = (
    "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n    rev: v0.6.0\n"
    "    hooks:\n      - id: ruff\n      - id: ruff-format\n"
)
CI_RUFF_MYPY_TESTS = (
    WORKFLOW + "      - run: ruff check .\n      - run: mypy src\n      - run: bash scripts/test.sh\n"
)


def _local(root: Path) -> RuleOutcome:
    return _apply("local_validation", "local_entry_point", root)


def test_tox_in_pyproject_running_what_ci_runs_is_met(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "pyproject.toml": TOX,
            ".pre-commit-config.yaml": PRE_COMMIT,
            ".github/workflows/ci.yml": WORKFLOW
            + "      - run: tox\n      - run: pre-commit run --all-files\n",
        },
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.MET
    # lint comes through the style env's pre-commit run, one hop further
    assert outcome.evidence == (
        "local CI entry point: tox envs in pyproject.toml [tool.tox]; "
        "it runs tests, lint, typecheck, as the CI does"
    )


def test_nox_needs_only_what_ci_runs(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "noxfile.py": (
                "import nox\n\n@nox.session\ndef tests(session):\n    session.run('pytest')\n\n"
                "@nox.session\ndef lint(session):\n    session.run('ruff', 'check', '.')\n"
            ),
            ".github/workflows/ci.yml": WORKFLOW + "      - run: nox -s tests\n",
        },
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.MET
    assert (
        outcome.evidence
        == "local CI entry point: noxfile.py sessions tests, lint; it runs tests, as the CI does"
    )


def test_scripts_split_by_concern_are_partial_and_name_the_ones_ci_runs(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "scripts/test.sh": "#!/bin/sh\npytest -q\n",
            "scripts/lint.sh": "#!/bin/sh\nruff check .\nmypy src\n",
            "scripts/bootstrap.sh": "#!/bin/sh\ncreatedb app\n",
            ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS,
        },
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.PARTIAL
    assert abs(outcome.fraction - (3 + 2) / 6) < 1e-9  # all three kinds, two of them in one command
    assert outcome.evidence == (
        "script: scripts/lint.sh (lint, typecheck); script the CI runs: scripts/test.sh (tests): "
        "tests, lint, typecheck run locally, but no single command runs them all"
    )


def test_a_kind_ci_runs_but_no_local_command_does_is_named(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path,
        {
            "Makefile": ".PHONY: test lint\ntest:\n\tpytest\nlint:\n\truff check .\n",
            ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS,
        },
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.PARTIAL and abs(outcome.fraction - 2 / 3) < 1e-9
    assert outcome.evidence == (
        "Makefile targets test, lint (tests, lint); CI also runs typecheck, which no local command runs"
    )
    assert outcome.missing == "run typecheck locally too, in one command with the rest"


def test_formatter_hooks_alone_are_not_the_ci_checks(tmp_path: Path) -> None:
    root = fx.write(
        tmp_path, {".pre-commit-config.yaml": PRE_COMMIT, ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS}
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.UNMET
    assert (
        outcome.evidence
        == "no local command runs the tests: pre-commit hooks in .pre-commit-config.yaml (lint)"
    )
    nothing = _local(fx.write(tmp_path / "none", {".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS}))
    assert nothing.status is RuleStatus.UNMET
    assert nothing.evidence == (
        "no local CI entry point (tox, nox, pre-commit, Makefile, justfile, hatch or pdm scripts, tasks.py, "
        "shell scripts in scripts/ or bin/)"
    )


def test_hatch_pdm_just_and_invoke_tasks_are_entry_points(tmp_path: Path) -> None:
    projects = {
        "hatch": {
            "pyproject.toml": (
                "[project]\nname = 'x'\n[tool.hatch.envs.default.scripts]\ntest = 'pytest {args}'\n"
                "[tool.hatch.envs.lint.scripts]\nall = ['ruff check .', 'mypy src']\n"
            )
        },
        "pdm": {
            "pyproject.toml": (
                "[project]\nname = 'x'\n[tool.pdm.scripts]\n_ = {env_file = '.env'}\ntest = 'pytest'\n"
                "lint = {composite = ['ruff check .', 'mypy src']}\n"
            )
        },
        "just": {
            "justfile": (
                "set shell := ['bash', '-c']\n\n"
                "check: test\n    ruff check .\n    mypy src\n\ntest:\n    pytest\n"
            )
        },
        "invoke": {
            "tasks.py": (
                "from invoke import task\n\n@task\ndef test(c):\n    c.run('pytest -q')\n\n"
                "@task\ndef check(c):\n    c.run(f'ruff check {SRC}')\n    c.run('mypy src')\n"
            )
        },
        # cimaturity's own `invoke ci` runs every check
        "invoke-ci": {"tasks.py": "from invoke import task\n\n@task\ndef ci(c):\n    run_everything(c)\n"},
    }
    evidence = {}
    for name, files in projects.items():
        outcome = _local(fx.write(tmp_path / name, {**files, ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS}))
        assert outcome.status is RuleStatus.MET, (name, outcome)
        evidence[name] = outcome.evidence.split(";")[0]
    assert evidence == {
        "hatch": "local CI entry point: hatch scripts in pyproject.toml [tool.hatch.envs.*.scripts]",
        "pdm": "local CI entry point: pdm scripts in pyproject.toml [tool.pdm.scripts]",
        "just": "local CI entry point: justfile recipes check, test",
        "invoke": "local CI entry point: invoke tasks in tasks.py test, check",
        "invoke-ci": "local CI entry point: invoke tasks in tasks.py ci",
    }


def test_shell_scripts_without_a_suffix_are_entry_points_and_other_files_are_not(tmp_path: Path) -> None:
    """encode's layout (httpx): `scripts/test` runs `scripts/check` (ruff, mypy) and pytest; the
    workflow runs both. Notes, a Python helper and a Node `#!` in scripts/ are not shell."""
    root = fx.write(
        tmp_path,
        {
            "scripts/test": '#!/bin/sh\nset -ex\nscripts/check\ncoverage run -m pytest "$@"\n',
            "scripts/check": "#!/bin/sh -e\nruff format src --diff\nmypy src\nruff check src\n",
            "scripts/release.py": "#!/usr/bin/env python\nprint('pytest')\n",
            "scripts/notes": "pytest is run by scripts/test\n",
            "scripts/node-tool": "#!/usr/bin/env node\nconsole.log('pytest')\n",
            ".github/workflows/ci.yml": WORKFLOW + "      - run: scripts/check\n      - run: scripts/test\n",
        },
    )
    outcome = _local(root)
    assert outcome.status is RuleStatus.MET, outcome
    assert outcome.evidence == (
        "local CI entry point: script the CI runs: scripts/test; "
        "it runs tests, lint, typecheck, as the CI does"
    )
    scripts = [entry.source for entry in gather_project(root).local_entries if entry.tool == "script"]
    assert sorted(scripts) == ["scripts/check", "scripts/test"]


def test_a_script_passing_its_arguments_to_invoke_ci_runs_every_check(tmp_path: Path) -> None:
    """`exec invoke ci "$@"` run bare is the whole CI; `invoke ci --only lint "$@"` is lint only."""
    whole = {"scripts/ci.sh": '#!/bin/sh\nexec .venv/bin/invoke ci "$@"\n'}
    partial = {"scripts/ci.sh": '#!/bin/sh\nexec .venv/bin/invoke ci --only lint "$@"\n'}
    met = _local(fx.write(tmp_path / "whole", {**whole, ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS}))
    assert met.status is RuleStatus.MET, met
    assert met.evidence.startswith("local CI entry point: script: scripts/ci.sh")
    lint_only = _local(
        fx.write(tmp_path / "partial", {**partial, ".github/workflows/ci.yml": CI_RUFF_MYPY_TESTS})
    )
    assert lint_only.status is not RuleStatus.MET, lint_only


def test_a_subfolder_project_sees_its_own_scripts_and_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    fx.write(
        tmp_path,
        {
            "backend/pyproject.toml": "[project]\nname = 'b'\n",
            "backend/scripts/tests-start.sh": "#!/bin/sh\npython app/pre_start.py\nbash scripts/test.sh\n",
            "backend/scripts/test.sh": "#!/bin/sh\ncoverage run -m pytest tests/\n",
            "backend/scripts/lint.sh": "#!/bin/sh\nmypy app\nruff check app\n",
            ".pre-commit-config.yaml": PRE_COMMIT,
            ".github/workflows/ci.yml": (
                WORKFLOW + "      - run: bash scripts/tests-start.sh\n        working-directory: backend\n"
                "      - run: pre-commit run --all-files\n      - run: mypy backend/app\n"
            ),
        },
    )
    entries = gather_project(tmp_path / "backend").local_entries
    assert [(e.tool, e.source) for e in entries] == [
        ("script", "backend/scripts/lint.sh"),
        ("script", "backend/scripts/test.sh"),
        ("script", "backend/scripts/tests-start.sh"),
        ("pre-commit", ".pre-commit-config.yaml"),
    ]
    outcome = _local(tmp_path / "backend")
    assert outcome.status is RuleStatus.PARTIAL
    assert outcome.evidence == (
        "script: backend/scripts/lint.sh (lint, typecheck); script the CI runs: backend/scripts/test.sh "
        "(tests); script the CI runs: backend/scripts/tests-start.sh (tests); pre-commit hooks in "
        ".pre-commit-config.yaml (lint): tests, lint, typecheck run locally, "
        "but no single command runs them all"
    )
