"""Knowledge gaps: the questions Relais did not settle, grouped by topic, for the référents to fix.

Unsettled: an abstention, an answer rated 👎, an answer the agent passed on to a service as a ticket, or a
ticket opened without going through Relais. Their questions are embedded without the town's name (`topic_text`;
cached in QuestionVector), centred on the mean of every question of the period and of the FAQ's phrasings,
and clustered (relais.engine.measure). A gap closes when questions of its topic start being answered: settled
questions asked after its last unsettled one.

Embedding is the heavy part (3,500 questions took 101 s; 30 new ones 0.5 to 2 s on two cores, more while the
chat or the worker also embeds): the worker does it (`embed_questions`, each sweep), and a page never does. The
questions it finds without a vector are counted as pending, not clustered, and the page asks the worker to embed
them now rather than at its next sweep (one job queued at a time). The clustering itself (about 1 s for 3,500
questions) is kept in the cache until an exchange, a ticket, a stored vector or the FAQ changes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from relais.accounts.models import Profile
from relais.assistant.models import Exchange, Feedback
from relais.engine.french.analysis import fold_accents
from relais.engine.measure import clustering, deflection, knowledge_gaps
from relais.helpdesk.models import Ticket
from relais.insights.measure import Period, exchange_rows, is_simulated, ticket_rows
from relais.insights.models import QuestionVector
from relais.knowledge.models import Collection, Document, FaqEntry

FAQ_PHRASINGS = 8  # wordings of the gap offered as the new entry's phrasings
KIND_LABELS = {"abstention": "Abstention", "down": "Réponse jugée inutile (👎)", "ticket": "Demande au service"}


def _embedder():
    from relais.knowledge.index import get_passage_index

    return get_passage_index().embedder


EMBED_PER_RUN = 300  # questions one worker run embeds (about 15 s on two cores: outbox sends wait behind it)
REPORT_CACHE_SECONDS = 3600
# A page that finds questions without a vector queues the worker's job at most this often (per process).
EMBED_REQUEST_SECONDS = 60


def topic_text(text: str) -> str:
    """A question as it is clustered: without the town's own name.

    In the town's assistant every question is about the town: its name says nothing of the topic, yet the model
    weighs a proper noun heavily. The demo questions naming the demo town score 0.45 to 0.64 with each other
    (centred cosine) whatever they ask — the weather, the solidarity day, the mayor's pay —, 0.02 to 0.29 without.
    """
    pattern = _town_pattern(settings.RELAIS.town_name)
    if pattern is None:
        return text
    return " ".join(pattern.sub(" ", text).split()) or text


@lru_cache(maxsize=4)
def _town_pattern(name: str) -> re.Pattern[str] | None:
    """The name as agents type it: any case, with or without its accents, hyphens or spaces."""
    parts = []
    for char in name.strip():
        if char.isalpha():
            folded = fold_accents(char)
            parts.append(f"[{re.escape(char + folded)}]" if len(folded) == 1 else re.escape(char))
        else:
            parts.append(r"[\s\-‐'’]*")
    # Not inside a longer name: « Saint-Étienne-du-Rouvray » is another town.
    return re.compile(rf"(?<![\w‐-]){''.join(parts)}(?![\w‐-])", re.IGNORECASE) if parts else None


def _keys(embedder, texts: list[str]) -> list[str]:
    return [hashlib.sha256(f"{embedder.name}\0query\0{t}".encode()).hexdigest() for t in texts]


def _stored_vectors(keys: list[str]) -> dict[str, np.ndarray]:
    known: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        for row in QuestionVector.objects.filter(key__in=unique[start : start + 500]):
            known[row.key] = row.array()
    return known


def stored_question_vectors(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The vectors of ``texts`` already embedded, and which texts have one (the others are left at zero)."""
    embedder = _embedder()
    keys = _keys(embedder, [topic_text(t) for t in texts])
    known = _stored_vectors(keys)
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    present = np.zeros(len(texts), dtype=bool)
    for row, key in enumerate(keys):
        if key in known:
            out[row], present[row] = known[key], True
    return out, present


def question_vectors(texts: list[str]) -> np.ndarray:
    """Query embeddings of ``texts`` (their topic_text), computed once per (embedder, text) and kept in the database."""
    embedder = _embedder()
    texts = [topic_text(t) for t in texts]
    keys = _keys(embedder, texts)
    known = _stored_vectors(keys)
    missing = list(dict.fromkeys((k, t) for k, t in zip(keys, texts, strict=True) if k not in known))
    if missing:
        vectors = embedder.embed_queries([t for _, t in missing])
        rows = [
            QuestionVector(key=k, vector=v.astype(np.float32).tobytes())
            for (k, _), v in zip(missing, vectors, strict=True)
        ]
        QuestionVector.objects.bulk_create(rows, ignore_conflicts=True)  # another process may have stored some
        for (k, _), v in zip(missing, vectors, strict=True):
            known[k] = v
    out = np.empty((len(texts), embedder.dim), dtype=np.float32)
    for row, key in enumerate(keys):
        out[row] = known[key]
    return out


def faq_vectors() -> np.ndarray:
    """The FAQ phrasings' query vectors: a stable background of the town's questions to centre on.

    A period with few questions would otherwise be centred on a handful of vectors.
    """
    embedder = _embedder()
    matrices = [
        entry.matrix(embedder.dim)
        for entry in FaqEntry.objects.filter(embedder=embedder.name).only("embeddings", "embedder")
    ]
    return np.concatenate(matrices) if matrices else np.zeros((0, embedder.dim), dtype=np.float32)


def ticket_text(ticket: Ticket) -> str:
    description = " ".join(ticket.description.split())
    if description and description.lower() != ticket.title.lower():
        return f"{ticket.title} — {description[:200]}"
    return ticket.title


@dataclass
class GapReport:
    period: Period
    gaps: list[knowledge_gaps.Gap]
    unsettled: int  # unsettled questions in the period
    isolated: int  # of which in no gap (a topic asked only once)
    settled: int
    simulated: bool = False  # some of its questions or tickets come from the demo's usage simulator
    pending: int = 0  # unsettled questions not embedded yet by the worker: counted, not clustered


def find_gaps(period: Period, min_size: int = 2, *, embed_missing: bool = True) -> GapReport:
    """The period's gaps. Pages pass `embed_missing=False`: questions the worker has not embedded yet are
    counted as pending, and queued for it, instead of being embedded inside the request."""
    config = settings.RELAIS
    rows = exchange_rows(period.start, period.end)
    tickets = ticket_rows(period.start, period.end)
    followed = deflection.followed_by_ticket(rows, tickets, config.deflection_days)
    items = _unsettled_items(period, rows, tickets)
    # The topic's later questions close it, up to today: the period's end is not the end of the story.
    later = Exchange.objects.filter(audience="agents", created_at__date__gte=period.start).exclude(mode="none")
    later = later.exclude(feedback__rating="down").exclude(followed_by_ticket=True).exclude(pk__in=followed)
    later = later.filter(tickets__isnull=True)
    settled = [(e.question, e.created_at) for e in later.only("question", "created_at").order_by("created_at")]
    simulated = is_simulated(rows, tickets, {}, period.service)
    if not items:
        return GapReport(period, [], 0, 0, len(settled), simulated)
    all_texts = [r.question for r in rows] + [i.text for i in items] + [q for q, _ in settled]
    if embed_missing:
        vectors, present = question_vectors(all_texts), np.ones(len(all_texts), dtype=bool)
    else:
        vectors, present = stored_question_vectors(all_texts)
        if not present.all():
            _ask_the_worker_to_embed()
    parts = np.split(np.arange(len(all_texts)), [len(rows), len(rows) + len(items)])
    kept_items = [item for item, row in zip(items, parts[1], strict=True) if present[row]]
    pending = len(items) - len(kept_items)
    if not kept_items:
        return GapReport(period, [], len(items), 0, len(settled), simulated, pending)
    mean = np.concatenate([vectors[present], faq_vectors()]).mean(axis=0)
    item_vectors = clustering.center(vectors[parts[1][present[parts[1]]]], mean)
    gaps = knowledge_gaps.find_gaps(kept_items, item_vectors, config.gap_threshold, min_size=min_size)
    settled_rows = parts[2][present[parts[2]]]
    if len(settled_rows):
        settled_vectors = clustering.center(vectors[settled_rows], mean)
        settled_times = [settled[row - len(rows) - len(items)][1] for row in settled_rows]
        knowledge_gaps.close_gaps(gaps, settled_vectors, settled_times, config.gap_threshold)
    in_gaps = sum(g.volume for g in gaps)
    return GapReport(period, gaps, len(items), len(kept_items) - in_gaps, len(settled), simulated, pending)


def _ask_the_worker_to_embed() -> None:
    """Queue `embed_questions` now, not at the worker's next sweep; one job per minute whatever the page views."""
    if cache.add("relais-gaps:embed-queued", True, EMBED_REQUEST_SECONDS):
        embed_questions.enqueue()


def _unsettled_items(period: Period, rows, tickets) -> list[knowledge_gaps.GapItem]:
    # A ticket opened from the answer (« Transmettre ») says that answer fell short; a ticket merely opened
    # in the days after may be about something else: it enters on its own, with its own words, below.
    linked = {t.exchange_id for t in tickets if t.exchange_id is not None}
    items: list[knowledge_gaps.GapItem] = []
    for row in rows:
        if not row.answered:
            kind = "abstention"
        elif row.id in linked:
            kind = "ticket"
        elif row.rating == "down":
            kind = "down"
        else:
            continue
        items.append(knowledge_gaps.GapItem(f"echange-{row.id}", row.question, kind, row.created_at, row.service))
    # An agent's request made without asking first; a visitor's (the citizens' contact form) is not the agents' gap.
    lone_tickets = Ticket.objects.filter(
        audience="agents", exchange__isnull=True, created_at__date__gte=period.start, created_at__date__lte=period.end
    )
    for ticket in lone_tickets:
        items.append(
            knowledge_gaps.GapItem(
                f"demande-{ticket.pk}", ticket_text(ticket), "ticket", ticket.created_at, ticket.service
            )
        )
    if period.service:
        items = [i for i in items if i.service == period.service]
    return items


def gaps_for_page(period: Period) -> GapReport:
    """The gaps as the pages show them: never embedding, computed once until the data they rest on change."""
    key = f"relais-gaps:{_data_version(period)}"
    report = cache.get(key)
    if report is None:
        report = find_gaps(period, embed_missing=False)
        cache.set(key, report, REPORT_CACHE_SECONDS)
    return report


def _data_version(period: Period) -> str:
    state = [
        period,
        settings.RELAIS.gap_threshold,
        settings.RELAIS.town_name,  # left out of the clustered texts
        timezone.localdate(),  # gaps close « up to today »
        Exchange.objects.aggregate(Max("pk"), Count("pk")),
        Ticket.objects.aggregate(Max("pk"), Max("updated_at"), Count("pk")),
        Feedback.objects.aggregate(Max("pk"), Count("pk")),
        FaqEntry.objects.aggregate(Max("updated_at"), Count("pk")),
        QuestionVector.objects.count(),
        Profile.objects.filter(simulated=True).count(),
    ]
    return hashlib.sha256(repr(state).encode()).hexdigest()


@task()
def embed_questions() -> int:
    """Embed the questions the gap pages will need (those kept by the retention), a bounded batch per run."""
    since = timezone.now() - timedelta(days=settings.RELAIS.retention_days)
    texts = list(Exchange.objects.filter(created_at__gte=since).values_list("question", flat=True))
    lone = Ticket.objects.filter(audience="agents", exchange__isnull=True, created_at__gte=since).only(
        "title", "description"
    )
    texts += [ticket_text(ticket) for ticket in lone]
    texts = [topic_text(t) for t in texts]
    keys = _keys(_embedder(), texts)
    stored: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        stored.update(QuestionVector.objects.filter(key__in=unique[start : start + 500]).values_list("key", flat=True))
    missing = list(dict.fromkeys(t for k, t in zip(keys, texts, strict=True) if k not in stored))[:EMBED_PER_RUN]
    if missing:
        question_vectors(missing)
    return len(missing)


def service_gaps(service: str) -> list[knowledge_gaps.Gap]:
    """One service's gaps over the pages' default period, as the gaps page shows them (the référents' workspace)."""
    default = Period.default()
    return gaps_for_page(Period(default.start, default.end, service)).gaps


def faq_collection(service: str) -> Collection | None:
    """Where a new FAQ entry of this service goes: the collection holding most of its documents."""
    if service:
        row = (
            Document.objects.filter(service=service)
            .values("collection")
            .annotate(documents=Count("pk"))
            .order_by("-documents", "collection")
            .first()
        )
        if row:
            return Collection.objects.filter(pk=row["collection"]).first()
    return Collection.objects.filter(audience="agents").order_by("pk").first()


def _entry_asking(gap: knowledge_gaps.Gap, collection: Collection | None) -> FaqEntry | None:
    """The FAQ entry of ``collection`` (where a new one would go) that already asks the gap's question: its answer did
    not settle the question (a ticket followed it, or a 👎), so the référent reviews that entry — a second one with
    the same question is refused by the form."""
    if collection is None:
        return None
    return FaqEntry.objects.filter(collection=collection, question=gap.label[:500]).first()


def faq_review_url(gap: knowledge_gaps.Gap) -> str:
    """The admin form of the FAQ entry that already asks the gap's question, or "" when there is none."""
    entry = _entry_asking(gap, faq_collection(gap.service))
    return reverse("admin:knowledge_faqentry_change", args=[entry.pk]) if entry else ""


def faq_prefill_url(gap: knowledge_gaps.Gap) -> str:
    """The FAQ entry admin form, pre-filled: the gap's label as question, its other wordings as phrasings; "" when
    an entry already asks that question (``faq_review_url``).

    The référent writes the validated answer (and may trim the phrasings) before saving.
    """
    collection = faq_collection(gap.service)
    if _entry_asking(gap, collection) is not None:
        return ""
    phrasings = [w for w in gap.wordings[1:] if len(w) <= 500][:FAQ_PHRASINGS]
    params = {"question": gap.label[:500], "phrasings_text": "\n".join(phrasings), "service": gap.service}
    if collection is not None:
        params["collection"] = str(collection.pk)
    return f"{reverse('admin:knowledge_faqentry_add')}?{urlencode(params)}"
