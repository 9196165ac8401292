"""Precision and recall of the personal-data guard (relais.engine.privacy.pii) on the labelled French set.

Exact match: a found span counts only when its type, start and end are those of a labelled span.
Overlap match: a found span counts when it overlaps a labelled span of the same type (each
labelled span matched at most once). Prints a Markdown table (ready for docs/benchmarks.md) and,
last, one JSON line with every figure.

    .venv/bin/python bench/pii.py [--data tests/data/pii/labelled.jsonl] [--batch all|dev|held-out] [--errors]

« dev » snippets were written while the rules were built (and the rules fixed on them); « held-out »
snippets were written after the detector was frozen.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from relais.engine.privacy.pii import TYPES, find_pii

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ratio(numerator: int, denominator: int) -> float:
    return round(numerator / denominator, 4) if denominator else 1.0


def evaluate(records: list[dict]) -> dict:
    """Per type: support, found, and exact / overlap precision, recall, F1; plus the misses."""
    counts = {kind: {"support": 0, "found": 0, "exact": 0, "overlap_found": 0, "overlap_gold": 0} for kind in TYPES}
    errors = []
    started = time.perf_counter()
    predictions = [find_pii(record["text"]) for record in records]
    elapsed = time.perf_counter() - started
    for record, found in zip(records, predictions, strict=True):
        gold = {(s["type"], s["start"], s["end"]) for s in record["spans"]}
        predicted = {(s.type, s.start, s.end) for s in found}
        for kind, start, end in gold:
            counts[kind]["support"] += 1
            if any(k == kind and s < end and start < e for k, s, e in predicted):
                counts[kind]["overlap_gold"] += 1
        for kind, start, end in predicted:
            counts[kind]["found"] += 1
            counts[kind]["exact"] += (kind, start, end) in gold
            if any(k == kind and s < end and start < e for k, s, e in gold):
                counts[kind]["overlap_found"] += 1
        if gold != predicted:
            errors.append(
                {
                    "text": record["text"],
                    "missed": [f"{k}:{record['text'][s:e]}" for k, s, e in sorted(gold - predicted)],
                    "extra": [f"{k}:{record['text'][s:e]}" for k, s, e in sorted(predicted - gold)],
                }
            )
    result = {}
    for kind, c in counts.items():
        precision, recall = ratio(c["exact"], c["found"]), ratio(c["exact"], c["support"])
        overlap_precision = ratio(c["overlap_found"], c["found"])
        overlap_recall = ratio(c["overlap_gold"], c["support"])
        result[kind] = {
            "support": c["support"],
            "found": c["found"],
            "precision": precision,
            "recall": recall,
            "f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
            "overlap_precision": overlap_precision,
            "overlap_recall": overlap_recall,
        }
    return {
        "snippets": len(records),
        "snippets_without_pii": sum(1 for record in records if not record["spans"]),
        "us_per_snippet": round(elapsed / max(len(records), 1) * 1e6, 1),
        "types": result,
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "pii" / "labelled.jsonl")
    parser.add_argument("--batch", choices=["all", "dev", "held-out"], default="all", help="which snippets")
    parser.add_argument("--errors", action="store_true", help="list the snippets where spans differ")
    args = parser.parse_args()
    records = [r for r in load(args.data) if args.batch == "all" or r.get("batch") == args.batch]
    report = evaluate(records)
    report["batch"] = args.batch
    if args.errors:
        for error in report["errors"]:
            print(f"- {error['text']}\n  missed {error['missed']} extra {error['extra']}")
    print(f"{report['snippets']} snippets ({report['snippets_without_pii']} without personal data), "
          f"{report['us_per_snippet']} µs per snippet")  # fmt: skip
    print("| type | support | found | precision | recall | F1 | overlap precision | overlap recall |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in report["types"].items():
        cells = [kind, r["support"], r["found"], *(f"{r[key]:.3f}" for key in list(r)[2:])]
        print("| " + " | ".join(str(cell) for cell in cells) + " |")
    print(json.dumps({key: value for key, value in report.items() if key != "errors"}))


if __name__ == "__main__":
    main()
