"""Configuration the way GitHub Actions provides it: the environment and the event file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cimaturity.github import GitHubError, context_from_env, pull_request_from_env, pull_request_from_event

ENV = {"GITHUB_REPOSITORY": "octo/service", "GITHUB_TOKEN": "ghs_secret_value"}


def event_file(tmp_path: Path, event: Any) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return {**ENV, "GITHUB_EVENT_PATH": str(path)}


def test_the_environment_of_a_job() -> None:
    context = context_from_env({**ENV, "GITHUB_API_URL": "https://ghe.example.com/api/v3/"})
    assert (context.api_url, context.owner, context.repo, context.token) == (
        "https://ghe.example.com/api/v3",
        "octo",
        "service",
        "ghs_secret_value",
    )
    assert "ghs_secret_value" not in repr(context)


def test_the_api_url_defaults_to_github_com() -> None:
    assert context_from_env(ENV).api_url == "https://api.github.com"
    assert context_from_env({**ENV, "GITHUB_API_URL": ""}).api_url == "https://api.github.com"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_TOKEN": "t"}, "GITHUB_REPOSITORY is not set (owner/name)"),
        (
            {"GITHUB_REPOSITORY": "octo/service"},
            "GITHUB_TOKEN is not set (a token that may write pull request comments)",
        ),
        (
            {**ENV, "GITHUB_TOKEN": "  "},
            "GITHUB_TOKEN is not set (a token that may write pull request comments)",
        ),
        ({**ENV, "GITHUB_REPOSITORY": "service"}, "GITHUB_REPOSITORY is 'service': expected owner/name"),
        ({**ENV, "GITHUB_REPOSITORY": "a/b/c"}, "GITHUB_REPOSITORY is 'a/b/c': expected owner/name"),
        (
            {**ENV, "GITHUB_API_URL": "file:///etc/passwd"},
            "GITHUB_API_URL is 'file:///etc/passwd': expected an http(s) URL such as https://api.github.com",
        ),
    ],
)
def test_a_missing_or_bad_variable_is_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(GitHubError) as error:
        context_from_env(env)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("event", "number"),
    [
        ({"action": "synchronize", "number": 12, "pull_request": {"number": 12, "head": {}}}, 12),
        ({"action": "created", "issue": {"number": 34, "pull_request": {}}, "comment": {"id": 1}}, 34),
        ({"action": "completed", "workflow_run": {"pull_requests": [{"number": 56}, {"number": 57}]}}, 56),
        ({"action": "submitted", "review": {}, "pull_request": {"number": 78}}, 78),
    ],
    ids=["pull_request", "issue_comment", "workflow_run", "pull_request_review"],
)
def test_the_pull_request_of_each_event_shape(tmp_path: Path, event: dict[str, Any], number: int) -> None:
    assert pull_request_from_event(event) == number
    assert pull_request_from_env(event_file(tmp_path, event)) == number


@pytest.mark.parametrize(
    "event",
    [
        {"ref": "refs/heads/main", "commits": []},  # push
        {"workflow_run": {"pull_requests": []}},  # a workflow_run of a fork's pull request
        {"pull_request": {"number": "12"}},
        {"pull_request": {"number": True}},
        {"issue": {"number": 0}},
    ],
)
def test_an_event_naming_no_pull_request(tmp_path: Path, event: dict[str, Any]) -> None:
    assert pull_request_from_event(event) is None
    env = event_file(tmp_path, event)
    with pytest.raises(GitHubError, match=r"^GITHUB_EVENT_PATH: the event in .* names no pull request"):
        pull_request_from_env(env)


def test_an_explicit_number_needs_no_event() -> None:
    assert pull_request_from_env(ENV, explicit=9) == 9
    with pytest.raises(GitHubError, match="pull request number 0 is not a positive number"):
        pull_request_from_env(ENV, explicit=0)


def test_no_event_and_no_number_names_the_variable() -> None:
    with pytest.raises(GitHubError) as error:
        pull_request_from_env(ENV)
    assert str(error.value) == (
        "GITHUB_EVENT_PATH is not set (the event's JSON; or give the pull request number)"
    )


def test_an_unreadable_or_malformed_event_file(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"
    with pytest.raises(GitHubError, match=rf"^GITHUB_EVENT_PATH: cannot read {missing}: No such file"):
        pull_request_from_env({**ENV, "GITHUB_EVENT_PATH": str(missing)})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(GitHubError, match=rf"^GITHUB_EVENT_PATH: {broken} is not JSON"):
        pull_request_from_env({**ENV, "GITHUB_EVENT_PATH": str(broken)})
    listed = tmp_path / "list.json"
    listed.write_text("[1]", encoding="utf-8")
    with pytest.raises(GitHubError, match=rf"^GITHUB_EVENT_PATH: {listed} is not a JSON object$"):
        pull_request_from_env({**ENV, "GITHUB_EVENT_PATH": str(listed)})
