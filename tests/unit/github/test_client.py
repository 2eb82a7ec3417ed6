"""The GitHub client against a real HTTP server on 127.0.0.1 speaking GitHub's REST API."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from cimaturity.github import MAX_COMMENT_CHARS, GitHubClient, GitHubError, RetryPolicy, UpsertAction
from tests.support.github_server import GitHubServer
from tests.unit.github._fakes import PR, FakeTime, make_client

MARKER = "<!-- cimaturity:maturity-report -->"


def marked(gh: GitHubServer) -> list[str]:
    return [c["body"] for c in gh.comments_of(PR) if MARKER in c["body"]]


# -- the PR comment --


def test_the_first_upsert_creates_the_comment_and_the_next_edits_it(
    gh: GitHubServer, client: GitHubClient
) -> None:
    first = client.upsert_comment(PR, "## Maturity 6.5/10", MARKER)
    second = client.upsert_comment(PR, "## Maturity 7.0/10", MARKER)

    assert first.action is UpsertAction.CREATED
    assert second.action is UpsertAction.UPDATED
    assert second.comment.id == first.comment.id
    assert second.comment.body == f"{MARKER}\n## Maturity 7.0/10"
    assert marked(gh) == [f"{MARKER}\n## Maturity 7.0/10"]
    assert len(gh.requests_to("POST")) == 1
    assert [r.path for r in gh.requests_to("PATCH")] == [
        f"/repos/octo/service/issues/comments/{first.comment.id}"
    ]
    assert gh.requests_to("PATCH")[0].body == {"body": f"{MARKER}\n## Maturity 7.0/10"}


def test_a_body_that_already_holds_the_marker_is_sent_as_it_is(
    gh: GitHubServer, client: GitHubClient
) -> None:
    body = f"## Report\n\n{MARKER}\n"
    assert client.upsert_comment(PR, body, MARKER).comment.body == body
    assert marked(gh) == [body]


def test_the_same_body_again_is_not_edited(gh: GitHubServer, client: GitHubClient) -> None:
    client.upsert_comment(PR, "same", MARKER)
    again = client.upsert_comment(PR, "same", MARKER)
    assert again.action is UpsertAction.UNCHANGED
    assert gh.requests_to("PATCH") == []


def test_sixty_upserts_leave_exactly_one_comment_behind_pages_of_others(
    gh: GitHubServer, client: GitHubClient
) -> None:
    for n in range(150):  # a page and a half of discussion before the report
        gh.add_comment(PR, f"review remark {n}", user=f"reviewer{n % 3}")

    results = [client.upsert_comment(PR, f"run {n}", MARKER) for n in range(60)]

    assert marked(gh) == [f"{MARKER}\nrun 59"]
    assert len(gh.comments_of(PR)) == 151
    assert [r.action for r in results] == [UpsertAction.CREATED] + [UpsertAction.UPDATED] * 59
    assert {r.comment.id for r in results} == {results[0].comment.id}
    assert len(gh.requests_to("POST")) == 1
    pages = [r.query.get("page") for r in gh.requests_to("GET", f"/issues/{PR}/comments")]
    assert pages.count("2") == 60  # every run read past the first page to find it
    assert all(r.query.get("per_page") == "100" for r in gh.requests_to("GET"))


def test_several_marked_comments_edit_the_oldest_and_say_so(
    gh: GitHubServer, client: GitHubClient, caplog: pytest.LogCaptureFixture
) -> None:
    oldest = gh.add_comment(PR, f"{MARKER}\nold", user="github-actions[bot]")
    gh.add_comment(PR, "unrelated")
    newer = gh.add_comment(PR, f"{MARKER}\nolder bug", user="github-actions[bot]")

    with caplog.at_level(logging.WARNING, logger="cimaturity.github"):
        result = client.upsert_comment(PR, "fresh", MARKER)

    assert result.action is UpsertAction.UPDATED
    assert result.comment.id == oldest["id"]
    assert result.duplicates == (newer["id"],)
    assert result.describe() == (
        f"updated comment {oldest['id']}; 2 comments carry the marker: edited the oldest, "
        f"left {newer['id']} (delete them by hand)"
    )
    assert f"editing the oldest ({oldest['id']})" in caplog.text
    assert gh.requests_to("POST") == []
    assert marked(gh) == [f"{MARKER}\nfresh", f"{MARKER}\nolder bug"]


def test_a_create_that_failed_after_taking_effect_is_not_repeated(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.fail_next(1, "502", method="POST", carried_out=True)  # created, but the answer was lost

    result = client.upsert_comment(PR, "report", MARKER)

    assert marked(gh) == [f"{MARKER}\nreport"]
    assert len(gh.requests_to("POST")) == 1
    assert result.comment.body == f"{MARKER}\nreport"
    assert clock.slept == [1.0]


def test_a_create_that_failed_without_effect_is_tried_again(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.fail_next(2, "500", method="POST")

    result = client.upsert_comment(PR, "report", MARKER)

    assert result.action is UpsertAction.CREATED
    assert marked(gh) == [f"{MARKER}\nreport"]
    assert len(gh.requests_to("POST")) == 3
    assert clock.slept == [1.0, 2.0]


def test_a_create_failing_every_try_is_one_line(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.fail_next(10, "500", method="POST")
    with pytest.raises(GitHubError) as error:
        client.upsert_comment(PR, "report", MARKER)
    assert str(error.value) == "POST /repos/octo/service/issues/7/comments: 500 Server Error (4 tries)"
    assert len(gh.requests_to("POST")) == 4
    assert len(gh.requests_to("GET")) == 4  # looked for it before each try
    assert clock.slept == [1.0, 2.0, 4.0]


def test_create_comment_alone_does_not_repeat_a_failed_post(gh: GitHubServer, client: GitHubClient) -> None:
    gh.fail_next(1, "502", method="POST")
    with pytest.raises(GitHubError, match=r"^POST /repos/octo/service/issues/7/comments: 502 Server Error$"):
        client.create_comment(PR, "hello")
    assert len(gh.requests_to("POST")) == 1


@pytest.mark.parametrize("marker", ["", "   ", "<!-- a\nb -->"])
def test_a_marker_must_be_one_non_blank_line(client: GitHubClient, marker: str) -> None:
    with pytest.raises(GitHubError, match="must be one non-blank line"):
        client.upsert_comment(PR, "body", marker)


# -- GitHub's 65,536-character limit --


def test_a_body_over_the_limit_is_refused_before_any_request(gh: GitHubServer, client: GitHubClient) -> None:
    too_long = "x" * (MAX_COMMENT_CHARS + 1)
    for call in (
        lambda: client.create_comment(PR, too_long),
        lambda: client.update_comment(1, too_long),
        lambda: client.upsert_comment(
            PR, too_long[: MAX_COMMENT_CHARS - len(MARKER)], MARKER
        ),  # + marker line
    ):
        with pytest.raises(GitHubError) as error:
            call()
        assert str(error.value) == (
            "comment body is 65,537 characters; GitHub takes at most 65,536 "
            "(the report must be shortened before it is posted)"
        )
    assert gh.requests == []


def test_a_body_of_exactly_the_limit_is_posted_whole(gh: GitHubServer, client: GitHubClient) -> None:
    body = "é" * (MAX_COMMENT_CHARS - len(MARKER) - 1)  # characters, not bytes
    result = client.upsert_comment(PR, body, MARKER)
    assert len(result.comment.body) == MAX_COMMENT_CHARS
    assert gh.comments_of(PR)[0]["body"] == f"{MARKER}\n{body}"


# -- retries --


def test_a_secondary_rate_limit_waits_as_retry_after_says(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.add_comment(PR, "hello")
    gh.fail_next(2, "secondary")

    assert [c.body for c in client.list_comments(PR)] == ["hello"]
    assert clock.slept == [1.0, 1.0]
    assert len(gh.requests) == 3


def test_a_primary_rate_limit_waits_until_the_reset(clock: FakeTime) -> None:
    with GitHubServer(issues=(PR,), reset_in_s=40) as gh:
        gh.fail_next(1, "primary")
        result = make_client(gh, clock).upsert_comment(PR, "report", MARKER)

    assert result.action is UpsertAction.CREATED
    assert len(clock.slept) == 1
    assert 39 <= clock.slept[0] <= 42  # until x-ratelimit-reset, plus a second for clock skew


def test_a_rate_limit_reset_past_the_deadline_fails_at_once(clock: FakeTime) -> None:
    with GitHubServer(issues=(PR,), reset_in_s=3600) as gh:
        gh.fail_next(1, "primary")
        client = make_client(gh, clock, RetryPolicy(deadline_s=120))
        with pytest.raises(GitHubError) as error:
            client.list_comments(PR)

    assert error.value.status == 403
    assert str(error.value).startswith(
        "GET /repos/octo/service/issues/7/comments: 403 API rate limit exceeded for installation ID 1.; "
        "the next try would be in "
    )
    assert str(error.value).endswith("s, past the 120 s deadline")
    assert clock.slept == []


def test_rate_limits_without_end_give_up_after_a_few_waits(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.fail_next(10, "secondary")
    with pytest.raises(
        GitHubError, match=r"still rate limited after 3 waits \(403 You have exceeded a secondary"
    ):
        client.list_comments(PR)
    assert clock.slept == [1.0, 1.0, 1.0]


def test_a_5xx_is_tried_again_with_backoff(gh: GitHubServer, client: GitHubClient, clock: FakeTime) -> None:
    gh.add_deployment("abc123")
    gh.fail_next(2, "502")
    assert [d.sha for d in client.list_deployments()] == ["abc123"]
    assert clock.slept == [1.0, 2.0]


def test_a_dropped_connection_is_tried_again(gh: GitHubServer, client: GitHubClient, clock: FakeTime) -> None:
    gh.fail_next(1, "drop")
    assert client.list_comments(PR) == ()
    assert clock.slept == [1.0]


def test_5xx_for_ever_is_one_line_after_the_last_try(
    gh: GitHubServer, client: GitHubClient, clock: FakeTime
) -> None:
    gh.fail_next(100, "500")
    with pytest.raises(GitHubError) as error:
        client.list_workflow_runs()
    assert str(error.value) == "GET /repos/octo/service/actions/runs: 500 Server Error (4 tries)"
    assert error.value.status == 500
    assert len(gh.requests) == 4
    assert clock.slept == [1.0, 2.0, 4.0]


def test_5xx_for_ever_stops_within_the_deadline(gh: GitHubServer, clock: FakeTime) -> None:
    client = make_client(gh, clock, RetryPolicy(attempts=20, backoff_s=5, deadline_s=30))
    gh.fail_next(100, "500")
    with pytest.raises(GitHubError) as error:
        client.list_comments(PR)
    assert "\n" not in str(error.value)
    assert str(error.value).endswith(
        "500 Server Error; the next try would be in 20 s, past the 30 s deadline"
    )
    assert clock.slept == [5.0, 10.0]
    assert sum(clock.slept) <= 30


def test_a_network_error_for_ever_is_one_line(clock: FakeTime) -> None:
    with GitHubServer(issues=(PR,)) as gh:
        env = gh.env()
    client = GitHubClient.from_env(env, sleep=clock.sleep, monotonic=clock.monotonic, wall_clock=clock.wall)
    with pytest.raises(
        GitHubError, match=r"^GET /repos/octo/service/issues/7/comments: network error: .+ \(4 tries\)$"
    ):
        client.list_comments(PR)


# -- refusals --


def test_an_unknown_comment_is_a_404_with_githubs_message(gh: GitHubServer, client: GitHubClient) -> None:
    with pytest.raises(GitHubError) as error:
        client.update_comment(424242, "x")
    assert (
        str(error.value) == "GitHub refused PATCH /repos/octo/service/issues/comments/424242: 404 Not Found"
    )
    assert error.value.status == 404
    assert len(gh.requests) == 1  # a 4xx is not tried again


def test_an_unknown_pull_request_is_a_404(client: GitHubClient) -> None:
    with pytest.raises(
        GitHubError, match=r"^GitHub refused GET /repos/octo/service/issues/999/comments: 404 Not Found$"
    ):
        client.upsert_comment(999, "x", MARKER)


def test_a_422_carries_githubs_validation_errors(gh: GitHubServer, client: GitHubClient) -> None:
    gh.fail_next(1, "422")
    with pytest.raises(GitHubError) as error:
        client.create_comment(PR, "x")
    assert str(error.value) == (
        "GitHub refused POST /repos/octo/service/issues/7/comments: "
        "422 Validation Failed (body missing_field)"
    )
    assert error.value.status == 422


def test_a_missing_permission_is_explained(gh: GitHubServer, client: GitHubClient) -> None:
    gh.fail_next(1, "forbidden")
    with pytest.raises(GitHubError) as error:
        client.upsert_comment(PR, "x", MARKER)
    assert str(error.value) == (
        "GitHub refused GET /repos/octo/service/issues/7/comments: 403 Resource not accessible by "
        "integration (the token lacks pull-requests/issues: write, or the pull request is from a fork)"
    )
    assert len(gh.requests) == 1


def test_a_bad_token_is_a_401_that_never_shows_the_token(
    gh: GitHubServer, clock: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    client = GitHubClient.from_env(gh.env(GITHUB_TOKEN="ghs_wrong_secret"), sleep=clock.sleep)
    with caplog.at_level(logging.DEBUG), pytest.raises(GitHubError) as error:
        client.list_comments(PR)
    assert str(error.value) == (
        "GitHub refused GET /repos/octo/service/issues/7/comments: 401 Bad credentials (check GITHUB_TOKEN)"
    )
    assert gh.requests[0].authorization == "Bearer ghs_wrong_secret"
    for text in (str(error.value), caplog.text, repr(client), repr(client.context)):
        assert "ghs_wrong_secret" not in text


def test_the_token_is_sent_as_a_bearer_and_never_logged(
    gh: GitHubServer, client: GitHubClient, caplog: pytest.LogCaptureFixture
) -> None:
    gh.fail_next(1, "500")
    with caplog.at_level(logging.DEBUG):
        client.list_comments(PR)
    assert {r.authorization for r in gh.requests} == {f"Bearer {gh.token}"}
    assert "trying again in 1 s" in caplog.text
    assert gh.token not in caplog.text


# -- deployments and workflow runs --


def test_deployments_are_read_across_pages_newest_first_with_their_statuses(
    gh: GitHubServer, client: GitHubClient
) -> None:
    for n in range(130):
        gh.add_deployment(f"sha{n}", environment="production" if n % 2 else "staging")
    first = gh.deployments[1]  # production
    gh.add_deployment_status(first["id"], "in_progress")
    gh.add_deployment_status(first["id"], "success")

    production = client.list_deployments(environment="production")
    assert [d.sha for d in production] == [f"sha{n}" for n in range(129, 0, -2)]
    assert len(client.list_deployments()) == 130
    pages = [r.query.get("page") for r in gh.requests_to("GET", "/deployments")]
    assert pages == [None, None, "2"]  # 65 fit one page of 100; 130 need two

    oldest = client.list_deployments(sha="sha1", with_statuses=True)
    assert len(oldest) == 1
    assert [s.state for s in oldest[0].statuses] == ["success", "in_progress"]
    assert oldest[0].latest_state == "success"
    assert oldest[0].environment == "production"
    assert oldest[0].created_at.tzinfo is UTC
    assert oldest[0].statuses[0].created_at > oldest[0].created_at
    assert client.list_deployments(limit=3)[-1].sha == "sha127"


def test_workflow_runs_are_filtered_by_github_and_read_across_pages(
    gh: GitHubServer, client: GitHubClient
) -> None:
    for n in range(250):
        gh.add_run(
            f"sha{n}",
            branch="main" if n % 5 else "feature",
            event="push" if n % 2 else "pull_request",
            conclusion="failure" if n % 7 == 0 else "success",
            created_at=datetime(2026, 1, 1 + n // 10, 12, n % 60, tzinfo=UTC),
        )
    gh.add_run(
        "deploy1",
        path=".github/workflows/deploy.yml",
        workflow_id=9,
        created_at=datetime(2026, 2, 1, tzinfo=UTC),
    )

    runs = client.list_workflow_runs()
    assert len(runs) == 251
    assert runs[0].head_sha == "deploy1"  # newest first
    assert [r.query.get("page") for r in gh.requests_to("GET", "/actions/runs")] == [None, "2", "3"]

    pushes = client.list_workflow_runs(branch="main", event="push", status="success")
    expected = [n for n in range(249, -1, -1) if n % 5 and n % 2 and n % 7]
    assert [r.head_sha for r in pushes] == ["deploy1"] + [f"sha{n}" for n in expected]
    assert gh.requests_to("GET", "/actions/runs")[-1].query == {
        "branch": "main",
        "event": "push",
        "status": "success",
        "per_page": "100",
    }

    recent = client.list_workflow_runs(created_since=date(2026, 1, 24))
    assert [r.head_sha for r in recent] == ["deploy1"] + [f"sha{n}" for n in range(249, 229, -1)]
    assert gh.requests_to("GET", "/actions/runs")[-1].query["created"] == ">=2026-01-24"
    since = client.list_workflow_runs(created_since=datetime(2026, 1, 25, 12, 8, tzinfo=UTC))
    assert [r.head_sha for r in since] == ["deploy1", "sha249", "sha248"]

    deploys = client.list_workflow_runs(workflow="deploy.yml")
    assert [(r.id, r.workflow_id, r.event, r.status, r.conclusion) for r in deploys] == [
        (gh.runs[-1]["id"], 9, "push", "completed", "success")
    ]
    run = deploys[0]
    assert run.run_started_at == run.created_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert run.updated_at == run.created_at
    assert run.head_branch == "main"
    assert len(client.list_workflow_runs(limit=150)) == 150


def test_a_malformed_answer_names_the_object_and_field(gh: GitHubServer, client: GitHubClient) -> None:
    run = gh.add_run("abc")
    run["created_at"] = "yesterday"
    with pytest.raises(GitHubError) as error:
        client.list_workflow_runs()
    assert str(error.value) == (
        f"unexpected answer from GitHub: workflow run {run['id']}: 'created_at' is not an ISO 8601 time"
    )
