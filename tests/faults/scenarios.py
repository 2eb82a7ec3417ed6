"""One tiny project and one set of clean fake tools per check: the ground the faults are laid on.

Every check runs on the same small project (a package, unit/integration/e2e suites, a locustfile,
a Dockerfile, alembic.ini, an OpenAPI spec, a pinned requirements file, a declared web service),
so each is applicable. `Scenario.tools` are the fakes that make the check pass (the control
case proves it); a fault replaces the behaviour of `Scenario.faulted`, the tool the check is
about:

- `ruff`: an executable on PATH;
- `python -m pytest`: a module of the project's environment (a fake interpreter, first on PATH
  as the project's scripts folder, as the runner arranges for checks that run project code);
- `helper secrets_history`: cimaturity's own helper, run as `python -m cimaturity.tools.X` by
  absolute interpreter path, so PATH cannot reach it: the check's command is given the fake's
  path instead (the only thing changed in the check; its gate and the runner are the real ones).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tests.faults import artifacts as a
from tests.faults.fakes import Fake, Tool

PYPROJECT = """\
[project]
name = "faulty"
version = "0.1.0"

[tool.cimaturity]
source_paths = ["pkg"]
test_paths = ["tests"]
unit_test_paths = ["tests/unit"]
typecheck_paths = ["pkg"]
requirements = ["requirements.txt"]

[tool.cimaturity.service]
app = "app:app"
health = "/health"
"""

CI_WORKFLOW = """\
name: ci
on: [push, pull_request]
jobs:
  checks:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - run: pip install -r requirements.txt
      - run: invoke ci
"""

PROJECT: Mapping[str, str] = {
    "pyproject.toml": PYPROJECT,
    "pkg/__init__.py": "",
    "pkg/mod.py": "def answer() -> int:\n    return 42\n",
    "app.py": "app = None  # the fake interpreter's uvicorn serves /health\n",
    "tests/__init__.py": "",
    "tests/unit/test_mod.py": "def test_answer() -> None:\n    assert 42 == 42\n",
    "tests/integration/test_db.py": "def test_db() -> None:\n    pass\n",
    "tests/e2e/test_journey.py": "def test_journey() -> None:\n    pass\n",
    "tests/load/locustfile.py": "# a load test (Locust is faked)\n",
    "requirements.txt": "requests==2.31.0\n",
    "Dockerfile": 'FROM python:3.11-slim\nCMD ["python", "-m", "pkg"]\n',
    "alembic.ini": "[alembic]\nscript_location = migrations\n",
    # CI on every push and PR running every check: the workflow half of each criterion is met,
    # so whether a criterion reading a check is met depends on that check's result alone.
    ".github/workflows/ci.yml": CI_WORKFLOW,
    "docs/api_v2_spec.yaml": "openapi: 3.0.3\ninfo: {title: faulty, version: '1'}\npaths: {}\n",
}

# The docs check's project: the fixture's one job documented, as `invoke docs` would name it.
DOCUMENTED: Mapping[str, str] = {
    **PROJECT,
    ".github/WORKFLOW_DOCUMENTATION.md": (
        "# Workflows\n\n| job | runs |\n|---|---|\n| `checks` | `invoke ci` |\n"
    ),
}

# The audit check's project: a workflow its own rules find nothing in (actions pinned, a timeout,
# read-only permissions), so the control passes on the fake actionlint and zizmor alone.
AUDITED: Mapping[str, str] = {
    **PROJECT,
    ".github/workflows/ci.yml": """\
name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  checks:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          fetch-depth: 0
      - run: pip install -r requirements.txt
      - run: invoke ci
""",
}
WORKFLOW = ".github/workflows/ci.yml"
ZIZMOR_LOG = f"INFO audit: zizmor: completed {WORKFLOW}"

PYTHON_VERSION = "Python 3.11.9"
SERVE = Fake(program="serve")
INTERPRETER = Tool(PYTHON_VERSION)
WITH_SERVICE = Tool(PYTHON_VERSION, modules={"uvicorn": SERVE})
SECRETS_PROPERTIES = {"commits_scanned": 1, "shallow": False, "baseline": None, "baseline_entries": 0}


@dataclass(frozen=True)
class Scenario:
    tools: Mapping[str, Tool]  # name on PATH -> clean fake
    faulted: str  # `tool`, `python -m MODULE` or `helper MODULE`
    modules: frozenset[str] = frozenset()  # installed in the fake project environment
    git: bool = False  # the project must be a git repository
    files: Mapping[str, str] = field(default_factory=lambda: PROJECT)
    env: Mapping[str, str] = field(default_factory=dict)  # added to the check's environment


def _pytest(*artifacts: tuple[str, str], version: str = "pytest 8.3.3", **more: Fake) -> Tool:
    clean = Fake(writes=dict(artifacts), output="2 passed in 0.01s")
    return Tool(version, modules={"pytest": clean, **more})


SCENARIOS: Mapping[str, Scenario] = {
    "lint": Scenario(
        {
            "ruff": Tool(
                "ruff 0.6.9", Fake(writes={"ruff.sarif": a.sarif("ruff")}, output="All checks passed!")
            )
        },
        "ruff",
    ),
    "typecheck": Scenario(
        {
            "mypy": Tool(
                "mypy 1.11.2 (compiled: yes)",
                Fake(
                    writes={"mypy.xml": a.junit("passed", file="pkg/mod.py")},
                    output="Success: no issues found in 2 source files",
                ),
            ),
            "python": INTERPRETER,
        },
        "mypy",
    ),
    "test": Scenario(
        {
            "python": _pytest(
                ("junit.xml", a.junit("passed", "passed")),
                ("coverage.json", a.coverage_json(100.0)),
                ("coverage.xml", a.COVERAGE_XML),
                # `coverage json` after the run: the fake pytest already wrote the report.
                coverage=Fake(output="Wrote JSON report to coverage.json"),
            )
        },
        "python -m pytest",
        modules=frozenset({"pytest", "pytest_cov"}),
    ),
    "dockerfile": Scenario(
        {
            "hadolint": Tool(
                "Haskell Dockerfile Linter 2.12.0", Fake(writes={"hadolint.sarif": a.sarif("hadolint")})
            )
        },
        "hadolint",
    ),
    # bandit runs through cimaturity.tools.bandit (its SARIF formatter's crash worked around): the
    # fake stands for both the helper and the `bandit` the check requires on PATH.
    "sast": Scenario(
        {"bandit": Tool("bandit 1.7.10", Fake(writes={"bandit.sarif": a.sarif("Bandit")}))}, "helper bandit"
    ),
    "deps": Scenario(
        {
            "pip-audit": Tool(
                "pip-audit 2.7.3",
                Fake(
                    writes={"pip-audit-requirements.txt.json": a.pip_audit(a.audited())},
                    output="No known vulnerabilities found",
                ),
            )
        },
        "pip-audit",
    ),
    "secrets": Scenario(
        {
            "detect-secrets": Tool("1.5.0"),
            "secrets_history": Tool(
                "helper",
                Fake(
                    writes={"secrets.sarif": a.sarif("detect-secrets", properties=SECRETS_PROPERTIES)},
                    output="secrets: 0 potential secret(s), 0 unaudited; scanned 1 commit(s)",
                ),
            ),
        },
        "helper secrets_history",
        git=True,
    ),
    "sbom": Scenario(
        {
            "cyclonedx-py": Tool(
                "cyclonedx-py 4.6.1", Fake(writes={"sbom.cdx.json": a.cyclonedx(("requests", "2.31.0"))})
            ),
            "pip-licenses": Tool(
                "pip-licenses 5.0.0",
                Fake(
                    writes={
                        "licenses.json": a.pip_licenses(("requests", "2.31.0", "Apache Software License"))
                    }
                ),
            ),
            "python": INTERPRETER,
        },
        "cyclonedx-py",
    ),
    "docs": Scenario(
        {
            "workflow_docs": Tool(
                "helper",
                Fake(
                    writes={"docs.json": a.docs_report()},
                    output="workflow_docs: .github/WORKFLOW_DOCUMENTATION.md documents all 1 job(s)",
                ),
            )
        },
        "helper workflow_docs",
        files=DOCUMENTED,
    ),
    "audit": Scenario(
        {
            "node": Tool(
                "v20.20.2",
                Fake(
                    writes={"actionlint.sarif": a.sarif("actionlint", properties={"files": [WORKFLOW]})},
                    output="loaded",
                ),
            ),
            "zizmor": Tool("zizmor 1.32.0", Fake(output=a.sarif("zizmor"), stderr=ZIZMOR_LOG)),
        },
        "zizmor",
        files=AUDITED,
    ),
    "deployment": Scenario(
        {
            "health_check": Tool(
                "helper", Fake(writes={"health.json": a.health_report()}, output="health: healthy")
            )
        },
        "helper health_check",
        env={"CIMATURITY_DEPLOY_URL": "http://127.0.0.1:9"},
    ),
    "container": Scenario(
        {
            "docker": Tool("Docker version 27.3.1", Fake(output="27.3.1")),
            "trivy": Tool("Version: 0.56.2", Fake(writes={"trivy.sarif": a.sarif("Trivy")})),
        },
        "trivy",
    ),
    "integration": Scenario(
        {"python": _pytest(("junit.xml", a.junit("passed", "passed")))},
        "python -m pytest",
        modules=frozenset({"pytest"}),
    ),
    "migration": Scenario(
        {"python": Tool(PYTHON_VERSION, modules={"alembic": Fake(program="alembic")})},
        "python -m alembic",
        modules=frozenset({"alembic"}),
    ),
    "e2e": Scenario(
        {"python": _pytest(("junit.xml", a.junit("passed", "passed")))},
        "python -m pytest",
        modules=frozenset({"pytest"}),
    ),
    "contract": Scenario(
        {
            "openapi-spec-validator": Tool(
                "openapi-spec-validator 0.7.1", Fake(output="docs/api_v2_spec.yaml: OK")
            ),
            "schemathesis": Tool(
                "schemathesis 3.36.0",
                Fake(writes={"schemathesis.xml": a.junit("passed", "passed")}, output="40 generated"),
            ),
            "python": WITH_SERVICE,
        },
        "schemathesis",
        modules=frozenset({"uvicorn"}),
    ),
    "performance": Scenario(
        {
            "locust": Tool(
                "locust 2.47.0",
                Fake(
                    writes={
                        "locust_stats.csv": a.locust_stats(),
                        "locust_failures.csv": a.LOCUST_FAILURES_HEADER,
                        "locust.html": a.LOCUST_HTML,
                    }
                ),
            ),
            "python": WITH_SERVICE,
        },
        "locust",
        modules=frozenset({"uvicorn"}),
    ),
}
