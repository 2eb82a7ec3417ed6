"""Which coverage threshold is in force today, and why (for the `test` gate's reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from cimaturity.config import CoveragePolicy, RatchetStep


@dataclass(frozen=True)
class ThresholdInForce:
    percent: float
    step: RatchetStep | None  # the ratchet step that set it; None when `fail_under` alone did

    @property
    def source(self) -> str:
        if self.step is not None:
            return f"ratchet step {self.step.starts.isoformat()}"
        return "fail_under"


def threshold_in_force(policy: CoveragePolicy, today: dt.date) -> ThresholdInForce:
    """`policy.threshold(today)` plus the step responsible, so a reason can name it."""
    percent = policy.threshold(today)
    reached = [step for step in policy.ratchet if step.starts <= today and step.fail_under == percent]
    # The latest step at the maximum explains it (on a tie with fail_under, the step is named).
    step = reached[-1] if reached else None
    return ThresholdInForce(percent, step)


def format_percent(value: float) -> str:
    """70.0 -> '70', 81.29 -> '81.2': rounded down, so 69.96 never reads as 70."""
    # Decimal of repr, not value * 10: 81.3 * 10 is 812.99... in binary floating point.
    text = str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_DOWN))
    return text.removesuffix(".0")
