"""The citizens' assistant measured apart from the agents (issue 20): the visitors' questions of a period, how
many were answered, handed over to a service, asked outside the town hall's opening hours or screened by the
guard, and the calls (or visits) they may have spared the town hall.

Two sources, never both for one question: the visitors' exchanges still stored (`Exchange`, audience public) and
the anonymised daily counts of those already purged or never stored (`UsageCounter`, audience public: the purge
adds a count and deletes the exchange in one transaction; with RELAIS_PUBLIC_RETENTION_DAYS=0 only the count is
written). The agents' measure (measure.py) reads neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.utils import timezone

from relais.assistant.models import Exchange, UsageCounter
from relais.engine.guard import KINDS, PREFIX_KINDS
from relais.engine.measure.deflection import week_key

PUBLIC = "public"
# The guard's kinds that replace the answer by a fixed one; « personal_decision » only adds a note to an answer.
REFUSING_KINDS = frozenset(KINDS) - PREFIX_KINDS


def refused(screened: str) -> bool:
    """Whether the guard gave this question a fixed answer instead of a search."""
    return screened in REFUSING_KINDS


def handed_over(mode: str, screened: str) -> bool:
    """A visitor the pages did not answer (an abstention or a personal situation) is sent to a service's desk or
    the town hall: the hand-over. A fixed answer of the guard is no hand-over."""
    return mode == "none" and not refused(screened)


def opening_hours() -> Callable[[datetime], bool | None]:
    """Whether the town hall was open at a moment (None: no opening hours configured), from the directory of the
    services' desks. Remembered per minute, as hours are written to the minute: a period's questions read the
    directory once per distinct minute, not once per question."""
    from relais.knowledge.directory import town_hall_open

    seen: dict[datetime, bool | None] = {}

    def is_open(at: datetime) -> bool | None:
        minute = timezone.localtime(at).replace(second=0, microsecond=0)
        if minute not in seen:
            seen[minute] = town_hall_open(minute)
        return seen[minute]

    return is_open


@dataclass
class Counts:
    """The visitors' questions of a day, a week or a period; every question is answered, handed over or screened."""

    questions: int = 0
    handovers: int = 0
    screened: int = 0
    outside_hours: int = 0
    thumbs_down: int = 0  # answers a visitor found useless (👎): not counted as calls avoided

    @property
    def answered(self) -> int:
        return self.questions - self.handovers - self.screened

    def add(self, other: Counts) -> None:
        self.questions += other.questions
        self.handovers += other.handovers
        self.screened += other.screened
        self.outside_hours += other.outside_hours
        self.thumbs_down += other.thumbs_down


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Visitors:
    """The section « Assistant des citoyens » of the dashboard for one period."""

    total: Counts
    series: dict[str, Counts]  # week or month → its counts, in order
    hours_known: bool  # False: the town hall's opening hours are not configured, outside_hours means nothing
    call_share_low: float
    call_share_high: float

    @property
    def answered_share(self) -> float | None:
        return share(self.total.answered, self.total.questions)

    @property
    def handover_share(self) -> float | None:
        return share(self.total.handovers, self.total.questions)

    @property
    def outside_share(self) -> float | None:
        return share(self.total.outside_hours, self.total.questions) if self.hours_known else None

    @property
    def outside_hours(self) -> int | None:
        return self.total.outside_hours if self.hours_known else None

    @property
    def calls_low(self) -> int:
        return self.calls()[0]

    @property
    def calls_high(self) -> int:
        return self.calls()[1]

    def calls_base(self, counts: Counts | None = None) -> int:
        """Answers that may have spared a call: the answered questions less those rated 👎."""
        counts = counts or self.total
        return max(counts.answered - counts.thumbs_down, 0)

    def calls(self, counts: Counts | None = None) -> tuple[int, int]:
        """Estimated calls or visits avoided, low and high: (answers − 👎) × p, p between the two settings."""
        base = self.calls_base(counts)
        return round_half_up(base * self.call_share_low), round_half_up(base * self.call_share_high)


def round_half_up(value: float) -> int:
    return int(value + 0.5)


def _stored(start: date, end: date, service: str | None, is_open) -> list[tuple[date, Counts]]:
    """One row per visitor's exchange still stored in the period."""
    exchanges = Exchange.objects.filter(audience=PUBLIC, created_at__date__gte=start, created_at__date__lte=end)
    if service is not None:
        exchanges = exchanges.filter(service=service)
    rows = []
    for created_at, mode, screened, rating in exchanges.values_list(
        "created_at", "mode", "screened", "feedback__rating"
    ):
        handover, fixed = handed_over(mode, screened), refused(screened)
        answered = not (handover or fixed)
        counts = Counts(
            questions=1,
            handovers=int(handover),
            screened=int(fixed),
            outside_hours=int(is_open is not None and is_open(created_at) is False),
            thumbs_down=int(answered and rating == "down"),
        )
        rows.append((timezone.localtime(created_at).date(), counts))
    return rows


def _counted(start: date, end: date, service: str | None) -> list[tuple[date, Counts]]:
    """One row per daily count of visitors' exchanges purged (or never stored) in the period."""
    counters = UsageCounter.objects.filter(audience=PUBLIC, day__gte=start, day__lte=end)
    if service is not None:
        counters = counters.filter(service=service)
    rows = []
    for counter in counters:
        counts = Counts(
            questions=counter.exchanges,
            handovers=counter.handovers,
            screened=counter.screened,
            outside_hours=counter.outside_hours,
            thumbs_down=counter.thumbs_down if counter.mode != "none" else 0,
        )
        rows.append((counter.day, counts))
    return rows


def visitors(start: date, end: date, service: str | None = None, key: Callable[[date], str] = week_key) -> Visitors:
    """The visitors' figures of the period (of one service when ``service`` is given, "" for no service), grouped
    by ``key`` (week or month)."""
    is_open = opening_hours()
    hours_known = is_open(timezone.now()) is not None
    total, series = Counts(), {}
    rows = [*_stored(start, end, service, is_open if hours_known else None), *_counted(start, end, service)]
    for day, counts in sorted(rows, key=lambda row: row[0]):
        total.add(counts)
        series.setdefault(key(day), Counts()).add(counts)
    config = settings.RELAIS
    return Visitors(total, series, hours_known, config.public_call_share_low, config.public_call_share_high)
