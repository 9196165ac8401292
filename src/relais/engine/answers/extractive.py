"""Extractive answers: the most relevant sentences of the best document's passages, verbatim, with sources.

No model writes anything here: every word of an answer is a word of a cited
passage, so the « never invent » rule holds by construction.

Choosing what to answer from, and whether to answer at all, works on
documents rather than single passages:

1. **Rank documents.** Each document among the first ten retrieved passages
   (and among the three the closest FAQ entries cite) scores the fused
   score of its best passage plus ``faq_weight`` × the cosine of its closest
   FAQ phrasing (a curated phrasing close to the question is evidence for its
   source document even when it is too far to return the curated answer)
   plus ``coverage_weight`` × its coverage of the question (below).
2. **Decide.** A small logistic model turns six signals about the chosen
   document into a confidence: its best raw cosine; its lead over the next
   document; the best share of the question's content terms
   (interrogatives and modal verbs left out) that one of its sentences, with its
   headings, contains; how many long content terms of the question no
   retrieved passage contains (words the documentation never uses: the question
   is likely about something else); and, counted apart, its typing shortcuts:
   short tokens (3 or 4 characters) that no retrieved passage contains and that
   are not French words nor typed in capitals (« kan », « koi », « jai », but
   not « SMIC » nor « vélo »). The fit gives them a *positive* weight, the mark
   of a colloquial question that shares few words with the documentation yet is
   answerable, which lets it weigh coverage more for the others; and the sentence
   reader's closeness: the cosine of the question and the closest sentence of the
   document it read (sentence_choice.read_document). Below 0.5 Relais says « je
   n'ai pas trouvé » and suggests the closest documents.

3. **Curated or extractive.** A FAQ phrasing above the threshold returns its
   curated answer when its entry asks the same thing (same kind of question,
   every subject word named: ``same_question``), unless the question is more specific than the entry: one
   sentence of another document states clearly more of it than the entry's page
   does (``states_more_than_faq``). When the extract states clearly more of the
   question than the curated text, it follows the curated answer
   (``with_closer_extract``).

The weights and the margin live in ``answer-model.json`` with their provenance
(decision.py reads it; ``bench/answers_loco.py --fit`` rewrites it, fitted on every corpus and judged on
each one left out, docs/benchmarks.md). A curated answer serves only the same kind of question
(engine/french/questions.py).

4. **Quote.** The sentences quoted are chosen by the sentence reader (sentence_choice.py): among the chosen
   document's first passages, the sentences most likely to state what is asked, the best first; headings the
   chunker inserted are never quoted, and a table row reads « libellé : valeur » (``readable_row``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from relais.engine.answers.decision import SHIPPED_MODEL, AnswerModel, Features
from relais.engine.answers.sentence_choice import (
    PASSAGES_READ,
    SHIPPED_SENTENCE_MODEL,
    EmbedPassages,
    SentenceModel,
    quotable_sentences,
    read_document,
    readable_row,
    titled,
)
from relais.engine.french.analysis import analyze, term_set, words
from relais.engine.french.lexicon import french_lexicon
from relais.engine.french.new_point import NewPoint, speaks_of
from relais.engine.french.questions import QUESTION_WORDS
from relais.engine.french.sentences import sentences
from relais.engine.privacy.pii import PLACEHOLDERS
from relais.engine.readers.structure import table_cells

AnswerMode = Literal["faq", "extractive", "generated", "none"]
TermWeight = Callable[[str], float]

NOT_FOUND = "Je n'ai pas trouvé de réponse fiable dans la documentation."
# Introduces the extract added after a curated answer that says less of the question (``with_closer_extract``).
CLOSER_EXTRACT = "Extrait de la documentation, non validé par le service :"

# How many retrieved passages bring their document into the ranking, and how many
# of the closest FAQ entries bring theirs (when one of its passages was retrieved).
CANDIDATE_PASSAGES = 10
CANDIDATE_FAQ_ENTRIES = 3
# Passages of the chosen document whose sentences are checked for coverage.
COVERAGE_PASSAGES = 3
# Content terms (stems) this long that no retrieved passage contains count as unknown;
# shorter ones are often typing shortcuts (« kan », « jai »), a sign of register rather
# than of topic: those from SHORTCUT_MIN_CHARS up that are not words are counted apart,
# with their own weight. Shorter still (« d », « ya ») says nothing.
UNKNOWN_MIN_CHARS = 5
SHORTCUT_MIN_CHARS = 3


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
    # A curated answer answers the FAQ entry's question, which may not be quite the one asked: shown with it.
    faq_question: str = ""


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


def content_terms(question: str) -> set[str]:
    """The question's analysed terms without interrogatives and modal verbs."""
    return set(analyze(question)) - QUESTION_WORDS


@lru_cache(maxsize=20_000)
def _sentence_terms(text: str) -> tuple[frozenset[str], ...]:
    return tuple(term_set(s) for s in sentences(text))


def _heading_terms(item: Evidence) -> frozenset[str]:
    return term_set(" ".join([item.document_title, *item.section_path]))


def coverage(question: str, passages: Sequence[Evidence], idf: TermWeight | None = None) -> float:
    """Best share of the question's content terms found in one sentence of the passages, with its headings.

    An answer usually states what the question asks about in one place; a
    question that only shares scattered words with a document is about
    something else. With ``idf`` each term counts as much as it is rare in the
    indexed passages: a sentence about « jours d'absence » that lacks
    « mariage » misses what the question is about, while one that lacks
    « jours » does not. 0 when the question has no content term.
    """
    asked = content_terms(question)
    if not asked:
        return 0.0
    weight = {term: idf(term) if idf else 1.0 for term in asked}
    best = 0.0
    for item in passages:
        headings = _heading_terms(item)
        for terms in _sentence_terms(item.text) or (frozenset(),):
            best = max(best, sum(weight[term] for term in asked & (terms | headings)))
    return best / sum(weight.values())


def _question_tokens(question: str) -> list[tuple[str, str]]:
    """(word as typed, its term) for each content word of the question; the placeholders of masked
    personal data (« [NIR] ») are no words of it."""
    for placeholder in PLACEHOLDERS.values():
        question = question.replace(placeholder, " ")
    pairs = []
    for word in words(question, keep_case=True):
        terms = analyze(word)
        if terms and terms[0] not in QUESTION_WORDS:
            pairs.append((word, terms[0]))
    return pairs


def _typed_as_acronym(word: str) -> bool:
    return len(word) > 1 and word.isupper()


def _not_retrieved(terms: set[str], evidence: Sequence[Evidence]) -> set[str]:
    """The terms no retrieved passage (text, title, headings) contains."""
    for item in evidence:
        if not terms:
            break
        terms = terms - (term_set(item.text) | _heading_terms(item))
    return terms


def unknown_terms(question: str, evidence: Sequence[Evidence]) -> set[str]:
    """Long terms of the question (UNKNOWN_MIN_CHARS and more) that no retrieved passage contains."""
    return _not_retrieved({t for _, t in _question_tokens(question) if len(t) >= UNKNOWN_MIN_CHARS}, evidence)


def typing_shortcuts(question: str, evidence: Sequence[Evidence]) -> set[str]:
    """Short tokens of the question (« kan », « jai ») that no retrieved passage contains and that are
    neither French words (« vélo », « bebe ») nor typed in capitals like an acronym (« SMIC »)."""
    lexicon = french_lexicon()
    short = {
        term
        for word, term in _question_tokens(question)
        if SHORTCUT_MIN_CHARS <= len(term) < UNKNOWN_MIN_CHARS
        and not (lexicon.is_word(word) or _typed_as_acronym(word))
    }
    return _not_retrieved(short, evidence)


# A curated answer answers its entry's question: it serves another question only when that one names nothing the
# entry does not (« badge perdu » is not « oubli de badgeage »). Words of at least this many characters (stem)
# count, when they are French words, acronyms or numbers: typing shortcuts and typos (« koi », « mision ») say
# nothing of the subject.
SAME_QUESTION_MIN_CHARS = 4
SAME_QUESTION_MAX_UNNAMED = 0


def unnamed_by_entry(question: str, entry_texts: Sequence[str]) -> set[str]:
    """The question's subject words (stems) that the FAQ entry (its phrasings and its answer) never uses."""
    lexicon = french_lexicon()
    said = term_set(" ".join(entry_texts))
    return {
        term
        for word, term in _question_tokens(question)
        if len(term) >= SAME_QUESTION_MIN_CHARS
        and (lexicon.is_word(word) or _typed_as_acronym(word) or word.isdigit())
        and term not in said
    }


def same_question(question: str, entry_texts: Sequence[str]) -> bool:
    """Whether a FAQ entry close in meaning asks the same thing: at most SAME_QUESTION_MAX_UNNAMED subject words of
    the question missing from it (chosen on the demo's and the town website's FAQ, docs/benchmarks.md)."""
    return len(unnamed_by_entry(question, entry_texts)) <= SAME_QUESTION_MAX_UNNAMED


def rank_documents(
    evidence: Sequence[Evidence],
    faq_scores: Mapping[int, float] | None = None,
    faq_weight: float = SHIPPED_MODEL.faq_weight,
    *,
    question: str = "",
    coverage_weight: float = 0.0,
) -> list[Candidate]:
    """Documents that may hold the answer, best first.

    ``evidence`` is the retrieval, best first; ``faq_scores`` maps a document to
    the cosine of the closest FAQ phrasing citing it. A document without FAQ
    entry counts as the weakest one, so that the FAQ term only separates
    documents it knows something about. ``coverage_weight`` × the document's
    coverage of the ``question`` is added: of two documents a question
    touches (« imprimer en télétravail »), the one that says both things in one
    place (the printers page, « Imprimer en télétravail ») is the answer.
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
        if coverage_weight:
            score += coverage_weight * coverage(question, passages[:COVERAGE_PASSAGES])
        candidates.append(Candidate(document_id, passages, faq, score))
    return sorted(candidates, key=lambda c: c.score, reverse=True)


def support_features(
    question: str,
    candidates: Sequence[Candidate],
    evidence: Sequence[Evidence],
    idf: TermWeight | None = None,
    closeness: float | None = None,
) -> Features:
    """The signals about the first candidate that the answer model weighs (``idf``: see ``coverage``;
    ``closeness``: the sentence reader's, read_document)."""
    chosen = candidates[0]
    margin = chosen.score - candidates[1].score if len(candidates) > 1 else 1.0
    return Features(
        dense=max(item.dense_score for item in chosen.passages),
        margin=max(0.0, min(1.0, margin)),
        coverage=coverage(question, chosen.passages[:COVERAGE_PASSAGES], idf),
        unknown=len(unknown_terms(question, evidence)),
        shortcuts=len(typing_shortcuts(question, evidence)),
        closeness=closeness,
    )


def states_more_than_faq(
    question: str,
    document_id: int,
    curated: Answer,
    evidence: Sequence[Evidence],
    idf: TermWeight | None = None,
    model: AnswerModel = SHIPPED_MODEL,
) -> bool:
    """Whether an answer from ``document_id`` should replace the ``curated`` FAQ answer.

    A FAQ phrasing close to the question answers the general case (« que faire si
    je suis malade ? ») while the question may add what makes it another one
    (« … pendant mes congés annuels ? »), answered on another page. The curated
    answer gives way when one sentence of another document, with its headings,
    holds at least the model's specific_margin more of the question (rarity-weighted coverage)
    than both the retrieved passages of the FAQ's source page and the curated
    answer itself (its text and its entry's question: an entry whose page was not
    retrieved, or has none, is judged on what it says).
    """
    source = curated.citations[0].document_id if curated.citations else None
    if document_id == source:
        return False
    answered = coverage(question, _document_passages(evidence, document_id), idf)
    general = max(
        coverage(question, _document_passages(evidence, source), idf),
        coverage(question, [_as_passage(curated)], idf),
    )
    return answered - general >= model.specific_margin


def with_closer_extract(
    question: str,
    curated: Answer,
    extract: Answer,
    idf: TermWeight | None = None,
    model: AnswerModel = SHIPPED_MODEL,
) -> Answer:
    """The curated answer, followed by the extract when the sentences quoted state clearly more of the question
    (the model's specific_margin, rarity-weighted coverage, headings counted on both sides) than the curated
    answer does.

    A FAQ entry of the right page may answer a neighbouring question (« comment demander un logiciel ? » for
    « qui paie un logiciel métier ? »): the validated answer is kept first, and the sentences of the
    documentation closest to what was asked come after it, introduced as not validated (CLOSER_EXTRACT) and
    cited like any extract.
    """
    if extract.mode != "extractive" or not extract.citations:
        return curated
    quoted = [
        Evidence(c.passage_id, c.document_id, c.document_title, c.section_path, c.quote, 0.0, 0.0)
        for c in extract.citations
    ]
    if coverage(question, quoted, idf) - coverage(question, [_as_passage(curated)], idf) < model.specific_margin:
        return curated
    # The curated answer cites its source page at most once: it is [1], the extract's passages follow.
    quotes = _numbered_quotes(extract.citations, first=len(curated.citations) + 1)
    head = f"{curated.text} [1]" if curated.citations else curated.text
    return replace(
        curated, text=f"{head}\n\n{CLOSER_EXTRACT} {quotes}", citations=[*curated.citations, *extract.citations]
    )


def _as_passage(curated: Answer) -> Evidence:
    """A curated answer read like a passage: its entry's question and its text, under its page's title."""
    title = curated.citations[0].document_title if curated.citations else ""
    return Evidence(0, 0, title, (), f"{curated.faq_question}\n{curated.text}", 0.0, 0.0)


def _document_passages(evidence: Sequence[Evidence], document_id: int | None) -> list[Evidence]:
    """The document's retrieved passages read for coverage (its best COVERAGE_PASSAGES by fused score)."""
    own = [item for item in evidence if item.document_id == document_id]
    return sorted(own, key=lambda e: e.fused_score, reverse=True)[:COVERAGE_PASSAGES]


def needs_check(mode: str, confidence: float, below: float) -> bool:
    """Whether an answer is shown as « à vérifier »: quoted (or written) from the documentation, but with
    a confidence under ``below`` (RELAIS_VERIFY_BELOW). The agent still sees the extract, is told it may not
    answer the question, and gets whom to contact. A warning, not a safeguard: on the tuning set it marks
    most wrong answers and few right ones, on new questions far fewer (docs/benchmarks.md)."""
    return mode in ("extractive", "generated") and confidence < below


def compose_extractive(
    question: str,
    evidence: Sequence[Evidence],
    model: AnswerModel = SHIPPED_MODEL,
    max_sentences: int = 3,
    *,
    sentence_model: SentenceModel = SHIPPED_SENTENCE_MODEL,
    faq_scores: Mapping[int, float] | None = None,
    idf: TermWeight | None = None,
    confirmed_document: int | None = None,
    query_vector: np.ndarray | None = None,
    embed: EmbedPassages | None = None,
    point: NewPoint | None = None,
) -> Answer:
    """Answer from the best document's passages, or abstain.

    ``evidence``: the retrieval, best first, deep enough to hold several passages
    per document (the pipeline reads 40). ``faq_scores``: per document, the
    cosine of the closest FAQ phrasing citing it. ``idf``: how rare a term is in
    the indexed passages (the index's ``idf``); the model's weights were fitted
    with it. ``confirmed_document``: a page a curated FAQ phrasing, as close as the FAQ threshold, ties to the
    question although it asks something else of it (« combien ? » against « comment ? »): when that page is among
    the first three, it is the one quoted, rather than abstained on, its low confidence shown as « à vérifier » —
    unless another of the first three states clearly more of the question (``_states_more_elsewhere``).
    ``query_vector`` and ``embed`` (the question's vector, the embedder's passage function): the sentence reader
    (sentence_choice.py) compares the candidate sentences with the question; without them, words alone choose.
    ``max_sentences`` sentences are chosen (a list's introduction brings its items, the best sentence the one after
    it), the best first, grouped by passage: each passage quoted is a citation, the one holding the best sentence first.
    ``point``: what a follow-up adds to the previous question (french/new_point.py). Only sentences that speak of
    it are quoted, from the first of the three best documents that has one; when none has, the answer says the
    documentation does not cover that point (an abstention: the agent is offered a human).
    """
    if not evidence:
        return Answer(NOT_FOUND, "none", 0.0)
    candidates = rank_documents(
        evidence, faq_scores, model.faq_weight, question=question, coverage_weight=model.coverage_weight
    )
    confirmed = [c for c in candidates[:3] if c.document_id == confirmed_document]
    if confirmed and not _states_more_elsewhere(question, confirmed[0], candidates[:3], idf, model):
        candidates = confirmed + [c for c in candidates if c.document_id != confirmed_document]
    else:
        confirmed_document = None
    keep = (lambda text: speaks_of(text, point)) if point else None
    if keep is not None:
        # Within each page, the passages that speak of the new point are read first; the first of the three best
        # pages that has one is read, and judged, first.
        candidates = [_speaking_first(c, keep) for c in candidates]
        speaking = next((c for c in candidates[:3] if _holds(c, keep)), None)
        if speaking is not None:
            candidates = [speaking, *(c for c in candidates if c is not speaking)]
    read = functools.partial(
        read_document, question, idf=idf, query_vector=query_vector, embed=embed, model=sentence_model
    )
    reading = read(candidates[0].passages, limit=max_sentences)
    features = support_features(question, candidates, evidence, idf, reading.closeness)
    probability = model.probability(features)
    level = round(probability, 3)
    if probability < 0.5 and candidates[0].document_id != confirmed_document:
        return Answer(NOT_FOUND, "none", level, suggestions=[c.best for c in candidates[:3]])
    if keep is not None:
        reading = read(candidates[0].passages, limit=max_sentences, keep=keep)
        if not reading.sentences:
            return Answer(not_covered(point), "none", level, suggestions=[c.best for c in candidates[:3]])
    passages, picked = candidates[0].passages, reading.sentences
    citations = []
    for rank in dict.fromkeys(sentence.passage_rank for sentence in picked):
        item = passages[rank]
        quoted = [sentence.text for sentence in picked if sentence.passage_rank == rank]
        quote = _join([(readable_row(item.text, text), table_cells(text) is not None) for text in quoted])
        citations.append(
            Citation(item.passage_id, item.document_id, item.document_title, item.section_path, item.text, quote)
        )
    return Answer(_numbered_quotes(citations), "extractive", level, citations)


def _speaking_first(candidate: Candidate, keep: Callable[[str], bool]) -> Candidate:
    def speaks(passage: Evidence) -> bool:
        return any(keep(titled(passage, sentence)) for sentence in quotable_sentences(passage.text))

    ordered = sorted(candidate.passages, key=lambda passage: not speaks(passage))  # stable: best first otherwise
    return replace(candidate, passages=tuple(ordered))


def _holds(candidate: Candidate, keep: Callable[[str], bool]) -> bool:
    """Whether one of the sentences the reader would read in this document (its first PASSAGES_READ passages)
    passes ``keep``."""
    return any(
        keep(titled(passage, sentence))
        for passage in candidate.passages[:PASSAGES_READ]
        for sentence in quotable_sentences(passage.text)
    )


def not_covered(point: NewPoint) -> str:
    """The answer to a follow-up whose new point no page speaks of."""
    named = ", ".join(f"« {word} »" for word in point.words)
    return f"La documentation ne dit rien de précis sur ce point ({named})."


def _states_more_elsewhere(
    question: str, page: Candidate, others: Sequence[Candidate], idf: TermWeight | None, model: AnswerModel
) -> bool:
    """Whether another candidate states clearly more of the question (the model's specific_margin) than the page a
    close FAQ entry points to: « malade pendant mes congés annuels » is about the leave page's section on falling ill
    during one's leave, not the sick-leave page of the entry « Que faire en arrêt maladie ? »."""
    held = coverage(question, page.passages[:COVERAGE_PASSAGES], idf)
    return any(
        coverage(question, other.passages[:COVERAGE_PASSAGES], idf) - held >= model.specific_margin
        for other in others
        if other.document_id != page.document_id
    )


def _numbered_quotes(citations: Sequence[Citation], first: int = 1) -> str:
    """Each citation's quote followed by its number, « … [2] », a paragraph each."""
    return "\n\n".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, first))


def _join(parts: list[tuple[str, bool]]) -> str:
    """Sentences run on; list items and table rows (``parts``: each text, and whether it is a row) keep their own
    line, so that a row, which ends on a value and no full stop, never runs into the next sentence."""
    text, previous_own_line = "", False
    for part, is_row in parts:
        own_line = is_row or part.startswith("- ")
        separator = "\n" if previous_own_line or own_line else " "
        text = f"{text}{separator}{part}" if text else part
        previous_own_line = own_line
    return text
