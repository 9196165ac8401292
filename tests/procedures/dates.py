"""Mission dates for tests that run against the real clock: always ahead, never across a month end."""

from __future__ import annotations

from datetime import date, timedelta

from relais.engine.french.values import MONTHS, format_date


def mission_dates(today: date | None = None) -> tuple[date, date]:
    """A start about six weeks ahead (on a day ≤ 20, so start + 2 days stays in the month) and its end."""
    start = (today or date.today()) + timedelta(days=42)
    while start.day > 20:
        start += timedelta(days=1)
    return start, start + timedelta(days=2)


def spoken(day: date) -> str:
    """« 3 mars » — the way an agent types it."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def period(start: date, end: date) -> str:
    """« du 3 au 5 mars »."""
    return f"du {start.day} au {end.day} {MONTHS[start.month - 1]}"


def long_form(day: date) -> str:
    return format_date(day)
