"""The shared detectors: what swallows a check's failure, what sleeps instead of polling."""

from __future__ import annotations

import pytest

from cimaturity.audit.detect import fixed_sleeps, reraises, soft_inputs, soft_markers


@pytest.mark.parametrize(
    ("script", "marker", "command"),
    [
        (
            'python scripts/validate_schema.py || echo "not found"',
            "|| echo",
            "python scripts/validate_schema.py",
        ),
        ("pytest -q || true", "|| true", "pytest -q"),
        ("safety check || :", "|| :", "safety check"),
        ("CI=1 mypy . || exit 0", "|| exit 0", "CI=1 mypy ."),
        ("bandit -r app -ll --exit-zero", "--exit-zero", "bandit -r app"),
        ("cd app && pytest 2>/dev/null || true", "|| true", "pytest"),
    ],
)
def test_a_swallowed_check_is_found(script: str, marker: str, command: str) -> None:
    assert [(m.marker, m.command, m.line_index) for m in soft_markers(script)] == [(marker, command, 0)]


@pytest.mark.parametrize(
    "script",
    [
        "rm -rf build || true",
        "pkill -f uvicorn || true",
        "pip install -e . || true",
        "docker rm -f db || true",
        "ruff check . || exit 1",
        "mypy . || { echo 'type errors'; exit 1; }",
        "pytest  # || true is only a comment here",
        "echo '|| true inside quotes' # fine",
    ],
)
def test_cleanup_and_re_raised_failures_are_not_soft(script: str) -> None:
    assert soft_markers(script) == []


def test_each_marker_names_its_own_line() -> None:
    script = "set -e\nruff check .\npytest || true\nmypy . --exit-zero\n"
    assert [(m.marker, m.line_index) for m in soft_markers(script)] == [("|| true", 2), ("--exit-zero", 3)]


def test_a_sleep_outside_a_loop_is_fixed_and_inside_one_is_backoff() -> None:
    script = (
        "uvicorn app:app &\n"
        "sleep 10\n"
        "for i in {1..10}; do\n"
        "  curl -f http://x/health && break\n"
        "  sleep 10\n"
        "done\n"
        "until curl -f http://x; do sleep 3; done\n"
        "sleep 2\n"
        "sleep 1m\n"
    )
    assert [(s.seconds, s.line_index) for s in fixed_sleeps(script)] == [(10.0, 1), (60.0, 8)]


def test_reraised_soft_step() -> None:
    assert reraises("mypy", "steps.mypy.outcome == 'failure'", "exit 1")
    assert reraises("mypy", None, 'if [ "${{ steps.mypy.outcome }}" != success ]; then exit 1; fi')
    assert not reraises("mypy", "failure()", "exit 1")  # a continue-on-error failure is no failure()
    assert not reraises("mypy", "steps.mypy.outcome == 'failure'", "echo it failed")


def test_exit_code_zero_input_is_soft() -> None:
    assert soft_inputs({"exit-code": "0"}) == ["exit-code: 0"]
    assert soft_inputs({"exit-code": "1"}) == []
