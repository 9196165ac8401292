"""Fitting the decision model (decision.AnswerModel) on labelled questions, and judging a fit by cross-validation.

A labelled question (`Example`) holds what the pipeline saw for it under every ranking tried: the document it would
answer from and that document's signals (decision.FEATURES). Its label is the document that answers it, or None when
Relais should abstain. From such examples:

- the ranking (FAQ weight, coverage weight) is the grid point that puts the expected document first for the most
  answerable questions;
- the answer/abstain model is an L2-regularised, class-balanced logistic regression on standardised features, fitted
  on the questions a curated FAQ answer does not settle first. Without a prior it is pulled towards zero (how the
  shipped model is fitted, bench/answers_loco.py); with a prior (the shipped model, when a town refits it on its own
  signals, `relais answers fit`) it is pulled towards the prior's weights, so that a few dozen signals adjust the
  shipped model instead of replacing it.

Pure numpy, no Django: the examples are collected elsewhere (relais.assistant.answer_fit, bench/answers_cv.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from relais.engine.answers.decision import FEATURES, AnswerModel

FAQ_WEIGHTS = tuple(float(w) for w in np.round(np.arange(0.0, 3.01, 0.25), 2))
COVERAGE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
# Document ranking parameters tried: (FAQ weight, coverage weight).
RANKINGS = tuple((w, v) for w in FAQ_WEIGHTS for v in COVERAGE_WEIGHTS)
L2 = 1.0
# How strongly a town's refit is pulled towards the shipped model (`relais answers fit`): chosen across the four
# corpora by bench/town_fit.py (docs/benchmarks.md, « a town's own signals »).
TOWN_PRIOR_L2 = 100.0
# The direction each signal of decision.FEATURES must push towards answering (0: either): a closer passage, a
# clearer lead, more of the question covered and a closer sentence say « answer »; question words no passage holds
# say « abstain ». A fitted weight of the other sign is a fit to the sample, not a rule: that signal is left out.
EXPECTED_SIGNS = np.array([1.0, 1.0, 1.0, -1.0, 0.0, 1.0])
Ranking = tuple[float, float]
# Labelled questions needed before a refit is worth judging: with fewer, cross-validation says nothing.
MIN_ANSWERABLE = 10
MIN_ABSTAIN = 5


@dataclass
class Example:
    question: str
    expected: int | None  # the document that answers it; None: Relais should abstain
    faq_document: int | None  # source of the curated FAQ answer that settles it first, if any
    gated: bool  # settled by a curated FAQ answer, before the model
    chosen: dict[Ranking, int]  # per ranking: the document the model would answer from
    features: dict[Ranking, np.ndarray]  # per ranking: that document's signals
    # per ranking, when gated: whether that document states the question more than the FAQ's source
    # (extractive.states_more_than_faq), so that an extract from it replaces the curated answer
    more_specific: dict[Ranking, bool]


@dataclass(frozen=True)
class Fitted:
    ranking: Ranking  # FAQ weight, coverage weight
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # on standardised features, intercept last

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef[:-1] + self.coef[-1]
        return 1.0 / (1.0 + np.exp(-z))

    def raw(self) -> tuple[np.ndarray, float]:
        """Weights and intercept on the raw features (what an AnswerModel holds)."""
        weights = self.coef[:-1] / self.scale
        return weights, float(self.coef[-1] - weights @ self.mean)


def from_model(model: AnswerModel) -> Fitted:
    """An AnswerModel as a Fitted one (raw features: mean 0, scale 1), to score it as fits are scored."""
    return Fitted(
        (model.faq_weight, model.coverage_weight),
        np.zeros(len(FEATURES)),
        np.ones(len(FEATURES)),
        np.array([*model.weights, model.intercept]),
    )


def to_model(fitted: Fitted, base: AnswerModel, provenance: dict[str, Any]) -> AnswerModel:
    """The AnswerModel of a fit, rounded to four significant digits; what the fit does not set comes from base."""
    weights, intercept = fitted.raw()
    return replace(
        base,
        faq_weight=float(fitted.ranking[0]),
        coverage_weight=float(fitted.ranking[1]),
        weights=tuple(float(f"{w:.4g}") for w in weights),
        intercept=float(f"{intercept:.4g}"),
        provenance=provenance,
    )


def logistic(
    x: np.ndarray, y: np.ndarray, l2: float = L2, prior: tuple[np.ndarray, float] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class-balanced, L2-regularised logistic regression by Newton's method; returns mean, scale, coef.

    ``prior``: raw weights and intercept the coefficients are pulled towards (the intercept too), instead of zero.
    """
    mean, spread = x.mean(0), x.std(0)
    constant = spread < 1e-9  # a signal that never varies here: no weight to learn, only the prior's to keep
    scale = np.where(constant, 1.0, spread + 1e-9)
    z = np.hstack([np.where(constant, 0.0, (x - mean) / scale), np.ones((len(x), 1))])
    positives, negatives = y.sum(), len(y) - y.sum()
    weight = np.where(y == 1, 1.0, positives / max(negatives, 1))
    if prior is None:
        target = np.zeros(z.shape[1])
        penalty = l2 * np.diag([*([1.0] * x.shape[1]), 0.0])
    else:
        raw_weights, raw_intercept = prior
        target = np.array([*(raw_weights * scale), raw_intercept + raw_weights @ mean])
        penalty = l2 * np.eye(z.shape[1])
    coef = np.zeros(z.shape[1])  # Newton from zero converges; from a prior far from the data it may not
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ coef, -60, 60)))
        gradient = z.T @ (weight * (p - y)) + penalty @ (coef - target)
        hessian = z.T @ (z * (weight * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, scale, coef


def too_few(examples: Sequence[Example]) -> str | None:
    """Why these examples cannot judge a refit, or None when they can."""
    answerable = sum(e.expected is not None for e in examples)
    if answerable >= MIN_ANSWERABLE and len(examples) - answerable >= MIN_ABSTAIN:
        return None
    return (
        f"too few signals: {answerable} answered questions (need {MIN_ANSWERABLE}) and "
        f"{len(examples) - answerable} that should have been abstained on (need {MIN_ABSTAIN})"
    )


def best_ranking(examples: Sequence[Example], prior: AnswerModel | None = None) -> Ranking:
    """The ranking that puts the expected document first most often; of equals, the prior's, else the smallest."""
    answerable = [e for e in examples if e.expected is not None]
    preferred = (prior.faq_weight, prior.coverage_weight) if prior else (0.0, 0.0)

    def key(ranking: Ranking) -> tuple[int, float]:
        hits = sum(e.chosen[ranking] == e.expected for e in answerable)
        return hits, -abs(ranking[0] - preferred[0]) - abs(ranking[1] - preferred[1])

    return max(RANKINGS, key=key)


def fit(examples: Sequence[Example], prior: AnswerModel | None = None, l2: float = L2) -> Fitted:
    ranking = best_ranking(examples, prior)
    train = [e for e in examples if not e.gated]
    x = np.array([e.features[ranking] for e in train])
    y = np.array([1.0 if e.expected is not None else 0.0 for e in train])
    prior_terms = (np.array(prior.weights), prior.intercept) if prior else None
    used = np.ones(x.shape[1], dtype=bool)
    while True:
        shown = np.where(used, x, 0.0)  # a signal left out is a constant column: its weight ends at zero
        kept_prior = None
        if prior_terms is not None:  # a signal left out: its prior share, at its mean, moves into the intercept
            left_out = np.where(used, 0.0, prior_terms[0]) @ x.mean(0)
            kept_prior = (np.where(used, prior_terms[0], 0.0), prior_terms[1] + float(left_out))
        mean, scale, coef = logistic(shown, y, l2, kept_prior)
        wrong = used & (np.sign(coef[:-1]) * EXPECTED_SIGNS < 0)
        if not wrong.any():
            return Fitted(ranking, mean, scale, coef)
        used &= ~wrong


def decide(example: Example, model: Fitted) -> int | None:
    """The document cited first, or None for an abstention."""
    answer = model.probability(example.features[model.ranking][None, :])[0] >= 0.5
    if example.gated and not (answer and example.more_specific[model.ranking]):
        return example.faq_document
    return example.chosen[model.ranking] if answer else None


def score(pairs: Sequence[tuple[Example, int | None]]) -> np.ndarray:
    """Correct source cited first, correct abstention, wrong abstention."""
    answerable = [(e, d) for e, d in pairs if e.expected is not None]
    unanswerable = [(e, d) for e, d in pairs if e.expected is None]
    return np.array(
        [
            sum(d == e.expected for e, d in answerable) / max(len(answerable), 1),
            sum(d is None for _, d in unanswerable) / max(len(unanswerable), 1),
            sum(d is None for _, d in answerable) / max(len(answerable), 1),
        ]
    )


def clearly_better(
    before: Sequence[tuple[Example, int | None]], runs: Sequence[Sequence[tuple[Example, int | None]]]
) -> bool:
    """Whether the decisions of ``runs`` (shuffles of a cross-validation) settle more of the same questions than
    ``before`` by more than chance would: a sign test at about 95 %, the questions gained outnumbering those lost
    by two standard deviations of a tie (counts averaged over the runs)."""
    right_before = {id(e): d == e.expected for e, d in before}
    gains = losses = 0.0
    for pairs in runs:
        changes = [int(d == e.expected) - right_before[id(e)] for e, d in pairs]
        gains, losses = gains + changes.count(1) / len(runs), losses + changes.count(-1) / len(runs)
    return gains - losses > 2.0 * np.sqrt(gains + losses)


def settled(pairs: Sequence[tuple[Example, int | None]]) -> float:
    """Share of questions settled right: the expected document cited first, or an abstention where expected."""
    return sum(d == e.expected for e, d in pairs) / max(len(pairs), 1)


def folds(examples: Sequence[Example], k: int, seed: int) -> list[list[int]]:
    """Stratified: answerable and unanswerable questions are spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for group in (
        [n for n, e in enumerate(examples) if e.expected is not None],
        [n for n, e in enumerate(examples) if e.expected is None],
    ):
        for position, n in enumerate(rng.permutation(group)):
            out[position % k].append(int(n))
    return out


def cross_validated_decisions(
    examples: Sequence[Example], k: int, seed: int, prior: AnswerModel | None = None, l2: float = L2
) -> list[tuple[Example, int | None]]:
    """Each example decided by the model fitted on the other folds."""
    pairs = []
    for held_out in folds(examples, k, seed):
        held = set(held_out)
        model = fit([e for n, e in enumerate(examples) if n not in held], prior, l2)
        pairs += [(examples[n], decide(examples[n], model)) for n in held_out]
    return pairs


def cross_validate(
    examples: Sequence[Example], k: int, repeats: int, prior: AnswerModel | None = None, l2: float = L2
) -> np.ndarray:
    """score() of each of ``repeats`` shuffles of a k-fold cross-validation, one row per shuffle."""
    return np.array([score(cross_validated_decisions(examples, k, seed, prior, l2)) for seed in range(repeats)])
