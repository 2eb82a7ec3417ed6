"""`invoke pr-comment`: what this change did to the score, as one sticky pull request comment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task


@task(
    name="pr-comment",
    help={
        "project": "the repository (default: this one)",
        "reports": "its reports folder (default: PROJECT/reports)",
        "pr": "the pull request number (default: from $GITHUB_EVENT_PATH)",
        "base": "the base branch compared with (default: $GITHUB_BASE_REF, else main)",
        "dry-run": "print the comment instead of posting it",
        "gate": "exit 1 when the change does not hold the line (score down, a new finding, "
        "a newly failing test, a new vulnerability, p95 past the base's noise)",
        "body-file": "post this prepared comment instead (a fork's, from the report artifact)",
        "target-file": "with --body-file: the artifact's two lines, pull request number and head commit",
        "expect-head-sha": "with --target-file: the head commit the trusted event names; the pull "
        "request's head must be this commit, or nothing is posted",
    },
)
def pr_comment(
    c: Context,
    project: str = ".",
    reports: str = "",
    pr: int = 0,
    base: str = "",
    dry_run: bool = False,
    gate: bool = False,
    body_file: str = "",
    target_file: str = "",
    expect_head_sha: str = "",
) -> None:
    """Post (or edit) the maturity comment on the pull request, compared with the base branch.

    Reads this run's record and the base's from the history (`invoke history`); in GitHub Actions
    the comment is edited in place on later runs (a hidden marker finds it) and also goes to the
    job summary. Talks to GITHUB_API_URL with GITHUB_TOKEN for GITHUB_REPOSITORY.
    """
    from cimaturity.github import GitHubClient, GitHubError, pull_request_from_env
    from cimaturity.prcomment.prepare import CommentError, prepare_comment
    from cimaturity.prcomment.render import MARKER

    env = dict(os.environ)
    if body_file:
        _post_prepared(Path(body_file), Path(target_file) if target_file else None, pr, expect_head_sha, env)
        return
    project_root = Path(project).resolve()
    reports_dir = Path(reports).resolve() if reports else project_root / "reports"
    base_branch = base or env.get("GITHUB_BASE_REF") or "main"
    try:
        prepared = prepare_comment(project_root, reports_dir, base_branch, env)
    except CommentError as exc:
        raise Exit(f"cimaturity pr-comment: {exc}", code=2) from None
    if prepared.diff.percent is None and prepared.diff.reason:
        print(f"coverage of changed lines: no data ({prepared.diff.reason})", file=sys.stderr)
    if dry_run:
        print(prepared.body, end="")
    else:
        try:
            client = GitHubClient.from_env(env)
            result = client.upsert_comment(pull_request_from_env(env, pr or None), prepared.body, MARKER)
        except GitHubError as exc:
            raise Exit(f"cimaturity pr-comment: {exc}", code=2) from None
        print(f"pull request comment: {result.describe()}")
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary and env.get("GITHUB_ACTIONS") == "true":
        with Path(summary).open("a", encoding="utf-8") as handle:  # GitHub's contract: append
            handle.write(prepared.body)
    if gate and not prepared.gate.ok:
        reasons = "; ".join(prepared.gate.failures)
        raise Exit(f"cimaturity pr-comment: the change does not hold the line: {reasons}", code=1)


def _post_prepared(
    body_file: Path, target_file: Path | None, pr: int, expected_sha: str, env: dict[str, str]
) -> None:
    """A comment prepared by a fork's run (pr-comment.yml): its text is posted, but only on the
    pull request whose head is the commit the trusted event names."""
    from cimaturity.github import GitHubClient, GitHubError, pull_request_from_env
    from cimaturity.prcomment.render import COMMENT_LIMIT, MARKER

    try:
        body = body_file.read_text(encoding="utf-8")
        target = target_file.read_text(encoding="utf-8").split() if target_file is not None else []
    except (OSError, UnicodeDecodeError) as exc:
        raise Exit(f"cimaturity pr-comment: {exc}", code=2) from None
    if MARKER not in body or len(body) > COMMENT_LIMIT:
        raise Exit(
            f"cimaturity pr-comment: {body_file} is not a maturity comment (no marker, or too long)", code=2
        )
    if target_file is not None:
        if len(target) != 2 or not target[0].isdigit():
            raise Exit(
                f"cimaturity pr-comment: {target_file}: expected a pull request number and a commit", code=2
            )
        pr, claimed = int(target[0]), target[1]
        if not expected_sha or claimed != expected_sha:
            raise Exit(
                f"cimaturity pr-comment: {target_file} names commit {claimed[:12]}, not the run's", code=2
            )
    try:
        client = GitHubClient.from_env(env)
        number = pull_request_from_env(env, pr or None)
        if expected_sha and client.pull_request_head_sha(number) != expected_sha:
            raise Exit(
                f"cimaturity pr-comment: pull request {number}'s head is not {expected_sha[:12]}", code=2
            )
        result = client.upsert_comment(number, body, MARKER)
    except GitHubError as exc:
        raise Exit(f"cimaturity pr-comment: {exc}", code=2) from None
    print(f"pull request comment: {result.describe()}")
