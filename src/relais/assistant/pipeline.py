"""The answer pipeline: FAQ match → hybrid retrieval → extractive answer or abstention → log.

Restricted to the asker's audiences and to documents in force. Every answer
is logged as an Exchange with what was retrieved, so a référent can see why
Relais answered what it did.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Model

from relais.assistant.answer_fit import active_answer_model
from relais.assistant.generation import (
    GenerationLog,
    current_generator,
    generated_answer,
    standalone_query,
    with_rewrite,
)
from relais.assistant.models import Conversation, Exchange, service_of
from relais.assistant.offers import procedure_offer
from relais.engine.answers.decision import AnswerModel
from relais.engine.answers.extractive import (
    Answer,
    Citation,
    Evidence,
    TermWeight,
    compose_extractive,
    needs_check,
    same_question,
    states_more_than_faq,
    with_closer_extract,
)
from relais.engine.answers.sentence_choice import SentenceVectors
from relais.engine.french.new_point import NewPoint, new_point, speaks_of
from relais.engine.french.questions import is_follow_up, same_kind
from relais.engine.guard import GuardVerdict, classify
from relais.engine.privacy.pii import find_pii, mask, personal_situation
from relais.engine.search.embeddings import Embedder
from relais.engine.search.hybrid_index import SearchFilters
from relais.knowledge.faq import FaqMatch, document_scores, faq_matches
from relais.knowledge.index import SearchResult, get_passage_index
from relais.knowledge.models import Document
from relais.knowledge.sentences import stored_vectors

# Passages read to rank documents: several passages of one document, and the
# documents that close FAQ phrasings point to, weigh in the choice (the log
# keeps the first k).
EVIDENCE_DEPTH = 40


@functools.lru_cache(maxsize=2)
def sentence_vectors(embedder: Embedder) -> SentenceVectors:
    """The sentence reader's vectors, kept in memory per embedder (a reindex keeps the same one), in front of those
    the database keeps (knowledge/sentences.py: the worker embeds them in advance)."""
    return SentenceVectors(stored_vectors(embedder))


PERSONAL_SITUATION_ANSWER = (
    "Votre question semble porter sur votre situation personnelle (santé ou procédure disciplinaire). "
    "Par confidentialité, l'assistant n'y répond pas : adressez-vous directement au service RH, "
    "tenu au secret professionnel."
)


class EmptyQuestion(ValueError):
    """The question has no words."""


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    contact: str
    conversation: Conversation | None
    exchange: Exchange | None
    search_query: str
    latency_ms: float
    notice: str = ""  # why a generated answer was replaced by the extractive one (shown discreetly)
    procedure: Model | None = (
        None  # (relais.procedures.Procedure) a guided procedure the question asks to do, offered under the answer
    )
    needs_check: bool = False  # shown « à vérifier »: confidence under RELAIS_VERIFY_BELOW
    screened: str = ""  # the question guard's kind for a visitor's question (engine/guard.py), "" when none


def followed_query(question: str, conversation: Conversation | None) -> str | None:
    """The previous question's search query when ``question`` follows it up, else None.

    A follow-up (« et pour les contractuels ? ») is searched with the previous question; a short question that
    names its own subject (« Comment demander une formation ? ») is not (engine/french/questions.py). Measured
    on a blind set of conversations over five corpora: bench/follow_ups.py (docs/benchmarks.md)."""
    if conversation is None:
        return None
    previous = conversation.exchanges.order_by("-created_at", "-pk").first()
    return previous.search_query if previous is not None and is_follow_up(question) else None


def _evidence(result: SearchResult) -> Evidence:
    return Evidence(
        passage_id=result.passage.pk,
        document_id=result.document.pk,
        document_title=result.document.title,
        section_path=tuple(result.passage.section_path),
        text=result.passage.text,
        dense_score=result.dense_score or 0.0,
        fused_score=result.score,
    )


@dataclass(frozen=True)
class Signals:
    """What the answer is decided from: the retrieval (best first, EVIDENCE_DEPTH deep) and the FAQ matches."""

    results: list[SearchResult]
    faq: list[FaqMatch]  # closest first
    query_vector: np.ndarray | None = None

    def evidence(self) -> list[Evidence]:
        return [_evidence(r) for r in self.results]

    def faq_scores(self) -> dict[int, float]:
        return document_scores(self.faq)


def gather(query: str, audiences: frozenset[str], depth: int = EVIDENCE_DEPTH) -> Signals:
    """Retrieve passages and FAQ matches for a query (bench/answers_cv.py calls this too)."""
    index = get_passage_index()
    # One embedding serves both the FAQ match and the passage search. It is the question as typed, not the
    # index's rewrite of it: FAQ phrasings are written as agents type, and embedding the rewrite measured no
    # better on the demo questions (docs/benchmarks.md, « rarity-weighted coverage, a word list », the variants
    # table: « the pipeline embeds the rewritten query »); BM25 still reads the rewrite.
    query_vector = index.embedder.embed_queries([query])[0]
    results = index.search(query, filters=SearchFilters(audiences=audiences), k=depth, query_vector=query_vector)
    return Signals(results, faq_matches(query_vector, set(audiences), index.embedder), query_vector)


def topic_page(matches: list[FaqMatch]) -> int | None:
    """The source page of a FAQ entry as close as the FAQ threshold (its curated answer was not for this question)."""
    close = matches[0] if matches and matches[0].score >= settings.RELAIS.faq_threshold else None
    return close.entry.source_document_id if close else None


def faq_answer(
    matches: list[FaqMatch], question: str = "", point: NewPoint | None = None
) -> tuple[Answer, Document | None] | None:
    """The curated answer and its source document, when a FAQ phrasing matches closely enough and the entry asks
    the same thing: the same kind of thing (« Comment poser un jour de RTT ? » is not answered by the entry
    « Combien de jours de RTT… », engine/french/questions.py), about nothing the entry does not name (« badge
    perdu » is not answered by « oubli de badgeage », extractive.same_question)."""
    match = next(
        (
            m
            for m in matches
            if m.score >= settings.RELAIS.faq_threshold
            and same_kind(question, m.phrasing)
            and _asks_the_same(question, [*m.entry.all_phrasings(), m.entry.answer], point)
        ),
        None,
    )
    if match is None:
        return None
    entry, source = match.entry, match.entry.source_document
    citations = [Citation(0, source.pk, source.title, (), entry.answer, entry.answer)] if source else []
    return Answer(entry.answer, "faq", round(match.score, 3), citations, faq_question=entry.question), source


def _asks_the_same(question: str, entry_texts: list[str], point: NewPoint | None) -> bool:
    """About nothing the entry does not name, and, for a follow-up, speaking of what it adds."""
    return same_question(question, entry_texts) and (not point or speaks_of(" ".join(entry_texts), point))


def _more_specific(
    question: str, answer: Answer, curated: Answer, evidence: list[Evidence], idf: TermWeight, model: AnswerModel
) -> bool:
    """Whether the extractive answer states the question more completely than the curated answer and its page."""
    return (
        answer.mode == "extractive"
        and bool(answer.citations)
        and states_more_than_faq(question, answer.citations[0].document_id, curated, evidence, idf, model)
    )


def _contact(answer: Answer, documents: dict[int, Document]) -> str:
    for item in [*answer.citations, *answer.suggestions]:
        document = documents.get(item.document_id)
        if document and document.contact:
            return document.contact
    return settings.RELAIS.default_contact


def ask(
    question: str,
    *,
    user=None,
    conversation: Conversation | None = None,
    audiences: frozenset[str] = frozenset({"agents"}),
    log: bool = True,
    k: int = 5,
    on_delta: Callable[[str], None] | None = None,
) -> AskResult:
    """Answer a question; with an LLM backend, ``on_delta`` sees the generated text as it streams (unverified)."""
    question = " ".join(question.split())
    if not question:
        raise EmptyQuestion("La question est vide.")
    started = time.perf_counter()
    # A visitor's question is screened on its own words (names are not masked): some get a fixed answer, no search.
    public = "agents" not in audiences
    screening = classify(question) if public else GuardVerdict()
    # The personal-data guard runs first: nothing after it (search, log, an outside LLM) sees raw personal data.
    guarded = guard(question)
    question = guarded.text
    previous = followed_query(question, conversation)
    query = f"{previous} {question}" if previous else question
    # What a follow-up adds (« et sur un mac perso ? »): the answer speaks of it, or says the documents do not.
    point = new_point(question, previous) if previous else NewPoint(frozenset(), ())
    generator, generation, notice, procedure = current_generator(), None, "", None
    if guarded.situation:
        answer, results, documents = Answer(PERSONAL_SITUATION_ANSWER, "none", 0.0), [], {}
        contact = settings.RELAIS.personal_contact
    elif screening.refuses:
        answer, results, documents = Answer(screening.answer or "", "none", 0.0), [], {}
        contact = settings.RELAIS.default_contact
    else:
        query, rewrite = standalone_query(question, query, conversation, generator)
        signals = gather(query, audiences, max(k, EVIDENCE_DEPTH))
        results = signals.results[:k]
        documents = {r.document.pk: r.document for r in signals.results}
        index = get_passage_index()
        if "agents" in audiences:  # procedures are for the town's agents, never offered to the public
            procedure = procedure_offer(query, signals.query_vector, index.embedder)
        evidence = signals.evidence()
        faq = faq_answer(signals.faq, question, point)
        model = active_answer_model()
        answer = compose_extractive(
            query,
            evidence,
            model,
            faq_scores=signals.faq_scores(),
            idf=index.idf,
            confirmed_document=None if faq else topic_page(signals.faq),
            query_vector=signals.query_vector,
            embed=sentence_vectors(index.embedder),
            point=point,
        )
        if faq is None or _more_specific(query, answer, faq[0], evidence, index.idf, model):
            if generator is not None and answer.mode == "extractive":
                # The masked question (and masked history) only: the guard ran first.
                answer, notice, generation = generated_answer(query, answer, evidence, generator, on_delta=on_delta)
        else:
            curated, source = faq
            answer = with_closer_extract(query, curated, answer, index.idf, model)
            if source is not None:
                documents[source.pk] = source
        contact = _contact(answer, documents)
        generation = with_rewrite(generation, rewrite, generator)
        if screening.kind:  # a note first (« la décision appartient au service »), then the general rules
            answer = replace(answer, text=f"{screening.answer}\n\n{answer.text}")
    to_check = needs_check(answer.mode, answer.confidence, settings.RELAIS.verify_below)
    latency_ms = (time.perf_counter() - started) * 1000
    exchange = None
    if log:
        conversation, exchange = _log(
            question,
            query,
            answer,
            contact,
            results,
            latency_ms,
            user,
            conversation,
            documents,
            guarded,
            generation,
            procedure,
            to_check,
            audience="public" if public else "agents",
            screened=screening.kind or "",
        )
    return AskResult(
        answer, contact, conversation, exchange, query, latency_ms, notice, procedure, to_check, screening.kind or ""
    )


@dataclass(frozen=True)
class GuardedQuestion:
    text: str  # personal data replaced by placeholders (« [NIR] », « [IBAN] »…)
    masked_types: tuple[str, ...]
    situation: str | None  # "health" or "disciplinary" when the question is about the asker's own case


def guard(question: str) -> GuardedQuestion:
    spans = find_pii(question)
    types = tuple(sorted({span.type for span in spans}))
    return GuardedQuestion(mask(question), types, personal_situation(question))


def citation_payload(citation: Citation, document: Document | None) -> dict:
    return {
        "document_id": citation.document_id,
        "passage_id": citation.passage_id,  # the document page's anchor (#passage-<id>): the passage one click away
        "document": citation.document_title,
        "section": list(citation.section_path),
        "text": citation.text,
        "quote": citation.quote,
        "version": document.version if document else "",
        "valid_from": document.valid_from.isoformat() if document and document.valid_from else None,
        "valid_until": document.valid_until.isoformat() if document and document.valid_until else None,
        "source": document.source if document else "",
    }


def _log(
    question,
    query,
    answer,
    contact,
    results,
    latency_ms,
    user,
    conversation,
    documents,
    guarded,
    generation=None,
    procedure=None,
    to_check=False,
    *,
    audience="agents",
    screened="",
):
    retrieved = [
        {
            "passage_id": r.passage.pk,
            "document": r.document.title,
            "score": round(r.score, 4),
            "dense_score": None if r.dense_score is None else round(r.dense_score, 4),
            "lexical_rank": r.lexical_rank,
            "dense_rank": r.dense_rank,
        }
        for r in results
    ]
    with transaction.atomic():
        conversation = conversation or Conversation.objects.create(user=user)
        exchange = Exchange.objects.create(
            conversation=conversation,
            user=user,
            question=question,
            search_query=query,
            answer=answer.text,
            mode=answer.mode,
            confidence=answer.confidence,
            faq_question=answer.faq_question,
            needs_check=to_check,
            retrieved=retrieved,
            citations=[citation_payload(c, documents.get(c.document_id)) for c in answer.citations],
            suggestions=[{"document_id": s.document_id, "document": s.document_title} for s in answer.suggestions],
            contact=contact,
            latency_ms=round(latency_ms, 2),
            # The documents are already loaded here: no lookup again when the row is saved.
            service=service_of(documents.get(item.document_id) for item in [*answer.citations, *answer.suggestions]),
            masked_pii=list(guarded.masked_types),
            personal_situation=guarded.situation or "",
            offered_procedure=procedure,
            audience=audience,
            screened=screened,
            **(_generation_fields(generation) if generation else {}),
        )
    return conversation, exchange


def _generation_fields(generation: GenerationLog) -> dict:
    return {
        "prompt": generation.prompt,
        "backend": generation.backend,
        "generation_status": generation.status,
        "grounding_violations": generation.violations,
        "generation": generation.details,
    }
