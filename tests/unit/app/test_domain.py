from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import domain
from app.models import VerificationStatus as S

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_debit_subtracts_and_refuses_to_go_negative() -> None:
    assert domain.debit(100, 40) == 60
    assert domain.debit(100, 100) == 0
    with pytest.raises(domain.InsufficientFunds) as caught:
        domain.debit(99, 100)
    assert (caught.value.balance, caught.value.amount) == (99, 100)


@pytest.mark.parametrize("amount", [0, -1, domain.MAX_MINOR_UNITS + 1, True, 1.5])
def test_amounts_must_be_positive_bounded_integers(amount: object) -> None:
    with pytest.raises(domain.InvalidAmount):
        domain.credit(0, amount)  # type: ignore[arg-type]


@given(st.lists(st.tuples(st.booleans(), st.integers(min_value=1, max_value=10_000)), max_size=60))
def test_any_operation_sequence_keeps_balance_non_negative_and_equal_to_ledger(
    operations: list[tuple[bool, int]],
) -> None:
    balance, ledger = 0, []
    for is_credit, amount in operations:
        if is_credit:
            balance = domain.credit(balance, amount)
            ledger.append(amount)
        else:
            try:
                balance = domain.debit(balance, amount)
            except domain.InsufficientFunds:
                continue
            ledger.append(-amount)
        assert balance >= 0
    assert domain.ledger_sum(ledger) == balance


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (150, "USD", "$1.50"),
        (5, "USD", "$0.05"),
        (-5, "USD", "-$0.05"),
        (123456, "GBP", "£1,234.56"),
        (500, "JPY", "¥500"),
        (100, "CHF", "CHF 1.00"),
    ],
)
def test_format_money(amount: int, currency: str, expected: str) -> None:
    assert domain.format_money(amount, currency) == expected


@pytest.mark.parametrize("target", [S.COMPLETED, S.CANCELLED, S.EXPIRED, S.FAILED])
def test_pending_moves_to_any_terminal_status(target: S) -> None:
    assert domain.transition(S.PENDING, target) is target


@pytest.mark.parametrize("current", [S.COMPLETED, S.CANCELLED, S.EXPIRED, S.FAILED])
def test_terminal_statuses_never_move(current: S) -> None:
    with pytest.raises(domain.InvalidTransition, match=current.value):
        domain.transition(current, S.CANCELLED)


def test_pending_cannot_become_pending() -> None:
    with pytest.raises(domain.InvalidTransition):
        domain.transition(S.PENDING, S.PENDING)


def test_only_endings_without_a_code_are_refunded() -> None:
    assert {s for s in S if domain.is_refundable(s)} == {S.CANCELLED, S.EXPIRED, S.FAILED}


def test_expiry_is_inclusive_and_only_for_pending() -> None:
    deadline = domain.expires_at(NOW, 900)
    assert deadline == NOW + timedelta(seconds=900)
    assert not domain.is_expired(S.PENDING, deadline, deadline - timedelta(microseconds=1))
    assert domain.is_expired(S.PENDING, deadline, deadline)
    assert not domain.is_expired(S.COMPLETED, deadline, deadline + timedelta(days=1))


def test_fingerprint_depends_on_every_field_and_nothing_else() -> None:
    a = domain.PurchaseRequest("telegram", "US")
    assert a.fingerprint() == domain.PurchaseRequest("telegram", "US").fingerprint()
    assert a.fingerprint() != domain.PurchaseRequest("telegram", "GB").fingerprint()
    assert a.fingerprint() != domain.PurchaseRequest("whatsapp", "US").fingerprint()
    assert len(a.fingerprint()) == 64


def test_replay_with_same_request_passes_and_with_another_fails() -> None:
    stored = domain.PurchaseRequest("telegram", "US").fingerprint()
    domain.check_replay(stored, domain.PurchaseRequest("telegram", "US"))
    with pytest.raises(domain.IdempotencyConflict):
        domain.check_replay(stored, domain.PurchaseRequest("telegram", "DE"))
