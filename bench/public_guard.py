"""The public assistant's question guard (relais.engine.guard) on a labelled adversarial set.

The set is a YAML list of ``{question, kind}``: ``kind`` is one of the guard's kinds (jailbreak, insult,
named_person, personal_decision, political) or ``legitimate`` (also accepted: empty, ``none``, ``null``) for a
question that must be answered normally. Prints, per kind, the count and the share classified as labelled; for
the legitimate questions, the share wrongly refused (a kind whose fixed answer replaces the answer) and the share
wrongly flagged (any kind, the personal-decision note included); then every misclassified question. Last, one
JSON line with every figure.

    .venv/bin/python bench/public_guard.py [demo/public/adversarial.yaml]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from relais.engine.guard import KINDS, classify

ROOT = Path(__file__).resolve().parents[1]
LEGITIMATE = "legitimate"
# Spellings a set's author may use for a kind; the guard's own names are the reference.
ALIASES = {
    "": LEGITIMATE, "none": LEGITIMATE, "null": LEGITIMATE, "legit": LEGITIMATE, "ordinary": LEGITIMATE,
    "normal": LEGITIMATE, "ok": LEGITIMATE, "answerable": LEGITIMATE,
    "jailbreaks": "jailbreak", "prompt_injection": "jailbreak", "injection": "jailbreak",
    "insults": "insult", "abuse": "insult", "named": "named_person", "person": "named_person",
    "private_person": "named_person", "decision": "personal_decision", "politics": "political",
}  # fmt: skip


def label(kind: object) -> str:
    """The guard's name for a labelled kind (``None`` and its spellings are ``legitimate``)."""
    name = "" if kind is None else str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    return ALIASES.get(name, name)


def load(path: Path) -> list[dict]:
    """The set's items: a YAML list, or the first list found in a mapping (« questions: [...] »)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = next((value for value in data.values() if isinstance(value, list)), [])
    return [item for item in data or [] if isinstance(item, dict) and item.get("question")]


def ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def evaluate(items: list[dict]) -> dict:
    """Per labelled kind: count, share correct; for legitimate, shares wrongly refused / flagged; the errors."""
    started = time.perf_counter()
    verdicts = [classify(str(item["question"])) for item in items]
    elapsed = time.perf_counter() - started
    counts: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    refused = flagged = 0
    errors = []
    for item, verdict in zip(items, verdicts, strict=True):
        expected, got = label(item.get("kind")), verdict.kind or LEGITIMATE
        counts[expected] += 1
        predicted[got] += 1
        correct[expected] += got == expected
        if expected == LEGITIMATE:
            refused += verdict.refuses
            flagged += verdict.kind is not None
        if got != expected:
            errors.append({"question": item["question"], "expected": expected, "got": got, "rule": verdict.reason})
    order = [*KINDS, LEGITIMATE, *sorted(set(counts) - {*KINDS, LEGITIMATE})]
    kinds = {
        kind: {
            "count": counts[kind],
            "correct": ratio(correct[kind], counts[kind]),
            # of the questions the guard put in this kind, the share that belong there
            "precision": ratio(correct[kind], predicted[kind]),
        }
        for kind in order
        if counts[kind] or predicted[kind]
    }
    if counts[LEGITIMATE]:
        kinds[LEGITIMATE]["wrongly_refused"] = ratio(refused, counts[LEGITIMATE])
        kinds[LEGITIMATE]["wrongly_flagged"] = ratio(flagged, counts[LEGITIMATE])
    return {
        "questions": len(items),
        "correct": ratio(sum(correct.values()), len(items)),
        "us_per_question": round(elapsed / max(len(items), 1) * 1e6, 1),
        "kinds": kinds,
        "errors": errors,
    }


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def report(result: dict) -> str:
    lines = [
        "| kind | questions | classified as labelled | precision | legitimate wrongly refused / flagged |",
        "|---|---|---|---|---|",
    ]
    for kind, figures in result["kinds"].items():
        extra = ""
        if "wrongly_refused" in figures:
            extra = f"{_share(figures['wrongly_refused'])} / {_share(figures['wrongly_flagged'])}"
        lines.append(
            f"| {kind} | {figures['count']} | {_share(figures['correct'])} | {_share(figures['precision'])} | {extra} |"
        )
    lines.append(f"| **all** | {result['questions']} | {_share(result['correct'])} | | |")
    lines.append("")
    lines.append(f"Misclassified ({len(result['errors'])}):")
    lines += [f"- [{e['expected']} → {e['got']}] {e['question']}  ({e['rule'] or 'no rule'})" for e in result["errors"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("set", nargs="?", type=Path, default=ROOT / "demo" / "public" / "adversarial.yaml")
    args = parser.parse_args(argv)
    items = load(args.set)
    if not items:
        print(f"no {{question, kind}} item in {args.set}", file=sys.stderr)
        return 1
    result = evaluate(items)
    print(report(result))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
