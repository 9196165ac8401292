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

Fitting and scoring are relais.engine.answers.fitting's (the ranking grid point that puts the expected
document first most often; an L2-regularised, class-balanced logistic regression on standardised features,
fitted on the questions the FAQ threshold does not already answer), as `relais answers fit` uses them.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from relais.engine.answers.fitting import (  # noqa: E402  (the engine is pure: no Django needed to import it)
    Example,
    Fitted,
    cross_validate,
    decide,
    fit,
    from_model,
    score,
    to_model,
)


def collect(path: Path) -> list[Example]:
    """Each question of the set as the pipeline sees it, labelled with its expected document (None: abstain)."""
    from relais.assistant.answer_fit import example_for
    from relais.assistant.evaluation import read_questions
    from relais.knowledge.models import Document

    # Stems, as `relais eval answers` compares them: conges-annuels.md may be published as conges-annuels.docx.
    by_stem = {Path(d.source).stem: d.pk for d in Document.objects.all()}
    examples = []
    for question, expected in read_questions(path):
        if expected != "none" and Path(expected).stem not in by_stem:
            raise SystemExit(f"{path}: {expected!r} is not an ingested document (run `relais demo` first)")
        examples.append(example_for(question, None if expected == "none" else by_stem[Path(expected).stem]))
    return examples


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
    from relais.engine.answers.decision import SHIPPED_MODEL

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
    shipped = from_model(SHIPPED_MODEL)
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


def write_fitted(
    model: Fitted, fitted_on: str, items: list[Example], cross_validated: np.ndarray, args, held_out
) -> None:
    """Rewrite answer-model.json: the refitted weights with what they were fitted on, when, and how they score."""
    from relais.engine.answers.decision import SHIPPED_MODEL, write_answer_model

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
    fitted = to_model(model, SHIPPED_MODEL, provenance)
    write_answer_model(fitted)
    print(f"\nwrote src/relais/engine/answers/answer-model.json: {fitted.as_json()}")


if __name__ == "__main__":
    main()
