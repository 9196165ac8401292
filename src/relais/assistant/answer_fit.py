"""A town's own answer model: its agents' signals turned into labelled questions, the shipped model refitted on
them (`relais answers fit`), and the model every answer uses.

What each signal says (the label is the document that answers the question, or « abstain »):

- 👍 on an answer quoted or written from the documents: its first cited document answers the question;
- 👎 saying the answer is inexact or off-topic, or a request opened after an answer that got no 👍 (the exchange is
  `followed_by_ticket`, or the request was opened from it): that answer should not have been given. The label is
  « abstain »: the document that does answer, if any, is unknown, and the model learns when not to answer;
- an abstention nobody contested (no 👎, no request after it): « abstain ». Without these, the signals only come
  from answers and gaps, and teach the model to answer more (bench/town_fit.py: correct abstentions fell from 0.82
  to 0.32–0.52 on the demo's next questions);
- a FAQ entry with a source document (most are written by référents from the knowledge gaps): each of its phrasings
  is answered by that document. Its signals are computed as if the entry did not exist, as when agents asked it.

A 👎 for an incomplete or outdated answer says nothing about the decision (the page was the right one) and is left
out, as are contested abstentions (the documents may or may not hold the answer). Of several signals on one
question, a FAQ entry's is kept first, then the latest agent's. Every question is replayed through today's search:
a question abstained on before a page that answers it was added keeps its « abstain » until a FAQ entry says
otherwise.

The refit starts from the shipped model (fitting.fit with the shipped model as prior, fitting.TOWN_PRIOR_L2): the
signals adjust it, they do not replace it. It is stored (AnswerModelFit) only when, cross-validated on these signals,
it settles clearly more of them than the shipped model (fitting.clearly_better, a sign test): on the four corpora's
blind sets, a refit on 15 to 120 signals that merely settled as many did worse on the town's next questions
(bench/town_fit.py). The latest stored fit that is active answers, on every app server.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
from django.db.models import Q

from relais.assistant.models import AnswerModelFit, Exchange, Feedback
from relais.engine.answers.decision import SHIPPED_MODEL, AnswerModel, model_from_json
from relais.engine.answers.fitting import (
    RANKINGS,
    TOWN_PRIOR_L2,
    Example,
    clearly_better,
    cross_validated_decisions,
    decide,
    fit,
    from_model,
    score,
    settled,
    to_model,
    too_few,
)
from relais.engine.french.analysis import normalize_for_matching
from relais.knowledge.models import FaqEntry

REJECTING_REASONS = {Feedback.Reason.WRONG, Feedback.Reason.OFF_TOPIC, Feedback.Reason.OTHER, ""}


@dataclass(frozen=True)
class TownSignal:
    question: str
    expected: int | None  # document id; None: Relais should have abstained
    origin: str  # "thumbs_up", "thumbs_down", "ticket", "abstention" or "faq"
    without_entry: int | None = None  # the FAQ entry to leave out when computing its signals


@dataclass
class TownFit:
    signals: Counter[str]
    examples: list[Example]
    shipped: np.ndarray  # score() of the shipped model on the signals (it was never fitted on them)
    active: np.ndarray | None  # score() of the town model in use, if any (fitted on some of them: in-sample)
    cross_validated: np.ndarray  # score() of the refit, k-fold cross-validated, mean of the shuffles
    settled_before: float
    settled_after: float  # cross-validated, mean of the shuffles
    model: AnswerModel
    reasons: list[str] = field(default_factory=list)  # why it may not be saved

    @property
    def better(self) -> bool:
        return not self.reasons


def town_signals() -> list[TownSignal]:
    """The labelled questions the town's signals give, one per question (see the module's docstring)."""
    found: dict[str, TownSignal] = {}
    for signal in [*_exchange_signals(), *_faq_signals()]:  # later ones win: FAQ entries last
        found[normalize_for_matching(signal.question)] = signal
    return list(found.values())


def _exchange_signals() -> list[TownSignal]:
    """Oldest first: of two signals on one question, the latest wins (town_signals)."""
    timed = sorted([*_answer_signals(), *_abstention_signals()], key=lambda pair: pair[0])
    return [signal for _, signal in timed]


def _answer_signals() -> list[tuple[datetime, TownSignal]]:
    answered = Exchange.objects.filter(mode__in=["extractive", "generated"], audience="agents").exclude(citations=[])
    rows = answered.select_related("feedback").prefetch_related("tickets")
    rows = rows.filter(Q(feedback__isnull=False) | Q(followed_by_ticket=True) | Q(tickets__isnull=False)).distinct()
    signals = []
    for exchange in rows:
        question, feedback = exchange.search_query or exchange.question, getattr(exchange, "feedback", None)
        if feedback is not None and feedback.rating == Feedback.Rating.UP:
            cited = exchange.citations[0].get("document_id")
            if cited is not None:
                signals.append((exchange.created_at, TownSignal(question, cited, "thumbs_up")))
        elif feedback is not None and feedback.reason in REJECTING_REASONS:
            signals.append((exchange.created_at, TownSignal(question, None, "thumbs_down")))
        elif feedback is None:
            signals.append((exchange.created_at, TownSignal(question, None, "ticket")))
    return signals


def _abstention_signals() -> list[tuple[datetime, TownSignal]]:
    """Abstentions of the model that nobody contested: no 👎, no request after them. A question the documents
    did answer becomes a knowledge gap, and the référent's FAQ entry relabels it (FAQ signals come last)."""
    rows = (
        Exchange.objects.filter(mode="none", audience="agents", personal_situation="", followed_by_ticket=False)
        .exclude(retrieved=[])  # a search ran: the model abstained (not a personal situation or a refusal)
        .filter(feedback__isnull=True, tickets__isnull=True)
    )
    return [
        (exchange.created_at, TownSignal(exchange.search_query or exchange.question, None, "abstention"))
        for exchange in rows
    ]


def _faq_signals() -> list[TownSignal]:
    entries = FaqEntry.objects.filter(source_document__isnull=False, collection__audience="agents").order_by("pk")
    return [
        TownSignal(phrasing, entry.source_document_id, "faq", without_entry=entry.pk)
        for entry in entries
        for phrasing in entry.all_phrasings()
    ]


def example_for(question: str, expected: int | None, *, without_entry: int | None = None) -> Example:
    """What the pipeline sees for a question under every ranking of fitting.RANKINGS, labelled with ``expected``.

    ``without_entry``: a FAQ entry left out of the matches, as if it had not been written yet.
    """
    from dataclasses import replace

    from relais.assistant.pipeline import faq_answer, gather, sentence_vectors
    from relais.engine.answers.extractive import rank_documents, states_more_than_faq, support_features
    from relais.engine.answers.sentence_choice import read_document
    from relais.knowledge.index import get_passage_index

    signals = gather(question, frozenset({"agents"}))
    if without_entry is not None:
        signals = replace(signals, faq=[m for m in signals.faq if m.entry.pk != without_entry])
    evidence, faq_scores = signals.evidence(), signals.faq_scores()
    curated = faq_answer(signals.faq, question)  # as the pipeline: close enough, and the same question
    index = get_passage_index()
    embed = sentence_vectors(index.embedder)
    chosen, features, more_specific = {}, {}, {}
    for ranking in RANKINGS:
        faq_weight, coverage_weight = ranking
        candidates = rank_documents(
            evidence, faq_scores, faq_weight, question=question, coverage_weight=coverage_weight
        )
        reading = read_document(
            question, candidates[0].passages, index.idf, query_vector=signals.query_vector, embed=embed
        )
        found = support_features(question, candidates, evidence, index.idf, reading.closeness)
        chosen[ranking] = candidates[0].document_id
        features[ranking] = np.array(found.as_tuple())
        more_specific[ranking] = curated is not None and states_more_than_faq(
            question, candidates[0].document_id, curated[0], evidence, index.idf
        )
    faq_document = curated[1].pk if curated and curated[1] else None
    return Example(question, expected, faq_document, curated is not None, chosen, features, more_specific)


def refit(signals: list[TownSignal], folds: int = 5, repeats: int = 10) -> TownFit:
    """The shipped model refitted on the signals, judged against it by cross-validation on the same signals."""
    if not signals:
        raise ValueError("no signal yet: no 👍/👎, no request after an answer, no FAQ entry with a source document")
    examples = [example_for(s.question, s.expected, without_entry=s.without_entry) for s in signals]
    reasons = [reason] if (reason := too_few(examples)) else []
    if reasons:
        folds = 0
    shipped = [(e, decide(e, from_model(SHIPPED_MODEL))) for e in examples]
    current = active_answer_model()
    active = None if current is SHIPPED_MODEL else score([(e, decide(e, from_model(current))) for e in examples])
    if folds:
        runs = [
            cross_validated_decisions(examples, folds, seed, prior=SHIPPED_MODEL, l2=TOWN_PRIOR_L2)
            for seed in range(repeats)
        ]
        cross_validated = np.mean([score(pairs) for pairs in runs], axis=0)
        settled_after = float(np.mean([settled(pairs) for pairs in runs]))
        if not clearly_better(shipped, runs):
            reasons.append(
                f"the refit settles {settled_after:.3f} of these questions (cross-validated), the shipped model "
                f"{settled(shipped):.3f}: not clearly better (a sign test on the questions gained and lost)"
            )
    else:
        cross_validated, settled_after = np.full(3, np.nan), float("nan")
    counts = Counter(s.origin for s in signals)
    shipped_figures = score(shipped)
    provenance = _provenance(counts, examples, shipped_figures, cross_validated, folds, repeats)
    model = to_model(fit(examples, prior=SHIPPED_MODEL, l2=TOWN_PRIOR_L2), SHIPPED_MODEL, provenance)
    return TownFit(
        counts, examples, shipped_figures, active, cross_validated, settled(shipped), settled_after, model, reasons
    )


def _provenance(counts, examples, shipped, cross_validated, folds, repeats) -> dict:
    names = ("correct_source_first", "correct_abstention", "wrong_abstention")
    return {
        "fitted_by": "relais answers fit",
        "fitted_on": f"the town's signals: {len(examples)} questions ({dict(counts)})",
        "prior": f"the shipped model ({SHIPPED_MODEL.provenance.get('date', '')}), L2 = {TOWN_PRIOR_L2:g} towards it",
        "date": date.today().isoformat(),
        "shipped_on_these_signals": {n: round(float(v), 3) for n, v in zip(names, shipped, strict=True)},
        "cross_validated": {
            "folds": folds,
            "repeats": repeats,
            **{n: round(float(v), 3) for n, v in zip(names, cross_validated, strict=True)},
        },
    }


def save(result: TownFit) -> AnswerModelFit:
    if not result.better:
        raise ValueError("; ".join(result.reasons))
    return AnswerModelFit.objects.create(
        model=result.model.as_json(),
        signals=dict(result.signals),
        figures=result.model.provenance,
    )


_loaded: dict[tuple[int, object], AnswerModel] = {}


def active_answer_model() -> AnswerModel:
    """The latest active town model (`relais answers fit --save`), else the shipped one. One small query per
    answer, so that every app server switches as soon as a fit is saved or withdrawn."""
    latest = AnswerModelFit.objects.filter(active=True).order_by("-pk").values_list("pk", "created_at").first()
    if latest is None:
        return SHIPPED_MODEL
    if latest not in _loaded:  # keyed on the time too: a restored database may reuse an id
        record = AnswerModelFit.objects.get(pk=latest[0])
        _loaded[latest] = model_from_json(record.model, f"AnswerModelFit {record.pk}")
    return _loaded[latest]
