"""Measuring the assistant: usage, answers and deflection (pure, no Django).

Everything here works on plain rows (:class:`ExchangeRow`, :class:`TicketRow`) so
each figure can be checked by hand on a small log (tests/engine/measure/test_measure.py).

How a question is counted (the words the dashboard and the report use):

- *answered*: Relais gave an answer (mode ``faq``, ``extractive`` or ``generated``); *abstention*: mode ``none``.
- *followed by a ticket*: a ticket opened from that exchange, or by the same agent to the same service
  within ``deflection_days`` after it. The answer did not settle the request.
- *deflected*: answered, not followed by a ticket, and not rated 👎. This is an inference: Relais never
  knows that the agent would otherwise have asked the service, nor whether they phoned a colleague instead.
  The bounds make the inference visible: *low* counts only answers rated 👍 and not followed by a ticket
  (confirmed), *high* counts every answer not followed by a ticket, 👎 included.
- *hours saved* = Σ over categories of deflected requests × the category's handling minutes / 60,
  against the service's baseline staff hours over the same period → share of the time, and that share
  against the target (15 %).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from relais.engine.french.analysis import normalize_for_matching

ABSTENTION = "none"
DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class ExchangeRow:
    id: int
    user: str  # any stable identifier of the agent; "" when unknown
    question: str
    mode: str  # faq, extractive, generated or none
    created_at: datetime
    service: str = ""
    category: str = ""
    latency_ms: float = 0.0
    rating: str = ""  # up, down or ""
    reason: str = ""

    @property
    def answered(self) -> bool:
        return self.mode != ABSTENTION


@dataclass(frozen=True)
class TicketRow:
    id: int
    user: str
    service: str
    created_at: datetime
    category: str = ""
    exchange_id: int | None = None


def followed_by_ticket(
    exchanges: Iterable[ExchangeRow], tickets: Iterable[TicketRow], deflection_days: int
) -> set[int]:
    """Ids of the exchanges after which the agent still opened a ticket (not deflected).

    A ticket counts for an exchange when it was opened from it, or when the same agent opened it
    to the exchange's service between the exchange and ``deflection_days`` later.
    """
    window = timedelta(days=deflection_days)
    by_agent_service: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    linked: set[int] = set()
    for ticket in tickets:
        if ticket.exchange_id is not None:
            linked.add(ticket.exchange_id)
        if ticket.user and ticket.service:
            by_agent_service[(ticket.user, ticket.service)].append(ticket.created_at)
    followed = set()
    for exchange in exchanges:
        if exchange.id in linked:
            followed.add(exchange.id)
            continue
        if not exchange.user or not exchange.service:
            continue
        times = by_agent_service.get((exchange.user, exchange.service), ())
        if any(timedelta(0) <= t - exchange.created_at <= window for t in times):
            followed.add(exchange.id)
    return followed


def outcome(exchange: ExchangeRow, followed: set[int]) -> str:
    """abstention, ticket (answered then a ticket), down (answered, 👎, no ticket) or deflected."""
    if not exchange.answered:
        return "abstention"
    if exchange.id in followed:
        return "ticket"
    if exchange.rating == "down":
        return "down"
    return "deflected"


def question_key(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a question, to spot repeats."""
    return " ".join(re.findall(r"\w+", normalize_for_matching(text)))


def wilson_interval(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (0, 0 for an empty sample)."""
    if total == 0:
        return 0.0, 0.0
    p = successes / total
    denominator = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denominator
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """The usage figures of a set of exchanges (a service, a category, a week…)."""

    questions: int = 0
    answered: int = 0
    by_mode: dict[str, int] = field(default_factory=dict)
    abstentions: int = 0
    tickets_after_answer: int = 0
    tickets_after_abstention: int = 0
    deflected: int = 0
    deflected_low: int = 0  # deflected and rated 👍: confirmed
    deflected_high: int = 0  # answered and no ticket, 👎 included
    rated: int = 0
    up: int = 0
    down: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    repeat_questions: int = 0  # the same question (normalised) already asked earlier in the set, by anyone
    repeat_same_agent: int = 0  # … by the same agent: the first answer may not have been enough
    median_latency_ms: float | None = None
    active_agents: int = 0

    @property
    def abstention_rate(self) -> float | None:
        return _ratio(self.abstentions, self.questions)

    @property
    def deflection_rate(self) -> float | None:
        """Deflected questions over all questions asked (abstentions included)."""
        return _ratio(self.deflected, self.questions)

    @property
    def deflection_interval(self) -> tuple[float, float]:
        return wilson_interval(self.deflected, self.questions)

    @property
    def ticket_rate(self) -> float | None:
        """Answers followed by a ticket, over answers."""
        return _ratio(self.tickets_after_answer, self.answered)

    @property
    def up_rate(self) -> float | None:
        return _ratio(self.up, self.rated)

    @property
    def down_rate(self) -> float | None:
        return _ratio(self.down, self.rated)

    @property
    def feedback_rate(self) -> float | None:
        """Answers that got a 👍 or 👎, over answers."""
        return _ratio(self.rated, self.answered)

    @property
    def repeat_rate(self) -> float | None:
        return _ratio(self.repeat_questions, self.questions)


def figures(exchanges: Sequence[ExchangeRow], followed: set[int]) -> Figures:
    """Usage figures of ``exchanges``; ``followed`` comes from :func:`followed_by_ticket`."""
    result = Figures()
    seen: set[str] = set()
    seen_by_agent: set[tuple[str, str]] = set()
    by_mode: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    agents: set[str] = set()
    for exchange in sorted(exchanges, key=lambda e: (e.created_at, e.id)):
        result.questions += 1
        kind = outcome(exchange, followed)
        if exchange.answered:
            result.answered += 1
            by_mode[exchange.mode] += 1
            if exchange.id in followed:
                result.tickets_after_answer += 1
            else:
                result.deflected_high += 1
        else:
            result.abstentions += 1
            if exchange.id in followed:
                result.tickets_after_abstention += 1
        if kind == "deflected":
            result.deflected += 1
            if exchange.rating == "up":
                result.deflected_low += 1
        if exchange.rating in {"up", "down"} and exchange.answered:
            result.rated += 1
            result.up += exchange.rating == "up"
            result.down += exchange.rating == "down"
            if exchange.rating == "down" and exchange.reason:
                reasons[exchange.reason] += 1
        key = question_key(exchange.question)
        if key in seen:
            result.repeat_questions += 1
        if exchange.user and (exchange.user, key) in seen_by_agent:
            result.repeat_same_agent += 1
        seen.add(key)
        if exchange.user:
            seen_by_agent.add((exchange.user, key))
            agents.add(exchange.user)
    result.by_mode = dict(by_mode)
    result.reasons = dict(reasons.most_common())
    result.active_agents = len(agents)
    latencies = [e.latency_ms for e in exchanges]
    result.median_latency_ms = median(latencies) if latencies else None
    return result


def group_by(exchanges: Iterable[ExchangeRow], key: Callable[[ExchangeRow], str]) -> dict[str, list[ExchangeRow]]:
    groups: dict[str, list[ExchangeRow]] = defaultdict(list)
    for exchange in exchanges:
        groups[key(exchange)].append(exchange)
    return dict(sorted(groups.items()))


def week_key(moment: datetime | date) -> str:
    """ISO week, « 2026-S07 » (S for semaine)."""
    year, week, _ = moment.isocalendar()
    return f"{year}-S{week:02d}"


def month_key(moment: datetime | date) -> str:
    return f"{moment.year}-{moment.month:02d}"


PERIOD_KEYS: dict[str, Callable[[datetime | date], str]] = {"week": week_key, "month": month_key}


def figures_by(
    exchanges: Sequence[ExchangeRow], followed: set[int], key: Callable[[ExchangeRow], str]
) -> dict[str, Figures]:
    return {name: figures(rows, followed) for name, rows in group_by(exchanges, key).items()}
