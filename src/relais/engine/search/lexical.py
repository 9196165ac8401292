"""BM25 over French analysed terms, with bm25s.

bm25s stores the index as a sparse matrix and scores a query against every
passage in one vectorised pass; we ask it for the whole score vector so the
caller can apply filters and fuse with dense scores before ranking.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import bm25s
import numpy as np

from relais.engine.french.analysis import analyze


class LexicalIndex:
    """BM25 (Lucene variant, k1 = 1.5, b = 0.75 unless given) over pre-analysed passages.

    bm25s cannot add documents to a built index, so every change rebuilds it
    from the cached term lists: about a second for 20,000 passages, and the
    term lists are kept so no text is analysed twice.
    """

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self._terms: list[list[str]] = []
        self._bm25: bm25s.BM25 | None = None
        self._passage_frequency: Counter[str] | None = None  # counted at the first idf(): searches never need it

    def __len__(self) -> int:
        return len(self._terms)

    def rebuild(self, terms: Sequence[list[str]]) -> None:
        self._terms = list(terms)
        self._bm25 = None
        self._passage_frequency = None
        if self._terms:
            self._bm25 = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
            # An empty passage still needs a row so row numbers stay aligned.
            self._bm25.index([t or [""] for t in self._terms], show_progress=False)

    def knows(self, term: str) -> bool:
        """Whether an analysed term occurs in the index."""
        return self._bm25 is not None and term in self._bm25.vocab_dict

    def idf(self, term: str) -> float:
        """How rare an analysed term is among the passages: log((N + 1) / (n + 0.5)) for a term in n
        of N passages; a term no passage contains gets the highest value."""
        if self._passage_frequency is None:
            # Idempotent: two threads counting at once store the same table.
            self._passage_frequency = Counter(term for passage in self._terms for term in set(passage))
        return math.log((len(self._terms) + 1) / (self._passage_frequency.get(term, 0) + 0.5))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage (row order), zeros when nothing matches."""
        return self.scores_for_terms(analyze(query))

    def scores_for_terms(self, terms: list[str]) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(0, dtype=np.float32)
        known = [t for t in terms if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(len(self._terms), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
