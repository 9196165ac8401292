"""Does a question ask to *do* a procedure? Its embedding against the procedures' trigger phrasings.

The trigger vectors are computed once per procedure definition and kept in memory: an agent's question
costs one matrix product, with the query vector the answer pipeline already computed.
"""

from __future__ import annotations

import hashlib
import threading

import numpy as np
from django.conf import settings

from relais.engine.embeddings import Embedder
from relais.engine.procedures import mentions
from relais.procedures.models import Procedure

_lock = threading.Lock()
_cache: dict[tuple[int, str, str], np.ndarray] = {}


def _trigger_matrix(procedure: Procedure, embedder: Embedder) -> np.ndarray:
    # Keyed by the text itself: an edit (or a rolled-back one) never reuses stale trigger vectors.
    key = (procedure.pk, hashlib.sha256(procedure.definition.encode()).hexdigest(), embedder.name)
    with _lock:
        matrix = _cache.get(key)
    if matrix is None:
        matrix = np.asarray(embedder.embed_queries(list(procedure.parsed().triggers)), dtype=np.float32)
        with _lock:
            for stale in [k for k in _cache if k[0] == procedure.pk and k != key]:
                del _cache[stale]
            _cache[key] = matrix
    return matrix


def best_match(question: str, query_vector: np.ndarray, embedder: Embedder) -> tuple[Procedure, float] | None:
    """The active procedure the question mentions whose closest trigger phrasing is nearest, with that cosine."""
    best: tuple[Procedure, float] | None = None
    for procedure in Procedure.objects.filter(is_active=True):
        if not mentions(procedure.parsed(), question):
            continue
        score = float(np.max(_trigger_matrix(procedure, embedder) @ query_vector))
        if best is None or score > best[1]:
            best = (procedure, score)
    return best


def offer_for(question: str, query_vector: np.ndarray, embedder: Embedder) -> Procedure | None:
    match = best_match(question, query_vector, embedder)
    if match is None or match[1] < settings.RELAIS.procedure_threshold:
        return None
    return match[0]
