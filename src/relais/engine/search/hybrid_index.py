"""In-memory hybrid passage index: BM25 + a float32 embedding matrix.

Both the ``sqlite`` store of the knowledge app and ``relais eval retrieval``
search through this class, so what the benchmark measures is what agents get.

Filtering (collection, audience, validity window) happens here, in the query
layer, as a boolean mask applied *before* ranking: a passage outside the
filters can never reach a result, whatever view calls the index.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

from relais.engine.french.analysis import QueryRewriter, RewrittenQuery, analyze
from relais.engine.french.lexicon import french_lexicon
from relais.engine.search.embeddings import Embedder
from relais.engine.search.fusion import convex, ranks, rrf
from relais.engine.search.lexical import LexicalIndex

Mode = Literal["lexical", "dense", "hybrid"]
Fusion = Literal["convex", "rrf"]
MODES: tuple[Mode, ...] = ("lexical", "dense", "hybrid")

_NO_START = date.min.toordinal()
_NO_END = date.max.toordinal()


@dataclass(frozen=True)
class IndexEntry:
    passage_id: int
    document_id: int
    lexical_text: str
    embedding: np.ndarray
    collection: str = ""
    audience: str = "agents"
    valid_from: date | None = None
    valid_until: date | None = None
    # The embedding of the document's title alone, shared by its passages (None: no title).
    title_embedding: np.ndarray | None = None


@dataclass(frozen=True)
class SearchFilters:
    collections: frozenset[str] | None = None
    audiences: frozenset[str] | None = None
    # Documents must be in force on this day; None disables the validity check.
    on_date: date | None = field(default_factory=date.today)


@dataclass(frozen=True)
class Hit:
    passage_id: int
    document_id: int
    score: float
    lexical_rank: int | None
    dense_rank: int | None
    # Raw cosine of the query with the passage (title-mixed): unlike the fused
    # score it is comparable across questions, so answer confidence uses it.
    dense_score: float | None = None


@dataclass(frozen=True)
class ScoredRows:
    """Scores of every row for one query; rows outside the filters have mask False."""

    fused: np.ndarray
    lexical_rank: np.ndarray
    dense_rank: np.ndarray
    mask: np.ndarray
    dense: np.ndarray | None = None


@dataclass
class _State:
    """Immutable snapshot swapped in whole, so searches never see a half-applied change."""

    passage_ids: np.ndarray
    document_ids: np.ndarray
    matrix: np.ndarray
    collections: np.ndarray
    audiences: np.ndarray
    valid_from: np.ndarray
    valid_until: np.ndarray
    lexical: LexicalIndex
    titles: np.ndarray  # one row per distinct document title embedding
    title_rows: np.ndarray  # per passage: its row in ``titles``, or -1
    centroids: np.ndarray  # one row per document: the normalised mean of its passages' embeddings
    document_rows: np.ndarray  # per passage: its document's row in ``centroids``
    lead_rows: np.ndarray  # per passage: the row of its document's first passage (lowest passage id)
    rewriter: QueryRewriter


@dataclass(frozen=True)
class _Row:
    entry: IndexEntry
    terms: list[str]


class HybridIndex:
    """Changes are cheap (dictionary updates); the arrays and BM25 are rebuilt
    once, at the next search. An ingestion of thousands of documents therefore
    pays for one rebuild, not one per document.

    Dense score of a passage, for ranking = (1 − centroid_weight − lead_weight) ·
    [(1 − title_weight) · cos(query, passage) + title_weight · cos(query, title)]
    + centroid_weight · cos(query, document centroid) + lead_weight ·
    cos(query, the document's first passage). Agents' questions are often
    paraphrases of a title (« comment poser un RTT » ↔ « Cycles de travail et
    RTT »), and a title vector carries that match undiluted by the body text; a
    document without a title uses its first passage in the title's place, so it
    is scored on the same scale. The centroid (mean of the passages) and the
    first passage say what the whole document is about, which short topical
    queries (« conge maternite », « CPF ») match better than any one passage.
    ``Hit.dense_score`` stays the plain passage/title mix: answer confidence was
    calibrated on it.

    Queries go through a ``QueryRewriter`` built from the indexed texts (accents
    restored, typos fixed, acronyms the corpus defines expanded) before BM25,
    and before the embedder when the index embeds the query itself (callers that
    pass ``query_vector`` may embed ``rewrite(query).dense`` to get the same; the
    answer pipeline embeds the question as typed, see ``assistant.pipeline.gather``).

    The defaults (alpha 0.7, title weight 0.5, dense floor 0.75, centroid 0.3,
    first passage 0.2, BM25 b 0.5) were chosen on the shared dev sets;
    docs/benchmarks.md shows the sweep.
    """

    def __init__(
        self,
        embedder: Embedder,
        fusion: Fusion = "convex",
        alpha: float = 0.7,
        title_weight: float = 0.5,
        dense_floor: float = 0.75,
        rrf_k: int = 60,
        rank_depth: int = 1000,
        centroid_weight: float = 0.3,
        lead_weight: float = 0.2,
        bm25_b: float = 0.5,
        rewrite_queries: bool = True,
    ) -> None:
        self.embedder = embedder
        self.fusion = fusion
        self.alpha = alpha
        self.title_weight = title_weight
        self.dense_floor = dense_floor
        self.rrf_k = rrf_k
        self.centroid_weight = centroid_weight
        self.lead_weight = lead_weight
        self.bm25_b = bm25_b
        self.rewrite_queries = rewrite_queries
        # How deep each ranking goes before fusion (RRF) and for reported ranks.
        self.rank_depth = rank_depth
        self._rows: dict[int, _Row] = {}
        self._by_document: dict[int, set[int]] = {}
        self._state = self._build([])
        self._dirty = False
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._rows)

    # ---- changes -------------------------------------------------------------

    def add(self, entries: Sequence[IndexEntry]) -> None:
        """Add passages (replacing any with the same passage id)."""
        rows = [_Row(e, analyze(e.lexical_text)) for e in entries]  # analysed outside the lock
        with self._lock:
            for row in rows:
                self._drop_passage(row.entry.passage_id)
                self._rows[row.entry.passage_id] = row
                self._by_document.setdefault(row.entry.document_id, set()).add(row.entry.passage_id)
            self._dirty = self._dirty or bool(rows)

    def remove(self, document_ids: Iterable[int]) -> None:
        """Drop every passage of these documents."""
        with self._lock:
            for document_id in document_ids:
                for passage_id in self._by_document.pop(document_id, set()):
                    self._rows.pop(passage_id, None)
                    self._dirty = True

    def replace_all(self, entries: Sequence[IndexEntry]) -> None:
        with self._lock:
            self._rows.clear()
            self._by_document.clear()
            self._dirty = True
        self.add(entries)

    def _drop_passage(self, passage_id: int) -> None:
        old = self._rows.pop(passage_id, None)
        if old is not None:
            self._by_document.get(old.entry.document_id, set()).discard(passage_id)

    def _current(self) -> _State:
        """The snapshot to search, rebuilt first if anything changed since the last one."""
        if self._dirty:
            with self._lock:
                if self._dirty:
                    self._state = self._build(list(self._rows.values()))
                    self._dirty = False
        return self._state

    def _build(self, rows: Sequence[_Row]) -> _State:
        # Passages in id order: a document's first passage is then its first row.
        rows = sorted(rows, key=lambda r: r.entry.passage_id)
        entries = [r.entry for r in rows]
        lexical = LexicalIndex(b=self.bm25_b)
        lexical.rebuild([r.terms for r in rows])
        matrix = (
            np.vstack([e.embedding for e in entries]).astype(np.float32)
            if entries
            else np.zeros((0, self.embedder.dim), dtype=np.float32)
        )
        return _State(
            passage_ids=np.array([e.passage_id for e in entries], dtype=np.int64),
            document_ids=np.array([e.document_id for e in entries], dtype=np.int64),
            matrix=matrix,
            collections=np.array([e.collection for e in entries], dtype=object),
            audiences=np.array([e.audience for e in entries], dtype=object),
            valid_from=np.array([e.valid_from.toordinal() if e.valid_from else _NO_START for e in entries], np.int64),
            valid_until=np.array([e.valid_until.toordinal() if e.valid_until else _NO_END for e in entries], np.int64),
            lexical=lexical,
            **self._title_arrays(entries),
            **self._document_arrays(entries, matrix),
            rewriter=QueryRewriter(
                [e.lexical_text for e in entries] if self.rewrite_queries else [],
                known_term=lexical.knows,
                is_word=french_lexicon().is_word,
            ),
        )

    def _title_arrays(self, entries: Sequence[IndexEntry]) -> dict[str, np.ndarray]:
        row_of_document: dict[int, int] = {}
        vectors: list[np.ndarray] = []
        title_rows = np.full(len(entries), -1, dtype=np.int64)
        for i, entry in enumerate(entries):
            if entry.title_embedding is None:
                continue
            if entry.document_id not in row_of_document:
                row_of_document[entry.document_id] = len(vectors)
                vectors.append(entry.title_embedding)
            title_rows[i] = row_of_document[entry.document_id]
        titles = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, self.embedder.dim), np.float32)
        return {"titles": titles, "title_rows": title_rows}

    def _document_arrays(self, entries: Sequence[IndexEntry], matrix: np.ndarray) -> dict[str, np.ndarray]:
        """Per passage, its document's centroid row and first passage row (entries in passage id order)."""
        document_ids = np.array([e.document_id for e in entries], dtype=np.int64)
        _, first, document_rows = np.unique(document_ids, return_index=True, return_inverse=True)
        centroids = np.zeros((len(first), matrix.shape[1]), dtype=np.float32)
        np.add.at(centroids, document_rows, matrix)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        centroids /= np.where(norms > 0, norms, 1)
        return {"centroids": centroids, "document_rows": document_rows.reshape(-1), "lead_rows": first[document_rows]}

    # ---- queries -------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """``query_vector``: the query's embedding when the caller already has it (saves one embedding)."""
        state = self._current()
        scored = self._score(state, query, filters or SearchFilters(), mode, query_vector)
        rows = np.flatnonzero(scored.mask)
        if rows.size == 0:
            return []
        top = rows[np.argsort(-scored.fused[rows], kind="stable")[:k]]
        return [
            Hit(
                passage_id=int(state.passage_ids[row]),
                document_id=int(state.document_ids[row]),
                score=float(scored.fused[row]),
                lexical_rank=int(scored.lexical_rank[row]) or None,
                dense_rank=int(scored.dense_rank[row]) or None,
                dense_score=None if scored.dense is None else float(scored.dense[row]),
            )
            for row in top
        ]

    def search_documents(
        self,
        query: str,
        k: int = 100,
        filters: SearchFilters | None = None,
        mode: Mode = "hybrid",
    ) -> list[tuple[int, float]]:
        """Documents ranked by their best passage's score: [(document_id, score)]."""
        state = self._current()
        scored = self._score(state, query, filters or SearchFilters(), mode)
        rows = np.flatnonzero(scored.mask)
        if rows.size == 0:
            return []
        order = rows[np.argsort(-scored.fused[rows], kind="stable")]
        # First occurrence of each document in score order is its best passage.
        doc_ids = state.document_ids[order]
        _, first = np.unique(doc_ids, return_index=True)
        best = order[np.sort(first)][:k]
        return [(int(state.document_ids[r]), float(scored.fused[r])) for r in best]

    def _mask(self, state: _State, filters: SearchFilters) -> np.ndarray:
        mask = np.ones(len(state.passage_ids), dtype=bool)
        if filters.collections is not None:
            mask &= np.isin(state.collections, list(filters.collections))
        if filters.audiences is not None:
            mask &= np.isin(state.audiences, list(filters.audiences))
        if filters.on_date is not None:
            day = filters.on_date.toordinal()
            mask &= (state.valid_from <= day) & (day <= state.valid_until)
        return mask

    def rewrite(self, query: str) -> RewrittenQuery:
        """The query as BM25 and the embedder see it (corrected, acronyms expanded)."""
        return self._current().rewriter.rewrite(query)

    def idf(self, term: str) -> float:
        """Inverse passage frequency of an analysed term (``LexicalIndex.idf``)."""
        return self._current().lexical.idf(term)

    def _score(
        self, state: _State, query: str, filters: SearchFilters, mode: Mode, query_vector: np.ndarray | None = None
    ) -> ScoredRows:
        mask = self._mask(state, filters)
        candidates = np.flatnonzero(mask)
        n = len(mask)
        lexical = dense = raw_dense = None
        lexical_rank = dense_rank = np.zeros(n, dtype=np.int32)
        rewritten = state.rewriter.rewrite(query)
        if mode in ("lexical", "hybrid"):
            lexical = state.lexical.scores(rewritten.lexical) if n else np.zeros(0, dtype=np.float32)
            matched = candidates[lexical[candidates] > 0]
            lexical_rank = ranks(lexical, self._top(lexical, matched))
        if mode in ("dense", "hybrid"):
            if query_vector is None:
                query_vector = self.embedder.embed_queries([rewritten.dense])[0]
            if n:
                dense, raw_dense = self._dense(state, query_vector)
            else:
                dense = raw_dense = np.zeros(0, dtype=np.float32)
            dense_rank = ranks(dense, self._top(dense, candidates))
        if mode == "lexical":
            assert lexical is not None
            fused = lexical
            mask = mask & (lexical > 0)
        elif mode == "dense":
            assert dense is not None
            fused = dense
        else:
            assert lexical is not None and dense is not None
            fused = self._fuse(lexical, dense, lexical_rank, dense_rank, candidates)
        return ScoredRows(fused=fused, lexical_rank=lexical_rank, dense_rank=dense_rank, mask=mask, dense=raw_dense)

    def _dense(self, state: _State, query_vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score to rank by, raw passage/title cosine mix reported in ``Hit.dense_score``)."""
        passage = state.matrix @ query_vector
        lead = passage[state.lead_rows]
        titled = state.title_rows >= 0
        raw = passage.copy()
        title = lead.copy()  # an untitled document's first passage stands in for its title
        if titled.any():
            title[titled] = (state.titles @ query_vector)[state.title_rows[titled]]
            raw[titled] = (1 - self.title_weight) * passage[titled] + self.title_weight * title[titled]
        mixed = (1 - self.title_weight) * passage + self.title_weight * title
        own = 1 - self.centroid_weight - self.lead_weight
        centroid = (state.centroids @ query_vector)[state.document_rows]
        return own * mixed + self.centroid_weight * centroid + self.lead_weight * lead, raw

    def _top(self, scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The rank_depth best rows among ``rows``."""
        if rows.size <= self.rank_depth:
            return rows
        part = np.argpartition(-scores[rows], self.rank_depth - 1)[: self.rank_depth]
        return rows[part]

    def _fuse(
        self,
        lexical: np.ndarray,
        dense: np.ndarray,
        lexical_rank: np.ndarray,
        dense_rank: np.ndarray,
        candidates: np.ndarray,
    ) -> np.ndarray:
        if self.fusion == "rrf":
            return rrf([lexical_rank, dense_rank], k=self.rrf_k)
        fused = np.zeros(len(lexical), dtype=np.float32)
        if candidates.size:
            fused[candidates] = convex(lexical[candidates], dense[candidates], self.alpha, self.dense_floor)
        return fused
