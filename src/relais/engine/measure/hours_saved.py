"""Hours saved: deflected requests × handling minutes, against each service's baseline staff hours."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from relais.engine.measure.deflection import DAYS_PER_MONTH, ExchangeRow, outcome


def months_between(start: date, end: date) -> float:
    """Length of the inclusive period [start, end] in average months."""
    return ((end - start).days + 1) / DAYS_PER_MONTH


@dataclass(frozen=True)
class CategorySavings:
    service: str
    category: str
    minutes: float | None  # handling minutes of the category; None: no baseline, not counted
    minutes_source: str  # "category", "service" (the service's default) or "" (none)
    deflected: int
    deflected_low: int
    deflected_high: int

    @property
    def hours(self) -> float:
        return self.deflected * (self.minutes or 0) / 60

    @property
    def hours_low(self) -> float:
        return self.deflected_low * (self.minutes or 0) / 60

    @property
    def hours_high(self) -> float:
        return self.deflected_high * (self.minutes or 0) / 60


@dataclass(frozen=True)
class ServiceSavings:
    service: str
    categories: list[CategorySavings]
    baseline_hours: float | None  # the service's staff hours on recurring requests over the period
    target: float

    @property
    def deflected(self) -> int:
        return sum(c.deflected for c in self.categories)

    @property
    def unpriced(self) -> int:
        """Deflected requests of categories with no handling time: not counted in the hours."""
        return sum(c.deflected for c in self.categories if c.minutes is None)

    @property
    def hours(self) -> float:
        return sum(c.hours for c in self.categories)

    @property
    def hours_low(self) -> float:
        return sum(c.hours_low for c in self.categories)

    @property
    def hours_high(self) -> float:
        return sum(c.hours_high for c in self.categories)

    def _share(self, hours: float) -> float | None:
        return hours / self.baseline_hours if self.baseline_hours else None

    @property
    def share(self) -> float | None:
        """Hours saved over the baseline hours of the period."""
        return self._share(self.hours)

    @property
    def share_low(self) -> float | None:
        return self._share(self.hours_low)

    @property
    def share_high(self) -> float | None:
        return self._share(self.hours_high)

    @property
    def of_target(self) -> float | None:
        """The share against the target: 1.0 means the 15 % are reached."""
        return None if self.share is None else self.share / self.target

    @property
    def of_target_low(self) -> float | None:
        return None if self.share_low is None else self.share_low / self.target

    @property
    def of_target_high(self) -> float | None:
        return None if self.share_high is None else self.share_high / self.target


def savings(
    exchanges: Sequence[ExchangeRow],
    followed: set[int],
    *,
    minutes: dict[tuple[str, str], float],
    default_minutes: dict[str, float],
    baseline_hours: dict[str, float],
    target: float = 0.15,
) -> list[ServiceSavings]:
    """Hours saved per service and category.

    ``minutes`` maps (service, category) to the category's handling minutes; a category without
    its own figure takes ``default_minutes[service]``; without either it is listed, not counted.
    ``baseline_hours`` are the service's staff hours on recurring requests over the same period.
    """
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for exchange in exchanges:
        kind = outcome(exchange, followed)
        cell = counts[(exchange.service, exchange.category)]
        if kind == "deflected":
            cell[0] += 1
            cell[1] += exchange.rating == "up"
        if exchange.answered and exchange.id not in followed:
            cell[2] += 1
    per_service: dict[str, list[CategorySavings]] = defaultdict(list)
    for (service, category), (deflected, low, high) in sorted(counts.items()):
        if (service, category) in minutes:
            value, source = minutes[(service, category)], "category"
        elif service in default_minutes:
            value, source = default_minutes[service], "service"
        else:
            value, source = None, ""
        per_service[service].append(CategorySavings(service, category, value, source, deflected, low, high))
    return [ServiceSavings(service, rows, baseline_hours.get(service), target) for service, rows in per_service.items()]


def baseline_hours_for(staff_hours_per_month: float, start: date, end: date) -> float:
    return staff_hours_per_month * months_between(start, end)
