"""Retrieval evaluation on BEIR-format folders.

Layout: ``corpus.jsonl`` ({"_id", "title", "text"}), ``queries.jsonl`` ({"_id",
"text"}), ``qrels/<split>.tsv`` (header ``query-id corpus-id score``). Metrics
follow BEIR/pytrec_eval: nDCG with linear gains (score 2 counts twice score 1)
and a log2 discount, recall over the judged-relevant documents, MRR@10.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from relais.engine.search.chunking import chunk_sections, embedding_text
from relais.engine.search.embeddings import Embedder, EmbeddingCache
from relais.engine.search.hybrid_index import HybridIndex, IndexEntry, SearchFilters


@dataclass(frozen=True)
class BeirDocument:
    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class BeirSet:
    corpus: list[BeirDocument]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def read_jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{line_number}: invalid JSON ({exc.msg})") from exc


def load_beir(folder: Path, split: str) -> BeirSet:
    """Read a BEIR folder; only the queries the split judges are kept."""
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for required in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not required.is_file():
            raise FileNotFoundError(f"{required} not found: expected a BEIR folder with split {split!r}")
    qrels: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            qrels.setdefault(row["query-id"], {})[row["corpus-id"]] = int(row["score"])
    queries = {q["_id"]: q["text"] for q in read_jsonl(folder / "queries.jsonl") if q["_id"] in qrels}
    corpus = [
        BeirDocument(str(d["_id"]), d.get("title") or "", d.get("text") or "")
        for d in read_jsonl(folder / "corpus.jsonl")
    ]
    return BeirSet(corpus=corpus, queries=queries, qrels={q: r for q, r in qrels.items() if q in queries})


def corpus_hash(corpus: Sequence[BeirDocument]) -> str:
    digest = hashlib.sha256()
    for doc in corpus:
        digest.update(f"{doc.doc_id}\0{doc.title}\0{doc.text}\0".encode())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _PlainSection:
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class CorpusPassage:
    document_row: int
    heading_path: tuple[str, ...]
    text: str
    title: str

    @property
    def lexical_text(self) -> str:
        return "\n".join([self.title, *self.heading_path, self.text])

    @property
    def embedding_text(self) -> str:
        return embedding_text(self.title, self.heading_path, self.text)


def beir_passages(corpus: Sequence[BeirDocument]) -> list[CorpusPassage]:
    """Chunk each corpus document; BEIR texts mark paragraphs with single newlines."""
    passages: list[CorpusPassage] = []
    for row, doc in enumerate(corpus):
        section = _PlainSection(heading_path=(), text=doc.text.replace("\n", "\n\n"))
        chunks = chunk_sections([section]) or [None]
        for chunk in chunks:
            text = chunk.text if chunk else ""
            passages.append(CorpusPassage(row, chunk.heading_path if chunk else (), text, doc.title.strip()))
    return passages


def build_index(
    corpus: Sequence[BeirDocument],
    embedder: Embedder,
    cache: EmbeddingCache,
    index: HybridIndex | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[HybridIndex, int]:
    """Index a BEIR corpus (document id = row number); returns the index and the passage count."""
    passages = beir_passages(corpus)
    vectors = cache.embed_passages(embedder, [p.embedding_text for p in passages], progress=progress)
    titled = [row for row, doc in enumerate(corpus) if doc.title.strip()]
    title_vectors = cache.embed_passages(embedder, [corpus[row].title.strip() for row in titled])
    title_of = dict(zip(titled, title_vectors, strict=True))
    index = index or HybridIndex(embedder)
    index.replace_all(
        [
            IndexEntry(
                passage_id=i,
                document_id=p.document_row,
                lexical_text=p.lexical_text,
                embedding=vectors[i],
                title_embedding=title_of.get(p.document_row),
            )
            for i, p in enumerate(passages)
        ]
    )
    return index, len(passages)


# ---- metrics -----------------------------------------------------------------


def ndcg_at(ranked: Sequence[str], judged: dict[str, int], k: int = 10) -> float:
    dcg = sum(judged.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], judged: dict[str, int], k: int) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    return len(relevant.intersection(ranked[:k])) / len(relevant) if relevant else 0.0


def mrr_at(ranked: Sequence[str], judged: dict[str, int], k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if judged.get(doc, 0) > 0:
            return 1.0 / (i + 1)
    return 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean metrics over the queries of ``runs`` (ranked document ids per query)."""
    n = len(runs) or 1
    totals = {"ndcg@10": 0.0, "recall@1": 0.0, "recall@10": 0.0, "recall@100": 0.0, "mrr@10": 0.0}
    for query_id, ranked in runs.items():
        judged = qrels[query_id]
        totals["ndcg@10"] += ndcg_at(ranked, judged)
        totals["recall@1"] += recall_at(ranked, judged, 1)
        totals["recall@10"] += recall_at(ranked, judged, 10)
        totals["recall@100"] += recall_at(ranked, judged, 100)
        totals["mrr@10"] += mrr_at(ranked, judged)
    return {name: round(value / n, 4) for name, value in totals.items()}


NO_FILTERS = SearchFilters(on_date=None)


@dataclass(frozen=True)
class RetrievalReport:
    metrics: dict[str, float]
    latencies_ms: list[float]

    def as_dict(self) -> dict[str, float | int]:
        return {
            **self.metrics,
            "p50_ms": round(percentile(self.latencies_ms, 50), 2),
            "p95_ms": round(percentile(self.latencies_ms, 95), 2),
            "queries": len(self.latencies_ms),
        }


def evaluate(beir: BeirSet, index: HybridIndex, mode: str = "hybrid", depth: int = 100) -> RetrievalReport:
    """Run every judged query through ``index`` and score the document rankings."""
    import time

    runs: dict[str, list[str]] = {}
    latencies: list[float] = []
    for query_id, text in beir.queries.items():
        started = time.perf_counter()
        ranked = index.search_documents(text, k=depth, filters=NO_FILTERS, mode=mode)  # type: ignore[arg-type]
        latencies.append((time.perf_counter() - started) * 1000)
        runs[query_id] = [beir.corpus[doc_row].doc_id for doc_row, _ in ranked]
    return RetrievalReport(metrics=summarize(runs, beir.qrels), latencies_ms=latencies)
