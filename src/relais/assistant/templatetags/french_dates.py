"""Dates as a French reader reads them: the citations carry ISO dates (the API's format), the pages say « 1er
janvier 2025 »."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.dateformat import format as format_date

register = template.Library()


@register.filter
def french_date(value: str | date | None) -> str:
    """« 2025-01-01 » or a date → « 1er janvier 2025 »; anything unreadable is shown as it came."""
    if not value:
        return ""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    text = format_date(day, "j F Y")
    return f"1er{text[1:]}" if day.day == 1 else text
