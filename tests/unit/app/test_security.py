from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.security import (
    InvalidSignature,
    InvalidToken,
    Passwords,
    csrf_matches,
    issue_token,
    new_csrf_token,
    read_token,
    sign_payload,
    verify_signature,
)

KEY = "k" * 40
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_password_hash_verifies_only_the_right_password() -> None:
    passwords = Passwords(time_cost=1, memory_cost_kib=8)
    stored = passwords.hash("s3cret-password")
    assert stored.startswith("$argon2id$")
    assert "s3cret-password" not in stored
    assert passwords.verify(stored, "s3cret-password")
    assert not passwords.verify(stored, "wrong-password")
    assert not passwords.verify(None, "s3cret-password")
    assert not passwords.verify("not-a-hash", "s3cret-password")


def test_token_round_trip_and_expiry() -> None:
    user_id = uuid.uuid4()
    token = issue_token(user_id, KEY, 60, NOW)
    assert token.expires_at == NOW + timedelta(seconds=60)
    assert read_token(token.token, KEY, NOW + timedelta(seconds=59)) == user_id
    with pytest.raises(InvalidToken, match="expired"):
        read_token(token.token, KEY, NOW + timedelta(seconds=60))


def test_token_signed_with_another_key_or_algorithm_is_rejected() -> None:
    token = issue_token(uuid.uuid4(), KEY, 60, NOW).token
    with pytest.raises(InvalidToken):
        read_token(token, "x" * 40, NOW)
    claims = {"sub": str(uuid.uuid4()), "iss": "sms-verification", "exp": int(NOW.timestamp()) + 60}
    unsigned = jwt.encode(claims, "", algorithm="none")
    with pytest.raises(InvalidToken):
        read_token(unsigned, KEY, NOW)


@pytest.mark.parametrize(
    "claims",
    [
        {"iss": "sms-verification", "exp": 2_000_000_000},  # no subject
        {"sub": "not-a-uuid", "iss": "sms-verification", "exp": 2_000_000_000},
        {"sub": str(uuid.UUID(int=1)), "iss": "someone-else", "exp": 2_000_000_000},
        {"sub": str(uuid.UUID(int=1)), "iss": "sms-verification"},  # no expiry
    ],
)
def test_tokens_with_bad_claims_are_rejected(claims: dict[str, object]) -> None:
    with pytest.raises(InvalidToken):
        read_token(jwt.encode(claims, KEY, algorithm="HS256"), KEY, NOW)


def test_a_remembered_token_is_still_checked_for_expiry_key_and_tampering() -> None:
    """Verified tokens are memoised (issue 11); what is remembered never outlives the checks."""
    user_id = uuid.uuid4()
    token = issue_token(user_id, KEY, 60, NOW).token
    for _ in range(3):  # verified once, then served from memory
        assert read_token(token, KEY, NOW) == user_id
    with pytest.raises(InvalidToken, match="expired"):
        read_token(token, KEY, NOW + timedelta(seconds=60))  # the expiry is compared every time
    with pytest.raises(InvalidToken):
        read_token(token, "y" * 40, NOW)  # the key is part of what is remembered
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    for _ in range(2):  # a failure is not remembered as a success
        with pytest.raises(InvalidToken):
            read_token(forged, KEY, NOW)


def test_garbage_token_is_rejected() -> None:
    with pytest.raises(InvalidToken):
        read_token("not.a.jwt", KEY, NOW)


BODY = b'{"id":"evt_1"}'
SECRET = b"webhook-secret"


def test_valid_signature_passes() -> None:
    verify_signature(BODY, sign_payload(BODY, SECRET, 1000), SECRET, now=1100, tolerance=300)


@pytest.mark.parametrize(
    ("body", "header", "message"),
    [
        (BODY + b" ", sign_payload(BODY, SECRET, 1000), "mismatch"),
        (BODY, sign_payload(BODY, b"other-secret", 1000), "mismatch"),
        (BODY, sign_payload(BODY, SECRET, 600), "tolerance"),
        (BODY, sign_payload(BODY, SECRET, 1500), "tolerance"),
        (BODY, "v1=abc", "malformed"),
        (BODY, "t=abc,v1=abc", "malformed"),
        (BODY, None, "missing"),
        (BODY, "", "missing"),
    ],
)
def test_bad_signatures_are_rejected(body: bytes, header: str | None, message: str) -> None:
    with pytest.raises(InvalidSignature, match=message):
        verify_signature(body, header, SECRET, now=1000, tolerance=300)


def test_signature_timestamp_is_part_of_the_mac() -> None:
    header = sign_payload(BODY, SECRET, 1000)
    forged = header.replace("t=1000", "t=1001")
    with pytest.raises(InvalidSignature, match="mismatch"):
        verify_signature(BODY, forged, SECRET, now=1000, tolerance=300)


def test_csrf_tokens_are_random_and_compared_exactly() -> None:
    token = new_csrf_token()
    assert token != new_csrf_token()
    assert len(token) >= 40
    assert csrf_matches(token, token)
    assert not csrf_matches(token, token[:-1])
    assert not csrf_matches(None, token)
    assert not csrf_matches(token, "")
