"""Does a question ask to *do* a procedure? Its embedding against the procedures' trigger phrasings.

The trigger vectors are computed once per procedure definition and kept in memory: an agent's question
costs one matrix product, with the query vector the answer pipeline already computed.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from relais.engine.procedures.definition import ProcedureDefinition, ProcedureError
from relais.engine.procedures.loading import mentions
from relais.engine.search.embeddings import Embedder
from relais.procedures.models import Procedure

logger = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass(frozen=True)
class _Prepared:
    definition: ProcedureDefinition | None  # None: the text no longer parses
    triggers: np.ndarray | None  # the trigger phrasings' vectors, computed on first use


# Keyed by (procedure, sha256 of its text, embedder): an edit, or a rolled-back one, never reuses stale
# vectors, and no question pays for parsing the YAML (several ms) or embedding the triggers again.
_cache: dict[tuple[int, str, str], _Prepared] = {}


def _prepared(procedure: Procedure, embedder: Embedder) -> _Prepared:
    key = (procedure.pk, hashlib.sha256(procedure.definition.encode()).hexdigest(), embedder.name)
    with _lock:
        prepared = _cache.get(key)
    if prepared is not None:
        return prepared
    try:
        definition = procedure.parsed()
    except ProcedureError:  # saved before a stricter check: the chat must go on without it
        logger.exception("procedure %s has an invalid definition; not offered", procedure.slug)
        prepared = _Prepared(None, None)
    else:
        vectors = np.asarray(embedder.embed_queries(list(definition.triggers)), dtype=np.float32)
        prepared = _Prepared(definition, vectors)
    with _lock:
        for stale in [k for k in _cache if k[0] == procedure.pk and k != key]:
            del _cache[stale]
        _cache[key] = prepared
    return prepared


def best_match(question: str, query_vector: np.ndarray, embedder: Embedder) -> tuple[Procedure, float] | None:
    """The active procedure the question mentions whose closest trigger phrasing is nearest, with that cosine."""
    best: tuple[Procedure, float] | None = None
    for procedure in Procedure.objects.filter(is_active=True):
        prepared = _prepared(procedure, embedder)
        if prepared.definition is None or not mentions(prepared.definition, question):
            continue
        score = float(np.max(prepared.triggers @ query_vector))
        if best is None or score > best[1]:
            best = (procedure, score)
    return best


def offer_for(question: str, query_vector: np.ndarray, embedder: Embedder) -> Procedure | None:
    match = best_match(question, query_vector, embedder)
    if match is None or match[1] < settings.RELAIS.procedure_threshold:
        return None
    return match[0]
