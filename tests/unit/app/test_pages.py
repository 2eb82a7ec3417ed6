from __future__ import annotations

import re

from fastapi.testclient import TestClient

from app.container import Container
from app.deps import SESSION_COOKIE
from app.factory import create_app
from app.models import Verification
from app.pages import CSRF_COOKIE
from app.providers import SandboxSmsProvider
from tests.support.fakes import PASSWORD, unique_email
from tests.unit.app.conftest import ContainerFactory


def csrf(client: TestClient, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None
    assert client.cookies.get(CSRF_COOKIE) == match.group(1)
    return match.group(1)


def labels_for(html: str) -> set[str]:
    """ids that have a <label for=...> pointing at an existing element id."""
    targets = set(re.findall(r'<label for="([^"]+)"', html))
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    return targets & ids


def sign_up(client: TestClient) -> str:
    email = unique_email("page")
    token = csrf(client, "/register")
    response = client.post(
        "/register", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard?notice=registered"
    return email


def test_forms_have_labelled_fields(client: TestClient) -> None:
    for path in ("/register", "/login"):
        page = client.get(path)
        assert labels_for(page.text) == {"email", "password"}
        assert "script-src" not in page.headers["Content-Security-Policy"]
        assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    sign_up(client)
    assert labels_for(client.get("/dashboard").text) == {"amount", "service", "country"}


def test_register_sets_a_hardened_session_cookie(client: TestClient) -> None:
    token = csrf(client, "/register")
    response = client.post(
        "/register",
        data={"email": unique_email(), "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "samesite=lax" in cookie.lower()


def test_dashboard_needs_a_session(client: TestClient) -> None:
    response = client.get("/dashboard", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"


def test_posts_without_a_matching_csrf_token_are_refused(client: TestClient) -> None:
    csrf(client, "/register")
    forged = client.post(
        "/register", data={"email": unique_email(), "password": PASSWORD, "csrf_token": "forged"}
    )
    assert forged.status_code == 403
    assert forged.headers["content-type"] == "application/problem+json"


def test_journey_register_top_up_buy_see_code_cancel(
    client: TestClient, sms: SandboxSmsProvider, container: Container
) -> None:
    email = sign_up(client)
    dashboard = client.get("/dashboard?notice=registered")
    assert email in dashboard.text
    assert "Welcome!" in dashboard.text
    assert '<strong data-testid="balance">$0.00</strong>' in dashboard.text
    token = client.cookies[CSRF_COOKIE]

    topped = client.post("/dashboard/topup", data={"amount": "1000", "csrf_token": token})
    assert topped.status_code == 200
    assert '<strong data-testid="balance">$10.00</strong>' in topped.text

    key = re.search(r'name="idempotency_key" value="([^"]+)"', topped.text)
    assert key is not None
    form = {"service": "telegram", "country": "US", "idempotency_key": key.group(1), "csrf_token": token}
    bought = client.post("/dashboard/verifications", data=form)
    assert "Number bought" in bought.text
    assert client.post("/dashboard/verifications", data=form).status_code == 200  # double submit
    assert '<strong data-testid="balance">$9.25</strong>' in client.get("/dashboard").text

    with container.sessions() as session:
        row = session.query(Verification).one()
    assert row.activation_id is not None
    sms.deliver(row.activation_id, "987654")
    assert '<td data-testid="code">987654</td>' in client.get("/dashboard").text

    second = dict(form, idempotency_key="another")
    client.post("/dashboard/verifications", data=second)
    with container.sessions() as session:
        pending = session.query(Verification).filter_by(status="pending").one()
    cancelled = client.post(f"/dashboard/verifications/{pending.id}/cancel", data={"csrf_token": token})
    assert "cancelled and refunded" in cancelled.text
    assert '<strong data-testid="balance">$9.25</strong>' in cancelled.text
    again = client.post(f"/dashboard/verifications/{pending.id}/cancel", data={"csrf_token": token})
    assert again.status_code == 409

    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.headers["location"] == "/login"
    assert client.get("/dashboard", follow_redirects=False).status_code == 303


def test_dashboard_errors_are_shown_not_thrown(client: TestClient) -> None:
    sign_up(client)
    token = client.cookies[CSRF_COOKIE]
    poor = client.post(
        "/dashboard/verifications",
        data={"service": "telegram", "country": "US", "idempotency_key": "k", "csrf_token": token},
    )
    assert poor.status_code == 402
    assert "balance is too low" in poor.text
    tiny = client.post("/dashboard/topup", data={"amount": "1", "csrf_token": token})
    assert tiny.status_code == 422
    unknown = client.post(
        "/dashboard/verifications",
        data={"service": "nope", "country": "US", "idempotency_key": "k2", "csrf_token": token},
    )
    assert unknown.status_code == 404
    assert "no offer" in unknown.text


def test_login_page_errors_and_success(client: TestClient) -> None:
    email = sign_up(client)
    client.cookies.delete(SESSION_COOKIE)
    token = csrf(client, "/login")
    wrong = client.post("/login", data={"email": email, "password": "wrong-password", "csrf_token": token})
    assert wrong.status_code == 401
    assert "email or password is wrong" in wrong.text
    ok = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert (ok.status_code, ok.headers["location"]) == (303, "/dashboard")


def test_register_page_validation_and_duplicates(client: TestClient) -> None:
    email = sign_up(client)
    token = client.cookies[CSRF_COOKIE]
    short = client.post("/register", data={"email": unique_email(), "password": "short", "csrf_token": token})
    assert short.status_code == 422
    assert "password" in short.text
    dup = client.post("/register", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert dup.status_code == 409
    assert "already exists" in dup.text
    assert (
        "&lt;script&gt;"
        in client.post(
            "/register", data={"email": "<script>@x.co", "password": "short", "csrf_token": token}
        ).text
    )


def test_login_page_is_rate_limited(make_container: ContainerFactory) -> None:
    container = make_container(login_rate_limit=2)
    with TestClient(create_app(container=container)) as client:
        token = csrf(client, "/login")
        form = {"email": unique_email(), "password": "wrong-password", "csrf_token": token}
        statuses = [client.post("/login", data=form).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        limited = client.post("/login", data=form)
        assert "rate limit exceeded" in limited.text
        assert int(limited.headers["Retry-After"]) >= 1
