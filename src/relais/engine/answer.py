"""Extractive answers: the most relevant sentences of the best document's passages, verbatim, with sources.

No model writes anything here: every word of an answer is a word of a cited
passage, so the « never invent » rule holds by construction.

Choosing what to answer from, and whether to answer at all, works on
documents rather than single passages:

1. **Rank documents.** Each document among the first ten retrieved passages
   (and among the three the closest FAQ entries cite) scores the fused
   score of its best passage plus ``faq_weight`` × the cosine of its closest
   FAQ phrasing: a curated phrasing close to the question is evidence for its
   source document even when it is too far to return the curated answer.
2. **Decide.** A small logistic model turns four signals about the chosen
   document into a confidence: its best raw cosine; its lead over the next
   document; the best share of the question's content terms
   (interrogatives and modal verbs left out) that one of its sentences, with its
   headings, contains; how many long content terms of the question no
   retrieved passage contains (words the documentation never uses: the question
   is likely about something else); and, counted apart, how many short ones
   (3 or 4 characters) none contains. Those are mostly typing shortcuts
   (« kan », « koi », « jai »): the fit gives them a small *positive* weight,
   the mark of a colloquial question that shares few words with the
   documentation yet is answerable, which lets it weigh coverage more for the
   others. Below 0.5 Relais says « je n'ai pas trouvé » and suggests the
   closest documents.

The weights are fitted by ``bench/answers_cv.py`` on ``demo/questions.yaml``,
which also reports them cross-validated (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from relais.engine.text import analyze

AnswerMode = Literal["faq", "extractive", "generated", "none"]

NOT_FOUND = "Je n'ai pas trouvé de réponse fiable dans la documentation."

# Interrogatives and modal verbs: every question carries some, they say what kind
# of answer is wanted, not what it is about, so coverage leaves them out.
QUESTION_WORDS = frozenset(
    analyze(
        "comment combien quel quelle quels quelles quoi quand pourquoi lequel laquelle "
        "faut falloir doit dois doivent devoir peut peux peuvent pouvoir puis possible faire fais fait font"
    )
)

# How many retrieved passages bring their document into the ranking, and how many
# of the closest FAQ entries bring theirs (when one of its passages was retrieved).
CANDIDATE_PASSAGES = 10
CANDIDATE_FAQ_ENTRIES = 3
# Passages of the chosen document whose sentences are checked for coverage.
COVERAGE_PASSAGES = 3
# Content terms (stems) this long that no retrieved passage contains count as unknown;
# shorter ones are mostly abbreviations and typing shortcuts (« kan », « mdp »), a sign of
# register rather than of topic: those from SHORT_UNKNOWN_MIN_CHARS up are counted apart,
# with their own weight. Shorter still (« d », « ya ») says nothing.
UNKNOWN_MIN_CHARS = 5
SHORT_UNKNOWN_MIN_CHARS = 3

FEATURES = ("dense", "margin", "coverage", "unknown", "short_unknown")


@dataclass(frozen=True)
class Evidence:
    """A retrieved passage with what the composer needs to quote and cite it."""

    passage_id: int
    document_id: int
    document_title: str
    section_path: tuple[str, ...]
    text: str
    dense_score: float  # raw cosine (title-mixed), comparable across questions
    fused_score: float


@dataclass(frozen=True)
class Citation:
    passage_id: int
    document_id: int
    document_title: str
    section_path: tuple[str, ...]
    text: str  # the whole passage, for « voir le passage »
    quote: str  # the sentences of it used in the answer


@dataclass(frozen=True)
class Answer:
    text: str
    mode: AnswerMode
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[Evidence] = field(default_factory=list)  # closest documents when abstaining


@dataclass(frozen=True)
class Candidate:
    """A document that may hold the answer: its retrieved passages (best first) and its score."""

    document_id: int
    passages: tuple[Evidence, ...]
    faq_score: float | None  # cosine of the closest FAQ phrasing citing this document
    score: float

    @property
    def best(self) -> Evidence:
        return self.passages[0]


@dataclass(frozen=True)
class Features:
    dense: float  # best raw cosine among the document's passages
    margin: float  # its score minus the next document's, clipped to [0, 1]
    coverage: float  # best share of the question's content terms in one sentence (with its headings)
    unknown: int  # long content terms of the question that no retrieved passage contains
    short_unknown: int = 0  # short ones (SHORT_UNKNOWN_MIN_CHARS to UNKNOWN_MIN_CHARS − 1 characters)

    def as_tuple(self) -> tuple[float, ...]:
        return (self.dense, self.margin, self.coverage, float(self.unknown), float(self.short_unknown))


# Fitted by `bench/answers_cv.py --fit` on demo/questions.yaml (2026-11-26, all 143 questions, of which
# the 57 the FAQ threshold answers first are left out of the logistic fit): a class-balanced, L2-regularised
# logistic regression, written back on the raw features (FEATURES order). The same script reports the
# figures cross-validated: fitted and scored on the same questions they look better than they are.
FAQ_WEIGHT = 1.75
WEIGHTS = (68.94, 3.907, 2.003, -1.172, 0.5733)
INTERCEPT = -59.27


@dataclass(frozen=True)
class AnswerModel:
    """Document ranking weight and the logistic model that decides between answering and abstaining."""

    faq_weight: float = FAQ_WEIGHT
    weights: tuple[float, ...] = WEIGHTS
    intercept: float = INTERCEPT

    def probability(self, features: Features) -> float:
        z = self.intercept + sum(w * x for w, x in zip(self.weights, features.as_tuple(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9«(\"])|\n+")


def sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, verbatim."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def content_terms(question: str) -> set[str]:
    """The question's analysed terms without interrogatives and modal verbs."""
    return set(analyze(question)) - QUESTION_WORDS


@lru_cache(maxsize=20_000)
def _terms(text: str) -> frozenset[str]:
    return frozenset(analyze(text))


@lru_cache(maxsize=20_000)
def _sentence_terms(text: str) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(analyze(s)) for s in sentences(text))


def _heading_terms(item: Evidence) -> frozenset[str]:
    return _terms(" ".join([item.document_title, *item.section_path]))


def coverage(question: str, passages: Sequence[Evidence]) -> float:
    """Best share of the question's content terms found in one sentence of the passages, with its headings.

    An answer usually states what the question asks about in one place; a
    question that only shares scattered words with a document is about
    something else. 0 when the question has no content term.
    """
    asked = content_terms(question)
    if not asked:
        return 0.0
    best = 0
    for item in passages:
        headings = _heading_terms(item)
        for terms in _sentence_terms(item.text) or (frozenset(),):
            best = max(best, len(asked & (terms | headings)))
    return best / len(asked)


def unknown_terms(
    question: str, evidence: Sequence[Evidence], min_chars: int = UNKNOWN_MIN_CHARS, max_chars: int | None = None
) -> set[str]:
    """Content terms of the question, ``min_chars`` to ``max_chars`` long, that no retrieved passage
    (text, title, headings) contains."""
    asked = {t for t in content_terms(question) if len(t) >= min_chars and (max_chars is None or len(t) <= max_chars)}
    for item in evidence:
        if not asked:
            break
        asked -= _terms(item.text) | _heading_terms(item)
    return asked


def rank_documents(
    evidence: Sequence[Evidence], faq_scores: Mapping[int, float] | None = None, faq_weight: float = FAQ_WEIGHT
) -> list[Candidate]:
    """Documents that may hold the answer, best first.

    ``evidence`` is the retrieval, best first; ``faq_scores`` maps a document to
    the cosine of the closest FAQ phrasing citing it. A document without FAQ
    entry counts as the weakest one, so that the FAQ term only separates
    documents it knows something about.
    """
    faq_scores = faq_scores or {}
    by_document: dict[int, list[Evidence]] = {}
    for item in evidence:
        by_document.setdefault(item.document_id, []).append(item)
    wanted = list(dict.fromkeys(item.document_id for item in evidence[:CANDIDATE_PASSAGES]))
    closest = sorted(faq_scores, key=lambda d: faq_scores[d], reverse=True)[:CANDIDATE_FAQ_ENTRIES]
    wanted += [d for d in closest if d in by_document and d not in wanted]
    floor = min(faq_scores.values(), default=0.0)
    candidates = []
    for document_id in wanted:
        passages = tuple(sorted(by_document[document_id], key=lambda e: e.fused_score, reverse=True))
        faq = faq_scores.get(document_id)
        score = passages[0].fused_score + faq_weight * (floor if faq is None else faq)
        candidates.append(Candidate(document_id, passages, faq, score))
    return sorted(candidates, key=lambda c: c.score, reverse=True)


def support_features(
    question: str,
    candidates: Sequence[Candidate],
    evidence: Sequence[Evidence],
) -> Features:
    """The signals about the first candidate that the answer model weighs."""
    chosen = candidates[0]
    margin = chosen.score - candidates[1].score if len(candidates) > 1 else 1.0
    return Features(
        dense=max(item.dense_score for item in chosen.passages),
        margin=max(0.0, min(1.0, margin)),
        coverage=coverage(question, chosen.passages[:COVERAGE_PASSAGES]),
        unknown=len(unknown_terms(question, evidence)),
        short_unknown=len(unknown_terms(question, evidence, SHORT_UNKNOWN_MIN_CHARS, UNKNOWN_MIN_CHARS - 1)),
    )


def _pick_sentences(question: str, text: str, limit: int) -> list[str]:
    asked = set(analyze(question))
    candidates = sentences(text)
    scored = [(len(asked & set(analyze(s))), -i, s) for i, s in enumerate(candidates)]
    best = sorted(scored, reverse=True)[:limit]
    if not best or best[0][0] == 0:
        return candidates[:limit]
    keep = {-neg_index for overlap, neg_index, _ in best if overlap > 0}
    # A sentence ending with « : » introduces a list: keep what it introduces.
    for index in sorted(keep):
        if candidates[index].endswith(":") and index + 1 < len(candidates):
            keep.add(index + 1)
    return [candidates[i] for i in sorted(keep)]


def compose_extractive(
    question: str,
    evidence: Sequence[Evidence],
    model: AnswerModel = AnswerModel(),
    max_sentences: int = 3,
    *,
    faq_scores: Mapping[int, float] | None = None,
) -> Answer:
    """Answer from the best document's best passage (and a close second of it), or abstain.

    ``evidence``: the retrieval, best first, deep enough to hold several passages
    per document (the pipeline reads 40). ``faq_scores``: per document, the
    cosine of the closest FAQ phrasing citing it.
    """
    if not evidence:
        return Answer(NOT_FOUND, "none", 0.0)
    candidates = rank_documents(evidence, faq_scores, model.faq_weight)
    features = support_features(question, candidates, evidence)
    probability = model.probability(features)
    level = round(probability, 3)
    if probability < 0.5:
        return Answer(NOT_FOUND, "none", level, suggestions=[c.best for c in candidates[:3]])
    passages = candidates[0].passages
    chosen = [passages[0]]
    if len(passages) > 1 and passages[1].fused_score >= 0.9 * passages[0].fused_score:
        chosen.append(passages[1])
    citations = []
    for item in chosen:
        quote = _join(_pick_sentences(question, item.text, max_sentences))
        citations.append(
            Citation(item.passage_id, item.document_id, item.document_title, item.section_path, item.text, quote)
        )
    text = "\n\n".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, 1))
    return Answer(text, "extractive", level, citations)


def _join(parts: list[str]) -> str:
    """Sentences run on; list items keep their own line."""
    text = ""
    for part in parts:
        separator = "\n" if part.startswith("- ") else " "
        text = f"{text}{separator}{part}" if text else part
    return text
