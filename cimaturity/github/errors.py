"""The one exception of the GitHub family."""

from __future__ import annotations


class GitHubError(Exception):
    """GitHub could not be reached, refused a request, or is not configured: one line, no token.

    `status` is the HTTP status of GitHub's answer when there was one (404, 422, 503, ...).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(one_line(message))
        self.status = status


def one_line(text: str, limit: int = 400) -> str:
    """`text` on one line (whitespace runs folded), at most `limit` characters."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"
