"""Server-rendered pages. The session is an httponly cookie holding the JWT; every form post
carries a double-submit CSRF token (hidden field == httponly cookie)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api.schemas import RegisterRequest
from app.container import Container
from app.deps import SESSION_COOKIE, ContainerDep, SessionDep, limit_login, limit_purchase, user_from_token
from app.domain import DomainError, InsufficientFunds, PurchaseRequest, format_money
from app.errors import AppError, Forbidden, RateLimited
from app.models import User
from app.providers import ProviderError
from app.security import csrf_matches, issue_token, new_csrf_token
from app.services import accounts, catalogue, ledger, payments, verifications

CSRF_COOKIE = "csrf_token"
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
NOTICES = {
    "registered": "Welcome! Your account is ready.",
    "topup": "Top-up received.",
    "topup-pending": "Top-up created; your balance updates when the payment settles.",
    "bought": "Number bought. The code appears below when the SMS arrives.",
    "cancelled": "Verification cancelled and refunded.",
}

# Plain HTML, no script at all: nothing may run, forms only post back here, no framing.
PAGE_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

router = APIRouter(include_in_schema=False)


def _csrf(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or new_csrf_token()


def _render(
    request: Request, container: Container, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    token = _csrf(request)
    response = TEMPLATES.TemplateResponse(
        request, name, {"csrf_token": token, **context}, status_code=status_code
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=container.settings.secure_cookies
        )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def _check_csrf(request: Request, submitted: str) -> None:
    if not csrf_matches(request.cookies.get(CSRF_COOKIE), submitted):
        raise Forbidden("missing or invalid CSRF token; reload the page and try again")


def _page_user(request: Request, container: Container, session: Session) -> User | None:
    return user_from_token(container, session, request.cookies.get(SESSION_COOKIE))


def _login_response(container: Container, user: User, target: str) -> RedirectResponse:
    settings = container.settings
    token = issue_token(user.id, settings.jwt_key, settings.jwt_ttl_seconds, container.clock())
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token.token,
        max_age=settings.jwt_ttl_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )
    return response


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


Text = Annotated[str, Form(max_length=300)]


@router.get("/", response_class=RedirectResponse)
def index() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, container: ContainerDep) -> HTMLResponse:
    return _render(request, container, "register.html", {})


@router.post("/register", response_model=None)
def register_submit(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    email: Text,
    password: Text,
    csrf_token: Text,
) -> Response:
    _check_csrf(request, csrf_token)
    try:
        RegisterRequest(email=email, password=password)
    except ValidationError as error:
        field = str(error.errors()[0]["loc"][0])
        message = f"Please check the {field}: {error.errors()[0]['msg']}."
        return _render(request, container, "register.html", {"error": message, "email": email}, 422)
    try:
        user = accounts.register(
            session, container.passwords, email, password, container.settings.currency, container.clock()
        )
    except AppError as error:
        return _render(request, container, "register.html", {"error": error.detail, "email": email}, 409)
    return _login_response(container, user, "/dashboard?notice=registered")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, container: ContainerDep) -> HTMLResponse:
    return _render(request, container, "login.html", {})


@router.post("/login", response_model=None)
def login_submit(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    email: Text,
    password: Text,
    csrf_token: Text,
) -> Response:
    _check_csrf(request, csrf_token)
    try:
        limit_login(container, request, email)
        user = accounts.authenticate(session, container.passwords, email, password)
    except RateLimited as error:
        page = _render(request, container, "login.html", {"error": error.detail, "email": email}, 429)
        page.headers.update(error.headers)
        return page
    except AppError as error:
        return _render(request, container, "login.html", {"error": error.detail, "email": email}, 401)
    return _login_response(container, user, "/dashboard")


@router.post("/logout", response_class=RedirectResponse)
def logout(request: Request, csrf_token: Text) -> RedirectResponse:
    _check_csrf(request, csrf_token)
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/dashboard", response_model=None)
def dashboard(
    request: Request, container: ContainerDep, session: SessionDep, notice: str | None = None
) -> Response:
    user = _page_user(request, container, session)
    if user is None:
        return _to_login()
    return _dashboard(request, container, session, user, notice=NOTICES.get(notice or ""))


def _dashboard(
    request: Request,
    container: Container,
    session: Session,
    user: User,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    settings = container.settings
    currency = settings.currency
    offers = catalogue.offers(session, container.cache, settings.services_cache_ttl_seconds)
    rows = verifications.list_owned(session, container.sms, user.id, 50, container.clock())
    services = {offer.service: offer.service_name for offer in offers}
    countries = {offer.country: offer.country_name for offer in offers}
    context = {
        "user_email": user.email,
        "balance": format_money(ledger.balance(session, user.id), currency),
        "min_topup": settings.min_topup_minor,
        "max_topup": settings.max_topup_minor,
        "idempotency_key": uuid.uuid4().hex,
        "services": [{"code": code, "name": name} for code, name in services.items()],
        "countries": [{"code": code, "name": name} for code, name in sorted(countries.items())],
        "offers": [
            {
                "service_name": offer.service_name,
                "country_name": offer.country_name,
                "price": format_money(offer.price, currency),
            }
            for offer in offers
        ],
        "verifications": [
            {
                "id": row.id,
                "service": services.get(row.service_code, row.service_code),
                "country": row.country_code,
                "phone_number": row.phone_number,
                "status": row.status,
                "code": row.code,
                "price": format_money(row.price, currency),
            }
            for row in rows
        ],
        "notice": notice,
        "error": error,
    }
    return _render(request, container, "dashboard.html", context, status_code)


@router.post("/dashboard/topup", response_model=None)
def dashboard_topup(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    csrf_token: Text,
    amount: Annotated[int, Form(ge=1, le=2**53)],
) -> Response:
    _check_csrf(request, csrf_token)
    user = _page_user(request, container, session)
    if user is None:
        return _to_login()
    settings = container.settings
    if not settings.min_topup_minor <= amount <= settings.max_topup_minor:
        message = f"Top-ups are between {settings.min_topup_minor} and {settings.max_topup_minor} cents."
        return _dashboard(request, container, session, user, error=message, status_code=422)
    try:
        payment = payments.create_topup(
            session, container.payments, user.id, amount, settings.currency, container.clock()
        )
    except ProviderError:
        message = "The payment provider is unavailable; please try again."
        return _dashboard(request, container, session, user, error=message, status_code=502)
    notice = "topup" if payment.status == "succeeded" else "topup-pending"
    return RedirectResponse(f"/dashboard?notice={notice}", status_code=303)


@router.post("/dashboard/verifications", response_model=None)
def dashboard_buy(
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    csrf_token: Text,
    service: Text,
    country: Text,
    idempotency_key: Annotated[str, Form(min_length=1, max_length=255)],
) -> Response:
    _check_csrf(request, csrf_token)
    user = _page_user(request, container, session)
    if user is None:
        return _to_login()
    try:
        limit_purchase(container, user.id)
        verifications.purchase(
            session,
            container.sms,
            user.id,
            PurchaseRequest(service=service, country=country),
            idempotency_key,
            container.settings.verification_ttl_seconds,
            container.clock(),
        )
    except InsufficientFunds:
        message = "Your balance is too low for this number. Top up first."
        return _dashboard(request, container, session, user, error=message, status_code=402)
    except DomainError as error:
        return _dashboard(request, container, session, user, error=str(error), status_code=422)
    except AppError as error:
        page = _dashboard(request, container, session, user, error=error.detail, status_code=error.status)
        page.headers.update(error.headers)
        return page
    except ProviderError:
        message = "The SMS provider is unavailable; you were not charged."
        return _dashboard(request, container, session, user, error=message, status_code=502)
    return RedirectResponse("/dashboard?notice=bought", status_code=303)


@router.post("/dashboard/verifications/{verification_id}/cancel", response_model=None)
def dashboard_cancel(
    verification_id: uuid.UUID,
    request: Request,
    container: ContainerDep,
    session: SessionDep,
    csrf_token: Text,
) -> Response:
    _check_csrf(request, csrf_token)
    user = _page_user(request, container, session)
    if user is None:
        return _to_login()
    try:
        verifications.cancel(session, container.sms, user.id, verification_id, container.clock())
    except AppError as error:
        return _dashboard(request, container, session, user, error=error.detail, status_code=error.status)
    except ProviderError:
        message = "The SMS provider refused the cancellation; nothing was refunded."
        return _dashboard(request, container, session, user, error=message, status_code=502)
    return RedirectResponse("/dashboard?notice=cancelled", status_code=303)
