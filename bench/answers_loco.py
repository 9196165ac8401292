"""The answer model judged leave-one-corpus-out: fitted on every corpus but one, scored on the one left out.

A town installs Relais on its own documents: a decision rule is only as good as its figures on a corpus it was
not fitted on. For each corpus of bench/corpora.py (the demo and eval/corpora/*, each loaded in its own data
folder under --data-root by bench/corpora.py), the signals of every question are collected once
(`answers_cv.py --dump`), then the model is fitted as answers_cv.py fits it (ranking weights, logistic model),
on the questions of the other corpora, and scored on this one. The shipped model (answer-model.json) is scored
on each corpus too, as the baseline.

    .venv/bin/python bench/corpora.py --data-root /work/benchdata/corpora   # loads the corpora once
    .venv/bin/python bench/answers_loco.py --data-root /work/benchdata/corpora \
        --training-questions tools/reader/training-questions [--fit]

--training-questions adds questions written apart from the evaluation sets (all answerable, one file per corpus,
named after it) to the fit: each fold fits on the other corpora's sets and training questions, and is scored on its
own corpus's evaluation set only. The shipped model is fitted with them (docs/benchmarks.md, tenth session).

--fit writes the model fitted on every corpus to src/relais/engine/answers/answer-model.json, with its
provenance: the corpora, and the leave-one-corpus-out figures as the estimate of what it does on a new one.
"""

from __future__ import annotations

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ROOT, corpora
from relais.engine.answers.fitting import Example, Fitted, decide, fit, from_model, score, to_model


def signals(question_set: Path, data_dir: Path) -> list[Example]:
    with tempfile.NamedTemporaryFile(suffix=".pickle") as dump:
        env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [sys.executable, str(ROOT / "bench" / "answers_cv.py"), str(question_set), "--dump", dump.name]
        subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)
        return [Example(**fields) for fields in pickle.loads(Path(dump.name).read_bytes())]


def shipped() -> Fitted:
    from relais.engine.answers.decision import SHIPPED_MODEL

    return from_model(SHIPPED_MODEL)


def cells(values: np.ndarray) -> str:
    return " | ".join(f"{v:.3f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    parser.add_argument("--fit", action="store_true", help="write the model fitted on every corpus")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the signals saved by the last run (same code, same corpora)"
    )
    parser.add_argument(
        "--training-questions",
        type=Path,
        help="also fit on these training questions (tools/reader/training-questions); never scored on them",
    )
    options = parser.parse_args()
    by_corpus = collect_all(options.data_root, options.reuse)
    training = collect_training(options.data_root, options.training_questions, options.reuse)
    everything = [item for items in [*by_corpus.values(), *training.values()] for item in items]
    pooled, baseline = fit(everything), shipped()
    print("| corpus | questions | shipped model | fitted on the other corpora (left out) | fitted on all (in-sample) |")
    print("|---|---|---|---|---|")
    left_out = {}
    for name, items in by_corpus.items():
        others = [item for other, rest in [*by_corpus.items(), *training.items()] if other != name for item in rest]
        left_out[name] = score([(i, decide(i, fit(others))) for i in items])
        before = score([(i, decide(i, baseline)) for i in items])
        in_sample = score([(i, decide(i, pooled)) for i in items])
        print(f"| {name} | {len(items)} | {cells(before)} | {cells(left_out[name])} | {cells(in_sample)} |", flush=True)
    print("\n(each cell: correct source first / correct abstention / wrong abstention)")
    weights, intercept = pooled.raw()
    print(
        f"fitted on all {len(everything)} questions: ranking {pooled.ranking}, "
        f"weights {np.round(weights, 4).tolist()}, intercept {intercept:.4g}"
    )
    if options.fit:
        write(pooled, by_corpus, left_out, training)


def collect_all(data_root: Path, reuse: bool) -> dict[str, list[Example]]:
    saved = data_root / "signals.pickle"
    if reuse and saved.exists():
        return {name: [Example(**f) for f in items] for name, items in pickle.loads(saved.read_bytes()).items()}
    by_corpus = {
        corpus.name: [item for path in corpus.question_sets for item in signals(path, data_root / corpus.name)]
        for corpus in corpora()
    }
    saved.write_bytes(pickle.dumps({name: [vars(i) for i in items] for name, items in by_corpus.items()}))
    return by_corpus


def collect_training(data_root: Path, folder: Path | None, reuse: bool) -> dict[str, list[Example]]:
    """Signals of the training questions (tools/reader/training-questions: written blind, apart from the evaluation
    sets, all answerable), per corpus: fitted on with the other corpora's, never scored."""
    if folder is None:
        return {}
    saved = data_root / "training-signals.pickle"
    if reuse and saved.exists():
        return {name: [Example(**f) for f in items] for name, items in pickle.loads(saved.read_bytes()).items()}
    by_corpus = {path.stem: signals(path, data_root / path.stem) for path in sorted(folder.glob("*.yaml"))}
    saved.write_bytes(pickle.dumps({name: [vars(i) for i in items] for name, items in by_corpus.items()}))
    return by_corpus


def write(
    model: Fitted,
    by_corpus: dict[str, list[Example]],
    left_out: dict[str, np.ndarray],
    training: dict[str, list[Example]],
) -> None:
    """answer-model.json: the model fitted on every corpus, with what it was fitted on and how it holds."""
    from datetime import date

    from answers_cv import figures
    from relais.engine.answers.decision import SHIPPED_MODEL, write_answer_model

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    fitted_on = "; ".join(
        f"{name}: {len(items)} questions ({sum(i.expected is not None for i in items)} answerable)"
        for name, items in by_corpus.items()
    )
    if training:
        fitted_on += f"; and {sum(map(len, training.values()))} training questions (tools/reader/training-questions)"
    provenance = {
        "fitted_by": "bench/answers_loco.py --fit",
        "fitted_on": f"every corpus of bench/corpora.py, pooled — {fitted_on}; the questions the FAQ threshold "
        "answers first are left out of the logistic fit",
        "method": SHIPPED_MODEL.provenance.get("method", ""),
        "specific_margin": SHIPPED_MODEL.provenance.get("specific_margin", ""),
        "commit": commit.stdout.strip() or "unknown",
        "date": date.today().isoformat(),
        "leave_one_corpus_out": {name: figures(values) for name, values in left_out.items()},
        "warning": "the figures that count are the left-out ones: each is the model fitted without that corpus",
    }
    write_answer_model(to_model(model, SHIPPED_MODEL, provenance))
    print("wrote src/relais/engine/answers/answer-model.json")


if __name__ == "__main__":
    main()
