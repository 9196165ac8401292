"""Answer selection and abstention on a question set: in-sample and k-fold cross-validated figures.

The answer model of relais.engine.answers.extractive has fitted parameters: the FAQ and
coverage weights that rank documents, and the logistic weights that decide between answering
and abstaining. Scored on the questions they were fitted on, they look better
than they are; this script fits them the same way on k − 1 folds, scores the
held-out fold, and reports both, with the figures of `relais eval answers`
(correct source cited first, correct abstention, wrong abstention).

    export RELAIS_DATA_DIR=/tmp/relais-answers && .venv/bin/relais demo
    .venv/bin/python bench/answers_cv.py [demo/questions.yaml] [--folds 5] [--repeats 20] [--train-first 101]
        [--score demo/questions-holdout.yaml ...] [--fit]

--train-first N also fits on the first N questions only and scores the others
(questions appended later, never fitted on); --score FILE scores the model fitted on all of
the set on another set (a held-out one). --fit writes the model fitted on every question,
with its provenance (set, commit, date, cross-validated and held-out figures), to
src/relais/engine/answers/answer-model.json.

Fitting: the (FAQ weight, coverage weight) pair is the grid point that puts the
expected document first for the most answerable questions (ties: the smallest);
the logistic model is an
L2-regularised (λ = 1), class-balanced logistic regression on standardised
features, fitted on the questions the FAQ threshold does not already answer.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FAQ_WEIGHTS = tuple(float(w) for w in np.round(np.arange(0.0, 3.01, 0.25), 2))
COVERAGE_WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5)
# Document ranking parameters tried: (FAQ weight, coverage weight).
RANKINGS = tuple((w, v) for w in FAQ_WEIGHTS for v in COVERAGE_WEIGHTS)
L2 = 1.0
# The direction each signal of decision.FEATURES must push towards answering (0: either): a closer passage, a
# clearer lead, more of the question covered and a closer sentence say « answer »; question words no passage holds
# say « abstain ».
EXPECTED_SIGNS = np.array([1.0, 1.0, 1.0, -1.0, 0.0, 1.0])


@dataclass
class Item:
    question: str
    expected: int | None  # document id; None: unanswerable
    faq_document: int | None  # source of the closest FAQ entry when it is above the FAQ threshold
    gated: bool  # answered by the curated FAQ answer, before the model
    chosen: dict[tuple[float, float], int]  # per ranking: the document the model would answer from
    features: dict[tuple[float, float], np.ndarray]  # per ranking: the features of that document
    # per ranking, when gated: whether that document states the question more than the FAQ's source
    # (answer.states_more_than_faq), so that an extractive answer from it replaces the curated one
    more_specific: dict[tuple[float, float], bool]


def collect(path: Path) -> list[Item]:

    from relais.assistant.evaluation import read_questions
    from relais.assistant.pipeline import faq_answer, gather, sentence_vectors
    from relais.engine.answers.extractive import rank_documents, states_more_than_faq, support_features
    from relais.engine.answers.sentence_choice import read_document
    from relais.knowledge.index import get_passage_index
    from relais.knowledge.models import Document

    # Stems, as `relais eval answers` compares them: conges-annuels.md may be published as conges-annuels.docx.
    by_stem = {Path(d.source).stem: d.pk for d in Document.objects.all()}
    items = []
    for question, expected in read_questions(path):
        if expected != "none" and Path(expected).stem not in by_stem:
            raise SystemExit(f"{path}: {expected!r} is not an ingested document (run `relais demo` first)")
        signals = gather(question, frozenset({"agents"}))
        evidence, faq_scores = signals.evidence(), signals.faq_scores()
        curated = faq_answer(signals.faq, question)  # as the pipeline: close enough, and the same kind of question
        gated = curated is not None
        faq_document = curated[1].pk if curated and curated[1] else None
        chosen, features, more_specific = {}, {}, {}
        index = get_passage_index()
        embed = sentence_vectors(index.embedder)
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
        items.append(
            Item(
                question,
                None if expected == "none" else by_stem[Path(expected).stem],
                faq_document,
                gated,
                chosen,
                features,
                more_specific,
            )
        )
    return items


@dataclass(frozen=True)
class Fitted:
    ranking: tuple[float, float]  # FAQ weight, coverage weight
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # on standardised features, intercept last

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.coef[:-1] + self.coef[-1]
        return 1.0 / (1.0 + np.exp(-z))

    def raw(self) -> tuple[np.ndarray, float]:
        """Weights and intercept on the raw features (what answer-model.json holds)."""
        weights = self.coef[:-1] / self.scale
        return weights, float(self.coef[-1] - weights @ self.mean)


def logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class-balanced, L2-regularised logistic regression by Newton's method; returns mean, scale, coef."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    positives, negatives = y.sum(), len(y) - y.sum()
    weight = np.where(y == 1, 1.0, positives / max(negatives, 1))
    penalty = L2 * np.diag([*([1.0] * x.shape[1]), 0.0])
    coef = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-z @ coef))
        gradient = z.T @ (weight * (p - y)) + penalty @ coef
        hessian = z.T @ (z * (weight * p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        coef -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, scale, coef


def fit(items: list[Item]) -> Fitted:
    answerable = [i for i in items if i.expected is not None]

    def hits(ranking: tuple[float, float]) -> int:
        return sum(i.chosen[ranking] == i.expected for i in answerable)

    ranking = max(RANKINGS, key=lambda r: (hits(r), -r[0], -r[1]))
    train = [i for i in items if not i.gated]
    x = np.array([i.features[ranking] for i in train])
    y = np.array([1.0 if i.expected is not None else 0.0 for i in train])
    # A weight whose sign contradicts what its signal means (more unknown words making an answer *more* likely)
    # is a fit to the sample, not a rule: that signal is left out (weight 0) and the others refitted.
    used = np.ones(x.shape[1], dtype=bool)
    while True:
        mean, scale, coef = logistic(np.where(used, x, 0.0), y)
        wrong = used & (np.sign(coef[:-1]) * EXPECTED_SIGNS < 0)
        if not wrong.any():
            return Fitted(ranking, mean, scale, coef)
        used &= ~wrong


def decide(item: Item, model: Fitted) -> int | None:
    """The document cited first, or None for an abstention."""
    answer = model.probability(item.features[model.ranking][None, :])[0] >= 0.5
    if item.gated and not (answer and item.more_specific[model.ranking]):
        return item.faq_document
    return item.chosen[model.ranking] if answer else None


def score(pairs: list[tuple[Item, int | None]]) -> np.ndarray:
    """correct source cited first, correct abstention, wrong abstention."""
    answerable = [(i, d) for i, d in pairs if i.expected is not None]
    unanswerable = [(i, d) for i, d in pairs if i.expected is None]
    return np.array(
        [
            sum(d == i.expected for i, d in answerable) / max(len(answerable), 1),
            sum(d is None for _, d in unanswerable) / max(len(unanswerable), 1),
            sum(d is None for _, d in answerable) / max(len(answerable), 1),
        ]
    )


def folds(items: list[Item], k: int, seed: int) -> list[list[int]]:
    """Stratified: answerable and unanswerable questions are spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    out: list[list[int]] = [[] for _ in range(k)]
    for group in (
        [n for n, i in enumerate(items) if i.expected is not None],
        [n for n, i in enumerate(items) if i.expected is None],
    ):
        for position, n in enumerate(rng.permutation(group)):
            out[position % k].append(int(n))
    return out


def cross_validate(items: list[Item], k: int, repeats: int) -> np.ndarray:
    runs = []
    for seed in range(repeats):
        pairs = []
        for held_out in folds(items, k, seed):
            held = set(held_out)
            model = fit([i for n, i in enumerate(items) if n not in held])
            pairs += [(items[n], decide(items[n], model)) for n in held_out]
        runs.append(score(pairs))
    return np.array(runs)


def row(label: str, figures: np.ndarray, spread: np.ndarray | None = None) -> str:
    cells = [f"{v:.3f}" for v in figures]
    if spread is not None:
        cells = [f"{v:.3f} ({lo:.3f}–{hi:.3f})" for v, lo, hi in zip(figures, *spread, strict=True)]
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, nargs="?", default=ROOT / "demo" / "questions.yaml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=20, help="shuffles of the k-fold split, averaged")
    parser.add_argument("--train-first", type=int, metavar="N", help="also fit on the first N questions only")
    parser.add_argument(
        "--score",
        type=Path,
        metavar="FILE",
        action="append",
        default=[],
        help="also score the model refitted on all the questions on FILE's (repeatable)",
    )
    parser.add_argument(
        "--fit", action="store_true", help="write the refitted model to src/relais/engine/answers/answer-model.json"
    )
    parser.add_argument(
        "--dump", type=Path, metavar="FILE", help="only write the questions' signals to FILE (bench/answers_loco.py)"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    import django

    django.setup()
    from relais.cli import prepare_database
    from relais.engine.answers.decision import FEATURES, SHIPPED_MODEL

    prepare_database("bench")
    items = collect(args.file)
    if args.dump:
        args.dump.write_bytes(pickle.dumps([vars(item) for item in items]))  # plain data: this runs as __main__
        return
    answerable = sum(i.expected is not None for i in items)
    print(
        f"{len(items)} questions ({answerable} answerable, {len(items) - answerable} unanswerable), "
        f"{sum(i.gated for i in items)} answered by the FAQ threshold before the model"
    )
    model = fit(items)
    runs = cross_validate(items, args.folds, args.repeats)
    print("| fit → scored on | correct source first | correct abstention | wrong abstention |")
    print("|---|---|---|---|")
    shipped = Fitted(
        (SHIPPED_MODEL.faq_weight, SHIPPED_MODEL.coverage_weight),
        np.zeros(len(FEATURES)),
        np.ones(len(FEATURES)),
        np.array([*SHIPPED_MODEL.weights, SHIPPED_MODEL.intercept]),
    )
    print(row("answer-model.json → all (in-sample)", score([(i, decide(i, shipped)) for i in items])))
    print(row("all → all (in-sample, refitted)", score([(i, decide(i, model)) for i in items])))
    spread = np.vstack([runs.min(0), runs.max(0)])
    print(row(f"{args.folds}-fold cross-validation, mean of {args.repeats} shuffles (min–max)", runs.mean(0), spread))
    if args.train_first:
        first, rest = items[: args.train_first], items[args.train_first :]
        held = fit(first)
        print(row(f"first {len(first)} → first {len(first)} (in-sample)", score([(i, decide(i, held)) for i in first])))
        print(
            row(f"first {len(first)} → last {len(rest)} (never fitted on)", score([(i, decide(i, held)) for i in rest]))
        )
    held_out = {}
    for path in args.score:
        held_out[relative(path)] = score([(i, decide(i, model)) for i in collect(path)])
        print(row(f"all → {path.name} (never fitted on)", held_out[relative(path)]))
    if args.fit:
        write_fitted(model, relative(args.file), items, runs.mean(0), args, held_out)


def relative(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def figures(values: np.ndarray) -> dict[str, float]:
    names = ("correct_source_first", "correct_abstention", "wrong_abstention")
    return {name: round(float(v), 3) for name, v in zip(names, values, strict=True)}


def write_fitted(model: Fitted, fitted_on: str, items: list[Item], cross_validated: np.ndarray, args, held_out) -> None:
    """Rewrite answer-model.json: the refitted weights with what they were fitted on, when, and how they score."""
    from relais.engine.answers.decision import SHIPPED_MODEL, AnswerModel, write_answer_model

    weights, intercept = model.raw()
    answerable = sum(i.expected is not None for i in items)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    provenance = {
        **SHIPPED_MODEL.provenance,
        "fitted_by": "bench/answers_cv.py --fit",
        "fitted_on": (
            f"{fitted_on}: {len(items)} questions ({answerable} answerable, {len(items) - answerable} unanswerable); "
            "the "
            f"{sum(i.gated for i in items)} questions the FAQ threshold answers first are left out of the logistic fit"
        ),
        "commit": commit.stdout.strip() or "unknown",
        "date": date.today().isoformat(),
        "cross_validated": {"folds": args.folds, "repeats": args.repeats, **figures(cross_validated)},
        "held_out": {name: figures(values) for name, values in held_out.items()},
    }
    fitted = AnswerModel(
        faq_weight=float(model.ranking[0]),
        coverage_weight=float(model.ranking[1]),
        weights=tuple(float(f"{w:.4g}") for w in weights),  # four significant digits, as shipped
        intercept=float(f"{intercept:.4g}"),
        specific_margin=SHIPPED_MODEL.specific_margin,
        provenance=provenance,
    )
    write_answer_model(fitted)
    print(f"\nwrote src/relais/engine/answers/answer-model.json: {fitted.as_json()}")


if __name__ == "__main__":
    main()
