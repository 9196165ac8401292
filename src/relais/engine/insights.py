"""Measuring the assistant: usage, deflection and hours saved, and knowledge gaps (pure, no Django).

Everything here works on plain rows (:class:`ExchangeRow`, :class:`TicketRow`) so
each figure can be checked by hand on a small log (tests/engine/test_insights.py).

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

import numpy as np

from relais.engine.text import normalize_for_matching

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


# ---------------------------------------------------------------- hours saved


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


# ---------------------------------------------------------------- clustering


def center(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Subtract the mean direction and re-normalise.

    e5 embeddings of questions all sit in a narrow cone (two unrelated questions still score ~0.8), so
    raw cosines separate topics poorly and their scale changes from one corpus to another. Removing the
    mean — of the questions being clustered, or of a larger background such as every question of the
    period — spreads them out (bench/clustering.py: ARI 0.57 → 0.73 at the best threshold on CNIL).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if not len(vectors):
        return vectors
    shifted = vectors - (vectors.mean(axis=0) if mean is None else mean)
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return shifted / norms


def agglomerate(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine similarity, stopped at ``threshold``.

    ``vectors`` are L2-normalised rows. Two clusters merge while the mean similarity between their
    members is at least ``threshold``. Returns one label per row, 0 for the largest cluster, then by
    decreasing size (ties: first row). O(n²) memory; fine for the few thousand questions of a period.
    """
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    sim = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    parent = np.arange(n)
    best = sim.max(axis=1)
    best_at = sim.argmax(axis=1)
    while True:
        candidates = np.where(active, best, -np.inf)
        i = int(candidates.argmax())
        if candidates[i] < threshold or not np.isfinite(candidates[i]):
            break
        j = int(best_at[i])
        # Lance–Williams update for average linkage: the merged row is the size-weighted mean.
        merged = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sizes[i] += sizes[j]
        active[j] = False
        parent[parent == j] = i
        merged[i] = -np.inf
        merged[~active] = -np.inf
        sim[i, :] = merged
        sim[:, i] = merged
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        best[j] = -np.inf
        best[i], best_at[i] = sim[i].max(), int(sim[i].argmax())
        stale = active & ((best_at == i) | (best_at == j))
        stale[i] = False
        for k in np.flatnonzero(stale):
            best[k], best_at[k] = sim[k].max(), int(sim[k].argmax())
        improved = active & (sim[:, i] > best)
        best[improved] = sim[improved, i]
        best_at[improved] = i
    roots, inverse, counts = np.unique(parent, return_inverse=True, return_counts=True)
    first = np.array([np.flatnonzero(parent == root)[0] for root in roots])
    order = np.lexsort((first, -counts))  # biggest first, then earliest row
    rank = np.empty(len(roots), dtype=int)
    rank[order] = np.arange(len(roots))
    return rank[inverse]


def representatives(vectors: np.ndarray, members: Sequence[int], top: int = 3) -> list[int]:
    """The members closest to the cluster's centroid, most representative first."""
    members = list(members)
    centroid = np.asarray(vectors[members]).mean(axis=0)
    scores = np.asarray(vectors[members]) @ centroid
    order = sorted(range(len(members)), key=lambda k: (-scores[k], members[k]))
    return [members[k] for k in order[:top]]


def _contingency(truth: Sequence, predicted: Sequence) -> np.ndarray:
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted labels differ in length")
    _, t = np.unique(np.asarray(truth, dtype=object).astype(str), return_inverse=True)
    _, p = np.unique(np.asarray(predicted, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((t.max() + 1 if len(t) else 0, p.max() + 1 if len(p) else 0), dtype=np.int64)
    np.add.at(table, (t, p), 1)
    return table


def adjusted_rand_index(truth: Sequence, predicted: Sequence) -> float:
    """Hubert and Arabie's adjusted Rand index: 1 for identical partitions, about 0 for random ones."""
    table = _contingency(truth, predicted)
    n = int(table.sum())
    if n < 2:
        return 1.0

    def pairs(x):
        x = np.asarray(x, dtype=np.float64)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def purity(truth: Sequence, predicted: Sequence) -> float:
    """Share of items whose cluster's majority class is their own class (1.0 with singletons: see inverse)."""
    table = _contingency(truth, predicted)
    return float(table.max(axis=0).sum() / table.sum()) if table.size else 1.0


def inverse_purity(truth: Sequence, predicted: Sequence) -> float:
    """Share of items in the cluster holding most of their class (1.0 with one big cluster: see purity)."""
    table = _contingency(truth, predicted)
    return float(table.max(axis=1).sum() / table.sum()) if table.size else 1.0


# ---------------------------------------------------------------- knowledge gaps


@dataclass(frozen=True)
class GapItem:
    """A question Relais did not settle: an abstention, a 👎 answer, or a ticket."""

    key: str  # "echange-12" or "demande-3"
    text: str
    kind: str  # abstention, down or ticket
    created_at: datetime
    service: str = ""


@dataclass
class Gap:
    items: list[GapItem]
    examples: list[str]  # the most representative questions, first the label
    wordings: list[str]  # every distinct wording, most representative first
    service: str  # the owning service: the most frequent among its items, "" if none
    centroid: np.ndarray
    status: str = "ouverte"  # ouverte, en_voie (answered once since), fermee (answered ``closing`` times since)
    answered_since: int = 0

    @property
    def label(self) -> str:
        return self.examples[0]

    @property
    def volume(self) -> int:
        return len(self.items)

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(item.kind for item in self.items))

    @property
    def last_seen(self) -> datetime:
        return max(item.created_at for item in self.items)

    @property
    def first_seen(self) -> datetime:
        return min(item.created_at for item in self.items)


GAP_STATUS_LABELS = {"ouverte": "Ouverte", "en_voie": "En voie de résolution", "fermee": "Fermée"}


def find_gaps(
    items: Sequence[GapItem], vectors: np.ndarray, threshold: float, min_size: int = 2, examples: int = 3
) -> list[Gap]:
    """Group the unsettled questions by topic; the biggest topics first, the most recent on a tie."""
    if not len(items):
        return []
    labels = agglomerate(vectors, threshold)
    gaps = []
    for label in range(int(labels.max()) + 1):
        members = [int(k) for k in np.flatnonzero(labels == label)]
        if len(members) < min_size:
            continue
        chosen = representatives(vectors, members, top=len(members))
        texts = list(dict.fromkeys(items[k].text for k in chosen))  # distinct wordings, most central first
        services = Counter(items[k].service for k in members if items[k].service)
        centroid = np.asarray(vectors[members]).mean(axis=0)
        centroid = centroid / (np.linalg.norm(centroid) or 1.0)
        gaps.append(
            Gap(
                items=[items[k] for k in members],
                examples=texts[:examples],
                wordings=texts,
                service=services.most_common(1)[0][0] if services else "",
                centroid=centroid,
            )
        )
    gaps.sort(key=lambda g: (-g.volume, -g.last_seen.timestamp()))
    return gaps


def close_gaps(
    gaps: Sequence[Gap],
    settled_vectors: np.ndarray,
    settled_times: Sequence[datetime],
    threshold: float,
    closing: int = 2,
) -> None:
    """Mark the gaps whose questions have started being answered.

    ``settled_*`` are the questions Relais settled (answered, no 👎, no ticket after). Each is matched
    to the gap whose centroid is closest, if at least ``threshold``; a gap with ``closing`` such
    questions after its last unsettled one is closed, with one it is on its way.
    """
    if not gaps or not len(settled_times):
        return
    centroids = np.stack([gap.centroid for gap in gaps])
    sims = np.asarray(settled_vectors) @ centroids.T
    nearest = sims.argmax(axis=1)
    for row, when in enumerate(settled_times):
        gap = gaps[int(nearest[row])]
        if sims[row, nearest[row]] >= threshold and when > gap.last_seen:
            gap.answered_since += 1
    for gap in gaps:
        gap.status = "fermee" if gap.answered_since >= closing else "en_voie" if gap.answered_since else "ouverte"
