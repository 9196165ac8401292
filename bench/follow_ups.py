"""Which second question of a conversation is a follow-up: the rule judged on a blind set, per corpus.

`eval/followups/conversations.yaml` holds two-question conversations written blind over five corpora (the demo's
internal pages, the town's website, fonction-publique, faq-cnil, demarches-citoyens), each second question
labelled follow-up or new. A follow-up is searched together with the previous question; a new question alone
(assistant/pipeline.py: followed_query). Both errors cost: a new question read as a follow-up is answered
about the previous subject; a follow-up read alone is answered about nothing.

    .venv/bin/python bench/follow_ups.py [--show-errors]

Prints, per corpus and in all, the accuracy, precision and recall (follow-up as the positive class) of the rule
(`relais.engine.french.questions.is_follow_up`) and of the one it replaced (any question of 6 words or less, or
one opening on « et », « mais », « pour »…), as the baseline.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from relais.engine.french.questions import is_follow_up  # noqa: E402

SET = ROOT / "eval" / "followups" / "conversations.yaml"
_OLD_OPENERS = ("et ", "mais ", "pour ", "dans ce cas", "même ", "aussi ", "sinon")


def previous_rule(question: str) -> bool:
    """The rule until 2026-12-06: six words or less, or a connective first."""
    lowered = question.lower().strip()
    return len(lowered.split()) <= 6 or lowered.startswith(_OLD_OPENERS)


def scores(items: list[dict], rule: Callable[[str], bool]) -> dict[str, float]:
    said = [(rule(item["second"]), bool(item["follow_up"])) for item in items]
    tp = sum(s and t for s, t in said)
    fp = sum(s and not t for s, t in said)
    fn = sum(t and not s for s, t in said)
    return {
        "n": len(said),
        "accuracy": sum(s == t for s, t in said) / len(said),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "new read as follow-up": fp,
        "follow-up read alone": fn,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=SET)
    parser.add_argument("--show-errors", action="store_true", help="list the rule's errors")
    args = parser.parse_args()
    items = yaml.safe_load(args.set.read_text(encoding="utf-8"))
    by_corpus: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_corpus[item["corpus"]].append(item)
    rules = {"is_follow_up": is_follow_up, "previous (≤ 6 words)": previous_rule}
    header = f"{'corpus':<20} {'rule':<22} {'n':>4} {'acc':>6} {'prec':>6} {'rec':>6} {'new→fu':>7} {'fu→new':>7}"
    print(header)
    for corpus, group in [*sorted(by_corpus.items()), ("all", items)]:
        for name, rule in rules.items():
            s = scores(group, rule)
            print(
                f"{corpus:<20} {name:<22} {s['n']:>4} {s['accuracy']:>6.3f} {s['precision']:>6.3f} "
                f"{s['recall']:>6.3f} {s['new read as follow-up']:>7} {s['follow-up read alone']:>7}"
            )
    if args.show_errors:
        for item in items:
            if is_follow_up(item["second"]) != bool(item["follow_up"]):
                label = "follow-up" if item["follow_up"] else "new"
                print(f"[{item['corpus']}] labelled {label}: « {item['second']} » (after « {item['first']} »)")


if __name__ == "__main__":
    main()
