"""Fusion of lexical and dense rankings.

- ``rrf``: reciprocal rank fusion, Cormack, Clarke & Büttcher, « Reciprocal Rank
  Fusion outperforms Condorcet and individual Rank Learning Methods », SIGIR 2009.
  Rank-only, robust, needs no score calibration (k = 60 as in the paper).
- ``convex``: convex combination of normalised scores, Bruch, Gai & Ingber, « An
  Analysis of Fusion Functions for Hybrid Retrieval », ACM TOIS 2023, who show it
  beats RRF once its single weight is tuned, with theoretical min-max
  normalisation (TM2C2: the dense score's lower bound is fixed, not taken from
  the batch) being the most robust choice.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def ranks(scores: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """1-based rank of each candidate row by descending score; 0 for rows not ranked."""
    out = np.zeros(len(scores), dtype=np.int32)
    order = candidates[np.argsort(-scores[candidates], kind="stable")]
    out[order] = np.arange(1, len(order) + 1, dtype=np.int32)
    return out


def rrf(rank_lists: Sequence[np.ndarray], k: int = 60) -> np.ndarray:
    """Sum of 1 / (k + rank) over the rankings where a row appears (rank 0 = absent)."""
    fused = np.zeros(len(rank_lists[0]), dtype=np.float32)
    for rank in rank_lists:
        present = rank > 0
        fused[present] += 1.0 / (k + rank[present])
    return fused


def min_max(scores: np.ndarray, lower: float | None = None) -> np.ndarray:
    """Scale to [0, 1] by the maximum and a lower bound (the minimum unless given: TM2C2)."""
    if scores.size == 0:
        return scores.astype(np.float32)
    low = float(scores.min()) if lower is None else lower
    span = float(scores.max()) - low
    if span <= 0:
        return np.zeros_like(scores, dtype=np.float32)
    return np.clip((scores - low) / span, 0.0, 1.0).astype(np.float32)


def convex(lexical: np.ndarray, dense: np.ndarray, alpha: float, dense_lower: float = 0.75) -> np.ndarray:
    """alpha · dense + (1 − alpha) · lexical, each min-max normalised.

    Lexical scores are normalised by their batch minimum (BM25 is unbounded);
    dense cosines by a fixed lower bound: with e5 models unrelated French texts
    still score 0.7–0.75, so that is the theoretical « zero » (TM2C2).
    """
    return alpha * min_max(dense, lower=dense_lower) + (1.0 - alpha) * min_max(lexical)
