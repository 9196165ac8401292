"""Passage index backends behind one protocol, chosen by RELAIS_INDEX.

``sqlite`` (the default): passages and their embeddings are rows of the
Django database; the engine's in-memory HybridIndex (BM25 + float32 matrix) is
loaded from them at the first search and updated on every ingestion. Other
processes' changes are noticed through IndexGeneration and trigger a reload.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from django.conf import settings

from relais.engine.french.analysis import RewrittenQuery
from relais.engine.readers.structure import title_names_something
from relais.engine.search.embeddings import Embedder, get_embedder
from relais.engine.search.hybrid_index import HybridIndex, IndexEntry, Mode, SearchFilters
from relais.knowledge.models import Document, IndexGeneration, Passage


@dataclass(frozen=True)
class SearchResult:
    passage: Passage
    document: Document
    score: float
    lexical_rank: int | None
    dense_rank: int | None
    dense_score: float | None = None


class PassageIndex(Protocol):
    embedder: Embedder

    def add(self, passages: Sequence[Passage]) -> None: ...

    def remove(self, document_ids: Iterable[int]) -> None: ...

    def invalidate(self) -> None: ...

    def idf(self, term: str) -> float: ...

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[SearchResult]: ...


def passage_lexical_text(passage: Passage) -> str:
    return "\n".join([passage.document.title, *passage.section_path, passage.text])


def _entry(passage: Passage) -> IndexEntry:
    document = passage.document
    return IndexEntry(
        passage_id=passage.pk,
        document_id=document.pk,
        lexical_text=passage_lexical_text(passage),
        embedding=passage.vector(),
        collection=document.collection.name,
        audience=document.collection.audience,
        valid_from=document.valid_from,
        valid_until=document.valid_until,
        # A title that is only a code (a file's name, « F100 ») says nothing: the first passage stands in for it.
        title_embedding=document.title_vector() if title_names_something(document.title) else None,
    )


class SqlitePassageIndex:
    def __init__(self, embedder: Embedder, fusion: str = "convex", alpha: float = 0.7) -> None:
        self.embedder = embedder
        self._engine = HybridIndex(embedder, fusion=fusion, alpha=alpha)  # type: ignore[arg-type]
        self._generation = -1  # never loaded
        self._lock = threading.Lock()

    def _passages(self):
        return Passage.objects.select_related("document__collection").filter(embedder=self.embedder.name)

    def _ensure_current(self) -> None:
        current = IndexGeneration.current()
        if current == self._generation:
            return
        with self._lock:
            if current != self._generation:
                self._engine.replace_all([_entry(p) for p in self._passages().iterator(chunk_size=2000)])
                self._generation = current

    def _note_own_change(self) -> None:
        before = IndexGeneration.current()
        IndexGeneration.bump()
        # If nobody else changed the knowledge since we loaded, we are current;
        # otherwise reload on the next search.
        self._generation = before + 1 if before == self._generation else -1

    def add(self, passages: Sequence[Passage]) -> None:
        self._ensure_current()
        ids = [p.pk for p in passages]
        fresh = list(self._passages().filter(pk__in=ids))
        self._engine.add([_entry(p) for p in fresh])
        self._note_own_change()

    def remove(self, document_ids: Iterable[int]) -> None:
        self._ensure_current()
        self._engine.remove(list(document_ids))
        self._note_own_change()

    def invalidate(self) -> None:
        """Collection or document metadata changed: reload on the next search everywhere."""
        IndexGeneration.bump()

    def loaded_state(self) -> tuple[int | None, int]:
        """(generation it was loaded at or None, passages held), read without loading anything (/healthz)."""
        return (self._generation if self._generation >= 0 else None), len(self._engine)

    def rewrite(self, query: str) -> RewrittenQuery:
        """The query as the index reads it; a caller that embeds the query itself should embed ``.dense``."""
        self._ensure_current()
        return self._engine.rewrite(query)

    def idf(self, term: str) -> float:
        """How rare an analysed term is in the passages, as of the last search (the answer model weighs
        coverage by it). Only a never-loaded index is loaded here: the full reload check costs a query
        and idf is called for each term of a question just searched."""
        if self._generation == -1:
            self._ensure_current()
        return self._engine.idf(term)

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        k: int = 10,
        mode: Mode = "hybrid",
        query_vector: np.ndarray | None = None,
    ) -> list[SearchResult]:
        self._ensure_current()
        hits = self._engine.search(query, k=k, filters=filters, mode=mode, query_vector=query_vector)
        passages = self._passages().in_bulk([h.passage_id for h in hits])
        return [
            SearchResult(
                passage=passages[h.passage_id],
                document=passages[h.passage_id].document,
                score=h.score,
                lexical_rank=h.lexical_rank,
                dense_rank=h.dense_rank,
                dense_score=h.dense_score,
            )
            for h in hits
            if h.passage_id in passages
        ]


_index: PassageIndex | None = None
_index_lock = threading.Lock()


def build_index(name: str) -> PassageIndex:
    config = settings.RELAIS
    embedder = get_embedder(config.embedder, max_passage_chars=config.embed_max_chars)
    if name == "sqlite":
        return SqlitePassageIndex(embedder, fusion=config.search_fusion, alpha=config.search_alpha)
    raise ValueError(f"Unknown passage index {name!r}; choose one of: sqlite")


def get_passage_index() -> PassageIndex:
    """The process-wide index named by RELAIS_INDEX."""
    global _index
    with _index_lock:
        if _index is None:
            _index = build_index(settings.RELAIS.index)
        return _index


def loaded_index_state() -> tuple[bool, int | None, int]:
    """(loaded, generation, passages) of this process's index; never builds or loads it."""
    with _index_lock:
        built = _index
    if not isinstance(built, SqlitePassageIndex):
        return False, None, 0
    generation, passages = built.loaded_state()
    # No generation also follows another process's change (reload at the next search): the passages are there.
    return (generation is not None or passages > 0), generation, passages


def reset_passage_index() -> None:
    """Forget the process-wide index (tests that change settings)."""
    global _index
    with _index_lock:
        _index = None


def warm_up() -> None:
    """Load the passages and the embedding model now, so the first question does not wait for them."""
    index = get_passage_index()
    index.search("préchauffage", k=1, query_vector=index.embedder.embed_queries(["préchauffage"])[0])
