"""Training groups from questions written over a corpus Relais has ingested: the question, the passage that holds
the quoted answer, every other passage of the corpus as a negative — with the vectors the index itself stores.

Run with the project's environment, after `bench/corpora.py` has loaded the corpora:

    .venv/bin/python tools/reader/corpus_groups.py --questions /work/benchdata/train-questions \\
        --data-root /tmp/relais-corpora --out /work/benchdata/reader/corpus-groups

Each question file (`<corpus>.yaml`) lists `question`, `expected` (a file of the corpus) and `passage` (a verbatim
quote of the sentences that answer). These are *training* questions, written by people who read only the
documents, separately from the evaluation sets (questions*.yaml), which are never read here.

Writes `groups.jsonl` (one line per question: corpus, query, positive passage key, the corpus's other passage keys)
and `vectors.npz` (keys and their float32 vectors, as stored in each data folder's index).
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
from pathlib import Path

import numpy as np
import yaml

DIM = 384


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("’", "'")).strip().lower()


def corpus_passages(database: Path) -> list[tuple[str, str, np.ndarray]]:
    """(source file name without its extension, text, vector) of every indexed passage."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT d.source, p.text, p.embedding FROM knowledge_passage p "
            "JOIN knowledge_document d ON d.id = p.document_id ORDER BY p.id"
        ).fetchall()
    return [(Path(source).stem, text, np.frombuffer(blob, dtype=np.float32)) for source, text, blob in rows]


def best_passage(quote: str, candidates: list[int], passages: list[tuple[str, str, np.ndarray]]) -> int | None:
    """The passage holding the quote; when a chunk boundary cuts it, the one holding most of its words."""
    wanted = squeeze(quote)
    for row in candidates:
        if wanted in squeeze(passages[row][1]):
            return row
    words = set(re.findall(r"\w{3,}", wanted))
    scored = [(len(words & set(re.findall(r"\w{3,}", squeeze(passages[row][1])))), row) for row in candidates]
    best = max(scored, default=(0, None))
    return best[1] if words and best[0] >= 0.6 * len(words) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--data-root", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    keys, vectors, groups = [], [], []
    for question_file in sorted(args.questions.glob("*.yaml")):
        corpus = question_file.stem
        passages = corpus_passages(args.data_root / corpus / "relais.sqlite3")
        offset = len(keys)
        keys += [f"{corpus}#{row}" for row in range(len(passages))]
        vectors += [vector for _, _, vector in passages]
        found = missed = 0
        for item in yaml.safe_load(question_file.read_text(encoding="utf-8")):
            if str(item["expected"]) == "none":  # a question no document answers has no passage to train on
                continue
            stem = Path(item["expected"]).stem  # the demo ships its documents as .docx, .odt, .pdf, .html too
            in_document = [row for row, (source, _, _) in enumerate(passages) if source == stem]
            row = best_passage(str(item["passage"]), in_document, passages)
            if row is None:
                missed += 1
                continue
            found += 1
            others = [keys[offset + r] for r in range(len(passages)) if r != row]
            groups.append({"fiche": corpus, "kind": "corpus", "query": str(item["question"]),
                           "positive": keys[offset + row], "negatives": others})  # fmt: skip
        print(f"{corpus}: {found} questions placed on their passage, {missed} not found, {len(passages)} passages")
    with (args.out / "groups.jsonl").open("w", encoding="utf-8") as out:
        for group in groups:
            out.write(json.dumps(group, ensure_ascii=False) + "\n")
    np.savez(args.out / "vectors.npz", keys=np.array(keys), vectors=np.stack(vectors).astype(np.float32))


if __name__ == "__main__":
    main()
