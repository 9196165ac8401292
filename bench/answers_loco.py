"""The answer model judged leave-one-corpus-out: fitted on every corpus but one, scored on the one left out.

A town installs Relais on its own documents: a decision rule is only as good as its figures on a corpus it was
not fitted on. For each corpus of bench/corpora.py (the demo and eval/corpora/*, each loaded in its own data
folder under --data-root by bench/corpora.py), the signals of every question are collected once
(`answers_cv.py --dump`), then the model is fitted as answers_cv.py fits it (ranking weights, logistic model),
on the questions of the other corpora, and scored on this one. The shipped model (answer-model.json) is scored
on each corpus too, as the baseline.

    .venv/bin/python bench/corpora.py --data-root /work/benchdata/corpora   # loads the corpora once
    .venv/bin/python bench/answers_loco.py --data-root /work/benchdata/corpora
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

from answers_cv import Fitted, Item, decide, fit, score
from corpora import ROOT, corpora


def signals(question_set: Path, data_dir: Path) -> list[Item]:
    with tempfile.NamedTemporaryFile(suffix=".pickle") as dump:
        env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [sys.executable, str(ROOT / "bench" / "answers_cv.py"), str(question_set), "--dump", dump.name]
        subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)
        return [Item(**fields) for fields in pickle.loads(Path(dump.name).read_bytes())]


def shipped() -> Fitted:
    sys.path.insert(0, str(ROOT / "src"))
    from relais.engine.answers.decision import FEATURES, SHIPPED_MODEL

    return Fitted(
        (SHIPPED_MODEL.faq_weight, SHIPPED_MODEL.coverage_weight),
        np.zeros(len(FEATURES)),
        np.ones(len(FEATURES)),
        np.array([*SHIPPED_MODEL.weights, SHIPPED_MODEL.intercept]),
    )


def cells(values: np.ndarray) -> str:
    return " | ".join(f"{v:.3f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    options = parser.parse_args()
    by_corpus: dict[str, list[Item]] = {}
    for corpus in corpora():
        data_dir = options.data_root / corpus.name
        by_corpus[corpus.name] = [item for path in corpus.question_sets for item in signals(path, data_dir)]
    baseline = shipped()
    print(
        "| corpus left out | questions | shipped model: source first / correct abst. / wrong abst. "
        "| fitted on the others: source first / correct abst. / wrong abst. | ranking (FAQ, coverage) |"
    )
    print("|---|---|---|---|---|")
    for name, items in by_corpus.items():
        others = [item for other, rest in by_corpus.items() if other != name for item in rest]
        model = fit(others)
        before = score([(i, decide(i, baseline)) for i in items])
        after = score([(i, decide(i, model)) for i in items])
        print(f"| {name} | {len(items)} | {cells(before)} | {cells(after)} | {model.ranking} |", flush=True)
    everything = [item for items in by_corpus.values() for item in items]
    model = fit(everything)
    weights, intercept = model.raw()
    print(
        f"\nfitted on all {len(everything)} questions: ranking {model.ranking}, "
        f"weights {np.round(weights, 4).tolist()}, intercept {intercept:.4g}"
    )


if __name__ == "__main__":
    main()
