"""`relais answers fit` judged on towns it never saw: does refitting on a town's own signals help on its next questions?

For each corpus of bench/corpora.py, playing the town: the shipped model is the one fitted on the *other* corpora
(leave one corpus out, as in answers_loco.py). The corpus's blind questions are split in two halves, many times:

- the first half is the town's history. Each question gives the signal an agent or a référent would have given
  (relais.assistant.answer_fit): an answer from the right page gets 👍 (label: that page); an answer from a wrong
  page, or to a question the documents do not answer, gets 👎 or a request (label: abstain); a wrong abstention
  is a knowledge gap, and the référent's FAQ entry labels it with its page. A correct abstention gives no signal,
  nor does a question a curated FAQ answer settles.
- the model is refitted on those signals as `relais answers fit` does (fitting.fit, the shipped model as prior,
  at each prior strength of --l2), or kept when the signals are too few (fitting.too_few);
- both are scored on the second half: the town's next questions.

It also prints what `relais answers fit` would have shown on the first half (cross-validated), to compare with what
the refit then does on the second half. Reads the signals answers_loco.py saved (run it once without --reuse).

    .venv/bin/python bench/town_fit.py [--data-root /tmp/relais-corpora] [--splits 20] [--l2 0.3 1 3 10]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from relais.engine.answers.decision import SHIPPED_MODEL, AnswerModel
from relais.engine.answers.fitting import (
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


def town_history(examples: list[Example], shipped: AnswerModel) -> list[Example]:
    """The labelled questions a town's agents and référents would have left, answered by ``shipped``."""
    model, history = from_model(shipped), []
    for example in examples:
        if example.gated:
            continue
        chosen = decide(example, model)
        if chosen is not None:
            label = example.expected if chosen == example.expected else None  # 👍, or 👎 / a request
        elif example.expected is not None:
            label = example.expected  # a gap, then the référent's FAQ entry
        else:
            label = None  # a right abstention: no request, no FAQ entry followed
        history.append(Example(**{**vars(example), "expected": label}))
    return history


def judge(by_corpus: dict[str, list[Example]], splits: int, strengths: list[float], guard: str) -> None:
    refits = " | ".join(f"refit λ={s:g}" for s in strengths)
    print(f"| corpus | refits saved | shipped on the next questions | {refits} |")
    print("|---|---|---|" + "---|" * len(strengths))
    totals = np.zeros((len(strengths) + 1, 4))
    for name, examples in by_corpus.items():
        others = [e for other, rest in by_corpus.items() if other != name for e in rest]
        shipped = to_model(fit(others), SHIPPED_MODEL, {})
        rng = np.random.default_rng(0)
        sums, refitted = np.zeros((len(strengths) + 1, 4)), 0
        for _ in range(splits):
            order = rng.permutation(len(examples))
            first = [examples[n] for n in order[: len(order) // 2]]
            second = [examples[n] for n in order[len(order) // 2 :]]
            history = town_history(first, shipped)
            models = [from_model(shipped)]
            reason = too_few(history)
            before = [(e, decide(e, from_model(shipped))) for e in history]
            for strength in strengths:
                refit = None if reason else fit(history, prior=shipped, l2=strength)
                if refit is not None:  # kept only when the cross-validated gain on the history passes the guard
                    after = cross_validated_decisions(history, 5, 0, prior=shipped, l2=strength)
                    kept = clearly_better(before, [after]) if guard == "sign" else settled(after) >= settled(before)
                    refit, refitted = (refit, refitted + 1) if kept else (None, refitted)
                models.append(refit or from_model(shipped))
            for row, model in enumerate(models):
                pairs = [(e, decide(e, model)) for e in second]
                sums[row] += [*score(pairs), settled(pairs)]
        means = sums / splits
        totals += means
        cells = " | ".join(_cell(m) for m in means)
        print(f"| {name} | {refitted}/{splits * len(strengths)} | {cells} |", flush=True)
    print(f"| mean | | {' | '.join(_cell(m) for m in totals / len(by_corpus))} |")
    print("\n(each cell: correct source first / correct abstention / wrong abstention / settled, mean of the splits)")


def _cell(values: np.ndarray) -> str:
    return " / ".join(f"{v:.3f}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    parser.add_argument("--splits", type=int, default=20)
    parser.add_argument("--l2", type=float, nargs="+", default=[1.0, 3.0, 10.0, 30.0, 100.0])
    parser.add_argument(
        "--guard",
        choices=["sign", "settled"],
        default="sign",
        help="keep a refit when its cross-validated gain passes a sign test (as `relais answers fit --save`), "
        "or whenever it settles at least as many questions",
    )
    options = parser.parse_args()
    saved = options.data_root / "signals.pickle"
    if not saved.exists():
        raise SystemExit(f"{saved}: run `bench/answers_loco.py --data-root {options.data_root}` once first")
    by_corpus = {name: [Example(**f) for f in items] for name, items in pickle.loads(saved.read_bytes()).items()}
    judge(by_corpus, options.splits, options.l2, options.guard)


if __name__ == "__main__":
    main()
