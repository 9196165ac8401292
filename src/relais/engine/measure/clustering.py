"""Grouping paraphrased questions (agglomerative clustering of e5 vectors) and scoring a grouping."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def center(vectors: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """Subtract the mean direction and re-normalise.

    e5 embeddings of questions all sit in a narrow cone (two unrelated questions still score ~0.8), so
    raw cosines separate topics poorly and their scale changes from one corpus to another. Removing the
    mean — of the questions being clustered, or of a larger background such as every question of the
    period — spreads them out (bench/clustering.py: ARI 0.57 → 0.73 at the best threshold on CNIL).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if not len(vectors):
        return vectors
    shifted = vectors - (vectors.mean(axis=0) if mean is None else mean)
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return shifted / norms


def agglomerate(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine similarity, stopped at ``threshold``.

    ``vectors`` are L2-normalised rows. Two clusters merge while the mean similarity between their
    members is at least ``threshold``. Returns one label per row, 0 for the largest cluster, then by
    decreasing size (ties: first row). O(n²) memory; fine for the few thousand questions of a period.
    """
    n = len(vectors)
    if n == 0:
        return np.zeros(0, dtype=int)
    sim = np.asarray(vectors, dtype=np.float64) @ np.asarray(vectors, dtype=np.float64).T
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(n)
    active = np.ones(n, dtype=bool)
    parent = np.arange(n)
    best = sim.max(axis=1)
    best_at = sim.argmax(axis=1)
    while True:
        candidates = np.where(active, best, -np.inf)
        i = int(candidates.argmax())
        if candidates[i] < threshold or not np.isfinite(candidates[i]):
            break
        j = int(best_at[i])
        # Lance–Williams update for average linkage: the merged row is the size-weighted mean.
        merged = (sizes[i] * sim[i] + sizes[j] * sim[j]) / (sizes[i] + sizes[j])
        sizes[i] += sizes[j]
        active[j] = False
        parent[parent == j] = i
        merged[i] = -np.inf
        merged[~active] = -np.inf
        sim[i, :] = merged
        sim[:, i] = merged
        sim[j, :] = -np.inf
        sim[:, j] = -np.inf
        best[j] = -np.inf
        best[i], best_at[i] = sim[i].max(), int(sim[i].argmax())
        stale = active & ((best_at == i) | (best_at == j))
        stale[i] = False
        for k in np.flatnonzero(stale):
            best[k], best_at[k] = sim[k].max(), int(sim[k].argmax())
        improved = active & (sim[:, i] > best)
        best[improved] = sim[improved, i]
        best_at[improved] = i
    roots, inverse, counts = np.unique(parent, return_inverse=True, return_counts=True)
    first = np.array([np.flatnonzero(parent == root)[0] for root in roots])
    order = np.lexsort((first, -counts))  # biggest first, then earliest row
    rank = np.empty(len(roots), dtype=int)
    rank[order] = np.arange(len(roots))
    return rank[inverse]


def representatives(vectors: np.ndarray, members: Sequence[int], top: int = 3) -> list[int]:
    """The members closest to the cluster's centroid, most representative first."""
    members = list(members)
    centroid = np.asarray(vectors[members]).mean(axis=0)
    scores = np.asarray(vectors[members]) @ centroid
    order = sorted(range(len(members)), key=lambda k: (-scores[k], members[k]))
    return [members[k] for k in order[:top]]


def _contingency(truth: Sequence, predicted: Sequence) -> np.ndarray:
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted labels differ in length")
    _, t = np.unique(np.asarray(truth, dtype=object).astype(str), return_inverse=True)
    _, p = np.unique(np.asarray(predicted, dtype=object).astype(str), return_inverse=True)
    table = np.zeros((t.max() + 1 if len(t) else 0, p.max() + 1 if len(p) else 0), dtype=np.int64)
    np.add.at(table, (t, p), 1)
    return table


def adjusted_rand_index(truth: Sequence, predicted: Sequence) -> float:
    """Hubert and Arabie's adjusted Rand index: 1 for identical partitions, about 0 for random ones."""
    table = _contingency(truth, predicted)
    n = int(table.sum())
    if n < 2:
        return 1.0

    def pairs(x):
        x = np.asarray(x, dtype=np.float64)
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def purity(truth: Sequence, predicted: Sequence) -> float:
    """Share of items whose cluster's majority class is their own class (1.0 with singletons: see inverse)."""
    table = _contingency(truth, predicted)
    return float(table.max(axis=0).sum() / table.sum()) if table.size else 1.0


def inverse_purity(truth: Sequence, predicted: Sequence) -> float:
    """Share of items in the cluster holding most of their class (1.0 with one big cluster: see purity)."""
    table = _contingency(truth, predicted)
    return float(table.max(axis=1).sum() / table.sum()) if table.size else 1.0
