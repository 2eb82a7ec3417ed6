"""Calendar weeks of history: ISO weeks (Monday to Sunday), in UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class WeekKey:
    year: int  # the ISO year (the first days of January may belong to the last year's week 52/53)
    week: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> dt.date:
        return dt.date.fromisocalendar(self.year, self.week, 1)


def moment(recorded_at: str) -> dt.datetime:
    """An ISO 8601 time as an aware UTC datetime (a time without a zone is UTC)."""
    parsed = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))
    return parsed.replace(tzinfo=dt.UTC) if parsed.tzinfo is None else parsed.astimezone(dt.UTC)


def week_of(recorded_at: str) -> WeekKey:
    year, week, _ = moment(recorded_at).isocalendar()
    return WeekKey(year, week)
