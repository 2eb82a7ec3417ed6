"""Passwords (argon2), access tokens (JWT), webhook signatures (HMAC-SHA256), CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

JWT_ALGORITHM = "HS256"
JWT_ISSUER = "sms-verification"
SIGNATURE_HEADER = "X-Signature"


class InvalidToken(Exception):
    pass


class InvalidSignature(Exception):
    pass


class Passwords:
    def __init__(self, time_cost: int = 3, memory_cost_kib: int = 65536) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=1)
        # Verifying against this keeps unknown-email logins as slow as wrong-password ones.
        self._dummy_hash = self._hasher.hash(secrets.token_hex(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy_hash, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_at: datetime


def issue_token(user_id: uuid.UUID, key: str, ttl_seconds: int, now: datetime) -> AccessToken:
    expires = now + timedelta(seconds=ttl_seconds)
    claims = {
        "sub": str(user_id),
        "iss": JWT_ISSUER,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return AccessToken(jwt.encode(claims, key, algorithm=JWT_ALGORITHM), expires)


def read_token(token: str, key: str, now: datetime) -> uuid.UUID:
    """The user id in a valid, unexpired token signed with `key`; InvalidToken otherwise."""
    user_id, expires = _verified_claims(token, key)
    if expires <= int(now.timestamp()):
        raise InvalidToken("token expired")
    return user_id


@lru_cache(maxsize=4096)
def _verified_claims(token: str, key: str) -> tuple[uuid.UUID, int]:
    """Subject and expiry of a token whose signature, algorithm and issuer check out.

    Memoised per (token, key): a client sends the same token with every request, and verifying
    it (base64, JSON, HMAC) was a twentieth of GET /wallet. Only verified tokens are remembered
    (a raised InvalidToken is not cached), the key is part of the cache key, and the expiry is
    compared with the clock on every call by `read_token`, never cached."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[JWT_ALGORITHM],
            issuer=JWT_ISSUER,
            options={"require": ["exp", "sub", "iss"], "verify_exp": False, "verify_iat": False},
        )
        return uuid.UUID(str(claims["sub"])), int(claims["exp"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        raise InvalidToken(str(error)) from None


def sign_payload(body: bytes, key: bytes, timestamp: int) -> str:
    """Header value for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`."""
    digest = hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(body: bytes, header: str | None, key: bytes, now: int, tolerance: int) -> None:
    """Raise InvalidSignature unless `header` signs `body` with `key` within `tolerance` seconds."""
    if not header:
        raise InvalidSignature("missing signature")
    parts: dict[str, str] = {}
    for item in header.split(","):
        name, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(name, value)
    try:
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        raise InvalidSignature("malformed signature header") from None
    if abs(now - timestamp) > tolerance:
        raise InvalidSignature("signature timestamp outside the tolerance window")
    expected = sign_payload(body, key, timestamp).partition("v1=")[2]
    if not hmac.compare_digest(expected, received):
        raise InvalidSignature("signature mismatch")


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(cookie_value: str | None, form_value: str | None) -> bool:
    if not cookie_value or not form_value:
        return False
    return hmac.compare_digest(cookie_value.encode(), form_value.encode())
