"""The référents' workspace: one page per service, with what the service maintains and what needs its attention.

Its documents by validity (in force, expiring within ``RELAIS_EXPIRING_DAYS``, expired, not yet in force), its FAQ
entries, its open knowledge gaps and the latest 👍/👎 on answers drawn from its documents.

Gaps (insights) and feedback (assistant) belong to apps above knowledge, which knowledge may not import
(docs/architecture.md). Those apps register a finder here from their ``AppConfig.ready``, as the procedures app
does for the chat's offers (assistant/offers.py); without a finder the page says that part is not available.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from relais.accounts.roles import services
from relais.engine.measure.knowledge_gaps import Gap
from relais.knowledge.models import Collection, Document, FaqEntry

FEEDBACK_SHOWN = 10  # the latest opinions: enough to see a trend, few enough to read every comment
GAPS_SHOWN = 10  # the most frequent open gaps; the pilotage's gaps page lists them all
CLOSED_GAP = "fermee"  # a gap whose questions are answered again (engine/measure/knowledge_gaps.py)


@dataclass(frozen=True)
class FeedbackNote:
    """One agent's opinion on an answer drawn from the service's documents, as the assistant app reports it."""

    useful: bool
    reason: str  # the agent's reason in French (« La réponse est incomplète »), "" if none
    comment: str  # already stripped of personal data when it was saved
    question: str
    given_at: datetime
    url: str = ""  # where a référent reads the whole exchange, "" if nowhere


# service → that service's knowledge gaps (the insights app); gap → the pre-filled FAQ form that fills it.
GapFinder = Callable[[str], Sequence[Gap]]
FaqLink = Callable[[Gap], str]
# (service, how many) → the latest opinions on that service's answers, most recent first (the assistant app).
FeedbackFinder = Callable[[str, int], Sequence[FeedbackNote]]

_gap_finder: tuple[GapFinder, FaqLink] | None = None
_feedback_finder: FeedbackFinder | None = None


def register_gap_finder(finder: GapFinder, faq_link: FaqLink) -> None:
    global _gap_finder
    _gap_finder = (finder, faq_link)


def register_feedback_finder(finder: FeedbackFinder) -> None:
    global _feedback_finder
    _feedback_finder = finder


# ---------------------------------------------------------------- who sees which service


def known_services() -> list[str]:
    """Every service that owns knowledge or receives tickets, in alphabetical order."""
    names = set(services())
    for model in (Collection, Document, FaqEntry):
        names.update(model.objects.exclude(service="").values_list("service", flat=True).distinct())
    return sorted(names, key=str.casefold)


def referent_services(user) -> list[str]:
    """The services whose workspace this user opens: every one for an administrator, their own for a référent.

    A référent is who maintains documents (the permission the « Référents » groups give) for the service of
    their profile — the same scope as the admin's (knowledge/admin.py). Anyone else: none.
    """
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return known_services()
    profile = getattr(user, "profile", None)
    service = profile.service if profile else ""
    return [service] if service and user.has_perm("knowledge.change_document") else []


# ---------------------------------------------------------------- the page's content


@dataclass(frozen=True)
class DocumentGroup:
    slug: str
    title: str
    explanation: str
    documents: list[Document] = field(default_factory=list)


def expiring_days() -> int:
    return settings.RELAIS.expiring_days


def validity_of(document: Document, today: date, window: int) -> str:
    """« expired », « expiring » (its last day within ``window`` days), « upcoming » or « in_force »."""
    if document.valid_until is not None and document.valid_until < today:
        return "expired"
    if document.valid_from is not None and document.valid_from > today:
        return "upcoming"
    if document.valid_until is not None and document.valid_until <= today + timedelta(days=window):
        return "expiring"
    return "in_force"


def validity_filter(validity: str, today: date, window: int) -> Q:
    """The documents of that validity (see validity_of), as a database filter: the admin's list filters on it."""
    started = Q(valid_from__isnull=True) | Q(valid_from__lte=today)
    not_expired = Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    last_day = today + timedelta(days=window)
    return {
        "expired": Q(valid_until__lt=today),
        "upcoming": Q(valid_from__gt=today) & not_expired,
        "expiring": started & Q(valid_until__gte=today, valid_until__lte=last_day),
        "in_force": started & (Q(valid_until__isnull=True) | Q(valid_until__gt=last_day)),
    }[validity]


def group_documents(documents: Iterable[Document], today: date, window: int) -> list[DocumentGroup]:
    """The documents by validity, each group in the order a référent deals with it: the most urgent first."""
    groups = {
        "in_force": DocumentGroup("en-vigueur", "En vigueur", "Relais les cite dans ses réponses."),
        "expiring": DocumentGroup(
            "expire-bientot",
            "Expire bientôt",
            f"Leur validité se termine dans les {window} jours : déposez la nouvelle version ou prolongez-la.",
        ),
        "expired": DocumentGroup(
            "expires",
            "Expirés",
            "Relais ne les cite plus : déposez la nouvelle version, ou supprimez-les s'ils n'ont plus cours.",
        ),
        "upcoming": DocumentGroup(
            "a-venir", "Pas encore en vigueur", "Relais les citera à partir de leur date d'entrée en vigueur."
        ),
    }
    for document in documents:
        groups[validity_of(document, today, window)].documents.append(document)
    groups["expiring"].documents.sort(key=lambda d: (d.valid_until, d.title))
    groups["expired"].documents.sort(key=lambda d: (-d.valid_until.toordinal(), d.title))
    groups["upcoming"].documents.sort(key=lambda d: (d.valid_from, d.title))
    return [groups[key] for key in ("in_force", "expiring", "expired", "upcoming")]


@dataclass(frozen=True)
class GapLine:
    gap: Gap
    faq_url: str


@dataclass
class Workspace:
    service: str
    window: int
    groups: list[DocumentGroup]
    faq_entries: list[FaqEntry]
    faq_add_url: str  # the FAQ form, in the collection holding most of the service's documents
    gaps: list[GapLine] | None  # None: no app reports gaps
    more_gaps: int  # open gaps beyond the GAPS_SHOWN most frequent
    feedback: list[FeedbackNote] | None  # None: no app reports feedback

    @property
    def document_count(self) -> int:
        return sum(len(group.documents) for group in self.groups)


def open_gaps(service: str, can_add_faq: bool) -> tuple[list[GapLine] | None, int]:
    """The most frequent open gaps of the service (at most GAPS_SHOWN) and how many more there are."""
    if _gap_finder is None:
        return None, 0
    finder, faq_link = _gap_finder
    gaps = [gap for gap in finder(service) if gap.status != CLOSED_GAP]
    shown = [GapLine(gap, faq_link(gap) if can_add_faq else "") for gap in gaps[:GAPS_SHOWN]]
    return shown, len(gaps) - len(shown)


def latest_feedback(service: str) -> list[FeedbackNote] | None:
    return None if _feedback_finder is None else list(_feedback_finder(service, FEEDBACK_SHOWN))


def faq_add_url(service: str, documents: list[Document]) -> str:
    params = {"service": service}
    collections = Counter(document.collection_id for document in documents).most_common(1)
    if collections:
        params["collection"] = str(collections[0][0])
    return f"{reverse('admin:knowledge_faqentry_add')}?{urlencode(params)}"


def workspace(service: str, *, can_add_faq: bool, today: date | None = None) -> Workspace:
    """Everything the page shows for one service, in a number of queries that does not grow with its size."""
    today = today or timezone.localdate()
    window = expiring_days()
    documents = list(Document.objects.filter(service=service).select_related("collection").defer("title_embedding"))
    entries = FaqEntry.objects.filter(service=service).select_related("collection", "source_document")
    entries = entries.defer("embeddings", "source_document__title_embedding")
    gaps, more_gaps = open_gaps(service, can_add_faq)
    return Workspace(
        service=service,
        window=window,
        groups=group_documents(documents, today, window),
        faq_entries=list(entries.order_by("question")),
        faq_add_url=faq_add_url(service, documents),
        gaps=gaps,
        more_gaps=more_gaps,
        feedback=latest_feedback(service),
    )
