"""What applies to a project: service criteria only for a project that ships a service, migration
and integration criteria where there are migrations or a database; found in sub-projects too."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cimaturity.report.project import Launch, Migration, gather_project
from cimaturity.report.rubric import load_rubric
from cimaturity.report.rules import LIBRARY, RuleStatus, action_values
from cimaturity.report.scoring import CriterionResult, CriterionStatus, score_rubric

from . import _report_fixtures as fx

SERVICE_CRITERIA = ("e2e", "performance", "api_contract", "staging", "deployment_validation")
PUBLISH = """on:
  push:
    branches: [main]
  pull_request:
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  publish:
    environment:
      name: pypi
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
"""
FLASK_LIKE = {
    "pyproject.toml": '[project]\nname = "Flask"\ndependencies = ["werkzeug>=3", "click>=8", "flask"]\n',
    "src/flask/__init__.py": "",
    ".devcontainer/devcontainer.json": '{"image": "mcr.microsoft.com/devcontainers/python:3"}\n',
    ".devcontainer/Dockerfile": 'FROM python\nCMD ["sleep", "infinity"]\n',
    "docs/Dockerfile": 'FROM python\nCMD ["python", "-m", "http.server"]\n',
    "examples/tutorial/pyproject.toml": '[project]\nname = "flaskr"\ndependencies = ["flask", "redis"]\n',
    "examples/tutorial/Dockerfile": 'FROM python\nCMD ["flask", "run"]\n',
    ".github/workflows/publish.yaml": PUBLISH,
}
BACKEND = {
    "README.md": "# full stack\n",
    "compose.yml": "services:\n  db:\n    image: postgres:16\n"
    "  backend:\n    build: {context: ., dockerfile: backend/Dockerfile}\n",
    "backend/pyproject.toml": '[project]\nname = "app"\n'
    'dependencies = ["fastapi[standard]", "sqlmodel", "psycopg[binary]"]\n',
    "backend/Dockerfile": "FROM python:3.12\nWORKDIR /app\n"
    'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n',
    "backend/alembic.ini": "[alembic]\nscript_location = app/alembic\n",
    "backend/app/main.py": "app = None\n",
    "frontend/package.json": "{}\n",
}
DJANGO = {
    "manage.py": "import django\n",
    "requirements.txt": "-r requirements/base.txt\n",
    "requirements/base.txt": "Django==5.2\npsycopg2==2.9\ncelery==5.4\n",
    "shop/orders/migrations/0001_initial.py": "",
    "shop/users/migrations/0001_initial.py": "",
    "Procfile": "release: python manage.py migrate\n"
    "web: gunicorn config.wsgi:application\n"
    "worker: celery -A shop worker\n",
    "docker/production.Dockerfile": "FROM python:3.12\nADD . /app\n",
}


def _results(root: Path) -> dict[str, CriterionResult]:
    score = score_rubric(load_rubric(), fx.context(root, fx.evidence()))
    return {r.criterion.id: r for r in score.results}


def test_a_web_framework_library_ships_no_service(tmp_path: Path) -> None:
    """Flask depends on werkzeug (and here on flask itself) but deploys nothing: its dev container,
    docs image, examples and PyPI release do not make it a service."""
    root = fx.write(tmp_path / "flask", FLASK_LIKE)
    results = _results(root)
    for criterion in SERVICE_CRITERIA:
        assert results[criterion].status is CriterionStatus.NOT_APPLICABLE, criterion
        assert results[criterion].evidence.startswith(LIBRARY), results[criterion].evidence
    assert results["e2e"].evidence == LIBRARY
    assert results["integration"].status is CriterionStatus.NOT_APPLICABLE  # redis only in an example
    assert results["migrations"].status is CriterionStatus.NOT_APPLICABLE
    assert results["container_scanning"].status is CriterionStatus.NOT_APPLICABLE
    facts = gather_project(root)
    assert facts.subprojects == ()
    assert facts.launches == ()


def test_a_service_in_backend_applies_and_says_where(tmp_path: Path) -> None:
    root = fx.write(tmp_path / "stack", BACKEND)
    facts = gather_project(root)
    assert facts.subprojects == ("backend",)
    assert facts.migrations == (Migration("Alembic", "backend/alembic.ini"),)
    results = _results(root)
    service = "service: `backend/Dockerfile` runs `uvicorn app.main:app --host 0.0.0.0`"
    for criterion in SERVICE_CRITERIA:
        assert results[criterion].applicable, criterion
        assert results[criterion].rules[0].outcome.evidence == service
    assert results["migrations"].rules[0].outcome.evidence == "migrations: `backend/alembic.ini` (Alembic)"
    assert results["integration"].rules[0].outcome.evidence == (
        "database: psycopg, sqlmodel (`backend/pyproject.toml`)"
    )
    assert results["container_scanning"].rules[0].outcome.evidence == "applies: `backend/Dockerfile` exists"


def test_a_django_service_with_migrations_and_a_procfile(tmp_path: Path) -> None:
    root = fx.write(tmp_path / "django", DJANGO)
    facts = gather_project(root)
    assert Launch("Procfile", "Procfile", "web", "gunicorn config.wsgi:application") in facts.launches
    assert facts.migrations == (Migration("Django", "shop/orders/migrations/ (and 1 more app(s))"),)
    results = _results(root)
    assert results["e2e"].rules[0].outcome.evidence == (
        "service: `Procfile` `web` process runs `gunicorn config.wsgi:application`"
    )
    assert results["migrations"].applicable
    assert (
        results["integration"].rules[0].outcome.evidence
        == "database: django, psycopg2 (`requirements/base.txt`)"
    )
    assert results["container_scanning"].rules[0].outcome.evidence == (
        "applies: `docker/production.Dockerfile` exists"
    )


def test_a_reusable_django_app_ships_migrations_without_a_manage_py(tmp_path: Path) -> None:
    """jazzband/django-oauth-toolkit: no manage.py, but an app that depends on Django and ships
    `oauth2_provider/migrations/`, which its users apply. A migrations folder of a project that
    does not use Django is not Django's."""
    app = {
        "pyproject.toml": '[project]\nname = "oauth"\nversion = "1"\ndependencies = ["django>=4.2"]\n',
        "oauth2_provider/__init__.py": "",
        "oauth2_provider/migrations/__init__.py": "",
        "oauth2_provider/migrations/0001_initial.py": "",
        "tests/app/migrations/0001_initial.py": "",  # a test project's: not shipped
    }
    facts = gather_project(fx.write(tmp_path / "app", app))
    assert facts.migrations == (Migration("Django", "oauth2_provider/migrations/"),)
    other = {**app, "pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["peewee"]\n'}
    assert gather_project(fx.write(tmp_path / "other", other)).migrations == ()


def test_a_compose_app_is_a_service_but_a_database_container_is_not(tmp_path: Path) -> None:
    app = (
        "services:\n  web:\n    build: .\n    command: gunicorn shop.wsgi -b 0.0.0.0:8000\n"
        "  db:\n    image: postgres\n"
    )
    root = fx.write(tmp_path / "app", {"docker-compose.yml": app})
    assert _results(root)["e2e"].rules[0].outcome.evidence == (
        "service: `docker-compose.yml` service `web` runs `gunicorn shop.wsgi -b 0.0.0.0:8000`"
    )
    only_db = fx.write(tmp_path / "lib", {"docker-compose.yml": "services:\n  db:\n    image: postgres\n"})
    assert not _results(only_db)["e2e"].applicable


@pytest.mark.parametrize(
    ("files", "evidence"),
    [
        (
            {
                ".github/workflows/cd.yml": "on: push\njobs:\n  ship:\n    environment: production\n"
                "    steps:\n      - run: kubectl apply -f k8s/\n"
            },
            "service: deploy job `ship` in `.github/workflows/cd.yml`",
        ),
        (
            {"pyproject.toml": '[tool.cimaturity.service]\napp = "api.main:app"\n'},
            "service: `pyproject.toml` declares [tool.cimaturity.service]",
        ),
        (
            {"Dockerfile": "FROM python\nCMD python -m app.server\n"},
            "service: `Dockerfile` runs `python -m app.server`",
        ),
    ],
)
def test_other_signs_of_a_service(tmp_path: Path, files: dict[str, str], evidence: str) -> None:
    results = _results(fx.write(tmp_path / "p", files))
    assert results["staging"].rules[0].outcome.evidence == evidence


def test_a_cli_image_is_not_a_service_and_the_reason_says_what_it_runs(tmp_path: Path) -> None:
    root = fx.write(tmp_path / "cli", {"Dockerfile": 'FROM python\nENTRYPOINT ["black"]\n'})
    result = _results(root)["e2e"]
    assert result.status is CriterionStatus.NOT_APPLICABLE
    assert result.evidence == f"{LIBRARY} (`Dockerfile` runs `black`: not a server)"
    assert _results(root)["container_scanning"].applicable  # its image is still worth scanning


def test_aerich_migrations(tmp_path: Path) -> None:
    root = fx.write(tmp_path / "t", {"pyproject.toml": '[tool.aerich]\ntortoise_orm = "app.db.TORTOISE"\n'})
    result = _results(root)["migrations"]
    assert result.rules[0].outcome.evidence == "migrations: `pyproject.toml` (aerich)"
    assert _results(root)["integration"].applicable  # migrations mean a database


def test_codeowners_and_settings_are_read_at_the_git_root(tmp_path: Path) -> None:
    repo = fx.write(
        tmp_path / "repo",
        {
            ".github/CODEOWNERS": "* @team\n",
            ".github/settings.yml": "branches:\n  - name: main\n    protection:\n"
            "      required_status_checks:\n        contexts: [tests]\n",
            ".github/workflows/ci.yml": "on: [push, pull_request]\n"
            "jobs:\n  tests:\n    steps:\n      - run: pytest\n",
            **BACKEND,
        },
    )
    (repo / ".git").mkdir()
    facts = gather_project(repo / "backend")
    assert facts.prefix == "backend"
    assert facts.locate(".github/CODEOWNERS") == ".github/CODEOWNERS"
    assert facts.locate("Dockerfile") == "backend/Dockerfile"
    assert facts.text(".github/settings.yml") is not None
    assert facts.default_branch is None  # neither origin's HEAD nor a push branch


def test_default_branch_from_origin_head_else_push_branches(tmp_path: Path) -> None:
    repo = fx.write(tmp_path / "repo", {"app.py": "", ".github/workflows/ci.yml": PUBLISH})
    assert gather_project(repo).default_branch == "main"  # not a git repository: the push branch
    git = ["git", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run(
        [*git, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk"], check=True
    )
    assert gather_project(repo).default_branch == "trunk"


def test_rule_outcomes_of_a_library_are_not_applicable_not_unmet(tmp_path: Path) -> None:
    """Leaving the service criteria out raises a library's maximum, not its points."""
    root = fx.write(tmp_path / "flask", FLASK_LIKE)
    score = score_rubric(load_rubric(), fx.context(root, fx.evidence()))
    assert score.max_points == 100 - 3 - 2 - 2 - 1 - 2 - 4 - 3 - 3
    assert all(
        r.rules[0].outcome.status is RuleStatus.NOT_APPLICABLE for r in score.results if not r.applicable
    )


def test_next_action_values_name_the_projects_own_files(tmp_path: Path) -> None:
    django = fx.write(
        tmp_path / "django",
        {
            **DJANGO,
            "docker/local.Dockerfile": "FROM python\n",
            ".github/workflows/backend-tests.yml": "on: push\njobs:\n  b:\n    steps:\n"
            "      - name: Run tests\n        run: bash scripts/test.sh\n",
        },
    )
    values = action_values(fx.context(django, fx.evidence()))
    assert values["dockerfile"] == "`docker/production.Dockerfile`"  # the shipped image, not local
    assert values["test_job"] == "job `b` (`.github/workflows/backend-tests.yml`)"
    assert values["service"] == "the service (`Procfile`)"
    assert values["default_branch"] == "the default branch"
    bare = action_values(fx.context(fx.write(tmp_path / "bare", {"a.py": ""}), fx.evidence()))
    assert bare["ci_workflow"] == "the CI workflow (`.github/workflows/ci.yml`)"
    assert bare["dockerfile"] == "the Dockerfile" and bare["service"] == "the service"
