"""Talking to GitHub: a typed REST client (standard library only) for the PR comment, deployments
and workflow runs, configured the way GitHub Actions provides it.

    client = GitHubClient.from_env(os.environ)
    pr = pull_request_from_env(os.environ)            # from the event at GITHUB_EVENT_PATH
    client.upsert_comment(pr, markdown, "<!-- cimaturity:maturity-report -->")
"""

from cimaturity.github.client import (
    MAX_COMMENT_CHARS,
    GitHubClient,
    UpsertAction,
    UpsertResult,
)
from cimaturity.github.context import (
    GitHubContext,
    context_from_env,
    pull_request_from_env,
    pull_request_from_event,
)
from cimaturity.github.errors import GitHubError
from cimaturity.github.models import Comment, Deployment, DeploymentStatus, WorkflowRun
from cimaturity.github.transport import RetryPolicy

__all__ = [
    "MAX_COMMENT_CHARS",
    "Comment",
    "Deployment",
    "DeploymentStatus",
    "GitHubClient",
    "GitHubContext",
    "GitHubError",
    "RetryPolicy",
    "UpsertAction",
    "UpsertResult",
    "WorkflowRun",
    "context_from_env",
    "pull_request_from_env",
    "pull_request_from_event",
]
