"""Every check, registered in one place. Adding a check is one module and one line here."""

from __future__ import annotations

from cimaturity.checks.audit import AUDIT
from cimaturity.checks.container import CONTAINER
from cimaturity.checks.contract import CONTRACT
from cimaturity.checks.deployment import DEPLOYMENT
from cimaturity.checks.deps import DEPS
from cimaturity.checks.dockerfile import DOCKERFILE
from cimaturity.checks.docs import DOCS
from cimaturity.checks.lint import LINT
from cimaturity.checks.migration import MIGRATION
from cimaturity.checks.performance import PERFORMANCE
from cimaturity.checks.sast import SAST
from cimaturity.checks.sbom import SBOM_CHECK
from cimaturity.checks.secrets import SECRETS
from cimaturity.checks.suites import E2E, INTEGRATION
from cimaturity.checks.typecheck import TYPECHECK
from cimaturity.checks.unit_tests import TEST
from cimaturity.model import Check

CHECKS: tuple[Check, ...] = (
    LINT,
    TYPECHECK,
    TEST,
    DOCKERFILE,
    DOCS,
    AUDIT,
    SAST,
    DEPS,
    SECRETS,
    SBOM_CHECK,
    CONTAINER,
    INTEGRATION,
    MIGRATION,
    E2E,
    CONTRACT,
    PERFORMANCE,
    DEPLOYMENT,
)


def by_name(name: str) -> Check:
    for check in CHECKS:
        if check.name == name:
            return check
    raise KeyError(name)


def is_known(name: str) -> bool:
    return any(check.name == name for check in CHECKS)
