"""Fitting the decision model (engine/answers/fitting.py) on labelled questions: synthetic examples whose right
decision is known, so that each assertion can fail."""

import numpy as np
import pytest

from relais.engine.answers.decision import FEATURES, SHIPPED_MODEL, Features
from relais.engine.answers.fitting import (
    RANKINGS,
    Example,
    clearly_better,
    cross_validate,
    decide,
    fit,
    from_model,
    score,
    to_model,
    too_few,
)

SHIPPED_RANKING = (SHIPPED_MODEL.faq_weight, SHIPPED_MODEL.coverage_weight)


def example(dense: float, answerable: bool, *, document: int = 1, chosen: int | None = None) -> Example:
    """One question: the same signals and chosen document under every ranking; closeness follows dense."""
    features = np.array(Features(dense, 0.2, 0.5, 0, 0, dense).as_tuple())
    return Example(
        question=f"question {dense:.3f}",
        expected=document if answerable else None,
        faq_document=None,
        gated=False,
        chosen={r: chosen or document for r in RANKINGS},
        features={r: features for r in RANKINGS},
        more_specific={r: False for r in RANKINGS},
    )


def separable(n: int, threshold: float, seed: int = 0, noise: float = 0.0) -> list[Example]:
    """Questions answerable when their closeness is above ``threshold`` (a share ``noise`` of them mislabelled)."""
    rng = np.random.default_rng(seed)
    return [example(float(d), bool(d > threshold) != (rng.random() < noise)) for d in rng.uniform(0.6, 1.0, n)]


def test_a_fit_without_prior_learns_where_answering_starts():
    model = fit(separable(200, 0.8))
    assert [decide(example(0.95, True), model), decide(example(0.65, False), model)] == [1, None]
    weights, _ = model.raw()
    assert weights[FEATURES.index("dense")] > 0 and weights[FEATURES.index("closeness")] > 0


def test_a_strong_prior_keeps_the_shipped_weights_and_a_weak_one_follows_the_signals():
    # The shipped model answers from about 0.86; these signals say answering starts at 0.70.
    examples = separable(200, 0.70, noise=0.1)
    strong, weak = fit(examples, prior=SHIPPED_MODEL, l2=1e6), fit(examples, prior=SHIPPED_MODEL, l2=1.0)
    assert np.allclose(strong.raw()[0], SHIPPED_MODEL.weights, rtol=0.05, atol=0.5)
    close = example(0.82, True)
    assert decide(close, from_model(SHIPPED_MODEL)) is None and decide(close, strong) is None
    assert decide(close, weak) == 1


def test_from_model_and_to_model_decide_as_the_model_does():
    fitted = fit(separable(100, 0.8))
    model = to_model(fitted, SHIPPED_MODEL, {"fitted_by": "test"})
    for dense in (0.7, 0.79, 0.81, 0.9):
        x = example(dense, True).features[fitted.ranking]
        z = model.intercept + float(np.dot(model.weights, x))
        assert (fitted.probability(x[None, :])[0] >= 0.5) == (z >= 0) or abs(z) < 1e-2
    assert model.provenance == {"fitted_by": "test"} and model.specific_margin == SHIPPED_MODEL.specific_margin
    assert from_model(model).ranking == fitted.ranking


def test_a_weight_of_the_forbidden_sign_is_left_out():
    # More unknown words making an answer more likely is a fit to the sample: that weight is set to zero.
    examples = []
    for n in range(40):
        item = example(0.9, n % 2 == 0)
        item.features = {r: np.array([0.9, 0.2, 0.5, float(n % 2 == 0) * 3, 0, 0.9]) for r in RANKINGS}
        examples.append(item)
    weights, _ = fit(examples).raw()
    assert weights[FEATURES.index("unknown")] == 0


def test_cross_validation_and_score_count_right_sources_and_abstentions():
    examples = separable(100, 0.8)
    runs = cross_validate(examples, 5, 2)
    assert runs.shape == (2, 3) and (runs[:, 0] > 0.85).all() and (runs[:, 1] > 0.85).all()
    wrong_page = example(0.95, True, document=1, chosen=2)
    assert list(score([(wrong_page, 2), (example(0.7, False), None)])) == [0.0, 1.0, 0.0]


def test_clearly_better_asks_more_than_chance():
    examples = [example(0.9, True) for _ in range(20)]
    before = [(e, None) for e in examples]  # every one a wrong abstention
    assert clearly_better(before, [[(e, 1) for e in examples[:10]] + [(e, None) for e in examples[10:]]])
    # 3 gained, 1 lost: could be chance
    mixed = [(e, 1) for e in examples[:3]] + [(e, None) for e in examples[3:]]
    before_mixed = [(examples[3], 1)] + [(e, None) for e in examples if e is not examples[3]]
    assert not clearly_better(before_mixed, [mixed])


@pytest.mark.parametrize(("answerable", "abstain", "refused"), [(9, 5, True), (10, 4, True), (10, 5, False)])
def test_too_few_signals_are_refused_with_the_counts(answerable, abstain, refused):
    examples = [example(0.9, True) for _ in range(answerable)] + [example(0.7, False) for _ in range(abstain)]
    reason = too_few(examples)
    assert (reason is not None) == refused
    if refused:
        assert f"{answerable} answered questions" in reason and f"{abstain} that should have been" in reason
