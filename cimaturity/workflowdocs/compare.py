"""Read a workflow documentation file back and compare it with the workflows.

What the documentation *names*:
- a job: the first cell of a row of a table whose first header is `job` (or `jobs`), in
  backticks; and, for "is it documented", any backticked token equal to a real job id;
- a secret: the first cell of a row of a table whose first header is `secret` (or `secrets`),
  any `secrets.NAME` written in it, and, for "is it documented", any backticked token equal to
  a referenced secret's name.

A job or secret named in a table or as `secrets.NAME` that no workflow has is a phantom; a real
one the documentation never names is undocumented. Both fail the `docs` check, each named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cimaturity.workflowdocs.facts import DocFacts

_BACKTICKED = re.compile(r"`([^`\n]+)`")
_SECRET_REF = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)")
_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


@dataclass(frozen=True)
class Documented:
    table_jobs: frozenset[str]
    table_secrets: frozenset[str]
    secret_refs: frozenset[str]
    backticked: frozenset[str]


@dataclass(frozen=True)
class Comparison:
    phantom_jobs: tuple[str, ...]  # named by the documentation, in no workflow
    undocumented_jobs: tuple[str, ...]  # in a workflow, never named by the documentation
    phantom_secrets: tuple[str, ...]
    undocumented_secrets: tuple[str, ...]
    documented_jobs: int
    documented_secrets: int

    @property
    def matches(self) -> bool:
        return not (
            self.phantom_jobs or self.undocumented_jobs or self.phantom_secrets or self.undocumented_secrets
        )

    def reasons(self) -> tuple[str, ...]:
        """One clause per kind of mismatch, naming every job or secret."""
        clauses = (
            ("names job(s) no workflow has", self.phantom_jobs),
            ("leaves out job(s)", self.undocumented_jobs),
            ("names secret(s) no workflow references", self.phantom_secrets),
            ("leaves out secret(s)", self.undocumented_secrets),
        )
        return tuple(f"{label}: {', '.join(names)}" for label, names in clauses if names)


def read_documented(text: str) -> Documented:
    jobs: set[str] = set()
    secrets: set[str] = set()
    header: str | None = None
    for line in text.splitlines():
        row = _ROW.match(line)
        if row is None:
            header = None
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", row.group(1))]
        if header is None:
            header = cells[0].strip("`*_ ").lower()
            continue
        if _RULE.match(line):
            continue
        first = _BACKTICKED.findall(cells[0]) if cells else []
        if header in ("job", "jobs"):
            jobs.update(token.strip() for token in first)
        elif header in ("secret", "secrets"):
            secrets.update(token.strip() for token in first)
    return Documented(
        table_jobs=frozenset(jobs),
        table_secrets=frozenset(secrets),
        secret_refs=frozenset(_SECRET_REF.findall(text)),
        backticked=frozenset(token.strip() for token in _BACKTICKED.findall(text)),
    )


def compare(facts: DocFacts, text: str) -> Comparison:
    documented = read_documented(text)
    real_jobs = facts.job_ids
    real_secrets = frozenset(facts.secrets)
    named_jobs = documented.table_jobs
    named_secrets = documented.table_secrets | documented.secret_refs
    mentioned = documented.backticked | named_jobs
    return Comparison(
        phantom_jobs=tuple(sorted(named_jobs - real_jobs)),
        undocumented_jobs=tuple(sorted(real_jobs - mentioned)),
        phantom_secrets=tuple(sorted(named_secrets - real_secrets)),
        undocumented_secrets=tuple(sorted(real_secrets - (documented.backticked | named_secrets))),
        documented_jobs=len(real_jobs & mentioned),
        documented_secrets=len(real_secrets & (documented.backticked | named_secrets)),
    )
