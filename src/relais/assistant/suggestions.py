"""Questions the chat offers to ask: examples on an empty chat, follow-ups under an answer.

Nothing here is invented: every question offered comes from the knowledge base. The examples are FAQ entries,
those the référents marked « proposée en exemple » for their service, else their service's most asked ones (by the
FAQ answers served, ``Exchange.faq_question``). The follow-ups are the FAQ questions whose source is a document the
answer cites, then the section titles of the first cited document nearest to the cited passage, then the FAQ
questions of the other documents retrieved for the question (best first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count

from relais.assistant.models import Exchange, Mode
from relais.knowledge.models import FaqEntry, Passage

EXAMPLES_PER_SERVICE = 3
FOLLOW_UPS = 3
RETRIEVED_SHARE = 0.9  # a retrieved document's FAQ is offered when its passage scored this share of the best
NO_SERVICE_LABEL = "Questions générales"
ASKED_CACHE_KEY = "relais:faq-asked-counts"
ASKED_CACHE_SECONDS = 600  # the counts move slowly; the référents' choices are read fresh


@dataclass(frozen=True)
class ServiceExamples:
    service: str
    questions: list[str]

    @property
    def label(self) -> str:
        return self.service or NO_SERVICE_LABEL


def _asked_counts() -> Counter[str]:
    """How often each FAQ question was answered: the curated answers served, all the log keeps."""
    counts = cache.get(ASKED_CACHE_KEY)
    if counts is None:
        rows = (
            Exchange.objects.filter(mode=Mode.FAQ)
            .exclude(faq_question="")
            .values("faq_question")
            .annotate(n=Count("pk"))
            .values_list("faq_question", "n")
        )
        counts = dict(rows)
        cache.set(ASKED_CACHE_KEY, counts, ASKED_CACHE_SECONDS)
    return Counter(counts)


def example_questions(audiences: frozenset[str]) -> list[ServiceExamples]:
    """Per service (by name), the questions shown on an empty chat: chosen by its référents, else most asked."""
    entries = FaqEntry.objects.filter(collection__audience__in=audiences).only("question", "service", "example")
    by_service: dict[str, list[FaqEntry]] = {}
    for entry in entries.order_by("question", "pk"):
        by_service.setdefault(entry.service, []).append(entry)
    asked = None
    examples = []
    for service in sorted(by_service, key=lambda s: (s == "", s.casefold())):
        chosen = [e for e in by_service[service] if e.example]
        if not chosen:
            asked = _asked_counts() if asked is None else asked
            chosen = sorted(by_service[service], key=lambda e: -asked[e.question])  # stable: then by question
        questions = list(dict.fromkeys(e.question for e in chosen))[:EXAMPLES_PER_SERVICE]
        examples.append(ServiceExamples(service, questions))
    return examples


def _section_titles(document_id: int, cited_sections: list[tuple[str, ...]]) -> list[str]:
    """The cited document's section titles, nearest to the first cited passage first (not the cited ones)."""
    passages = list(Passage.objects.filter(document_id=document_id).order_by("position").values_list("section_path"))
    paths = [tuple(path or ()) for (path,) in passages]
    anchor = next((i for i, path in enumerate(paths) if path in cited_sections), 0)
    titles: list[str] = []
    for _, path in sorted(enumerate(paths), key=lambda item: (abs(item[0] - anchor), item[0])):
        if path and path not in cited_sections and path[-1] not in titles:
            titles.append(path[-1])
    return titles


def _faq_questions(document_ids: list[int], audiences: frozenset[str]) -> list[str]:
    """The FAQ questions whose source is one of these documents, in the documents' order."""
    rank = {document_id: n for n, document_id in enumerate(document_ids)}
    entries = FaqEntry.objects.filter(source_document_id__in=document_ids, collection__audience__in=audiences)
    faq = sorted(entries.only("question", "source_document_id"), key=lambda e: (rank[e.source_document_id], e.pk))
    return [entry.question for entry in faq]


def follow_ups(exchange: Exchange, audiences: frozenset[str], limit: int = FOLLOW_UPS) -> list[str]:
    """Questions to ask next, from the FAQ and the sections of the documents this answer rests on.

    None under an abstention (the documents it lists are weak matches: questions about them would mislead) nor
    under a personal situation (sent to HR).
    """
    citations = [c for c in exchange.citations if c.get("document_id") is not None]
    if exchange.personal_situation or exchange.mode == Mode.NONE or not citations:
        return []
    asked = {q.casefold() for q in exchange.conversation.exchanges.values_list("question", flat=True)}
    asked |= {exchange.question.casefold(), exchange.faq_question.casefold()}
    cited_documents = list(dict.fromkeys(c["document_id"] for c in citations))
    questions = _faq_questions(cited_documents, audiences)
    first = citations[0]
    cited_sections = [tuple(c.get("section") or ()) for c in citations if c["document_id"] == first["document_id"]]
    questions += [f"{title} — {first['document']}" for title in _section_titles(first["document_id"], cited_sections)]
    # Then the FAQ of the other documents retrieved for the question about as well as the best, best first.
    scores = [item for item in exchange.retrieved if item.get("passage_id") is not None and item.get("score")]
    best = max((item["score"] for item in scores), default=0.0)
    retrieved = [item["passage_id"] for item in scores if item["score"] >= RETRIEVED_SHARE * best]
    documents = dict(Passage.objects.filter(pk__in=retrieved).values_list("pk", "document_id"))
    others = [documents[p] for p in retrieved if p in documents and documents[p] not in cited_documents]
    questions += _faq_questions(list(dict.fromkeys(others)), audiences)
    return [q for q in dict.fromkeys(questions) if q.casefold() not in asked][:limit]
