"""Actions offered under an answer (« Commencer la démarche »), contributed by the apps that run them.

The assistant sits below the guided procedures in the app stack: it cannot import them. The procedures app
registers its finder when Django starts (`ProceduresConfig.ready`); without it, nothing is offered.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from django.db.models import Model

from relais.engine.search.embeddings import Embedder

# (question, the question's vector, the embedder that made it) → the model instance to offer, or None.
OfferFinder = Callable[[str, np.ndarray, Embedder], Model | None]

_procedure_finder: OfferFinder | None = None


def register_procedure_finder(finder: OfferFinder) -> None:
    global _procedure_finder
    _procedure_finder = finder


def procedure_offer(question: str, query_vector: np.ndarray, embedder: Embedder) -> Model | None:
    """The guided procedure the question asks to do, or None (no finder registered, or no match)."""
    if _procedure_finder is None:
        return None
    return _procedure_finder(question, query_vector, embedder)
