"""The sentence reader's vectors, computed once and kept in the database (SentenceVector).

The reader (engine/answers/sentence_choice.py) embeds a few sentences of the chosen page, under their headings, for
every question. Embedded during the request, a page nobody asked about yet costs about 100 ms on two cores; under
load that is what made the slowest answers slow. So the vectors are stored, shared by every app server and kept
across restarts, and the worker embeds in advance the sentences every page in force may quote, a bounded batch per
sweep (`warm_sentences`, also `relais warm`), deleting those of pages removed or expired. A sentence not warmed yet
is embedded during the request and stored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
from django.conf import settings
from django_tasks import task

from relais.engine.answers.sentence_choice import quotable_sentences, titled_text
from relais.engine.search.embeddings import Embedder, EmbeddingCache
from relais.knowledge.models import Document, SentenceVector

WARM_PER_RUN = 300  # sentences one worker sweep embeds (about 6 s on two cores: other tasks wait behind it)


def sentence_key(embedder: Embedder, text: str) -> str:
    return hashlib.sha256(f"{embedder.name}\0passage\0{text}".encode()).hexdigest()


def _stored(keys: Sequence[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), 500):
        for row in SentenceVector.objects.filter(key__in=unique[start : start + 500]):
            found[row.key] = row.array()
    return found


def _store(embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache | None = None) -> dict[str, np.ndarray]:
    vectors = cache.embed_passages(embedder, list(texts)) if cache else embedder.embed_passages(list(texts))
    rows = {sentence_key(embedder, t): v.astype(np.float32) for t, v in zip(texts, vectors, strict=True)}
    # Another app server or the worker may have stored some meanwhile: the first one stays, they are equal.
    SentenceVector.objects.bulk_create(
        [SentenceVector(key=k, vector=v.tobytes()) for k, v in rows.items()], ignore_conflicts=True
    )
    return rows


def stored_vectors(embedder: Embedder):
    """An EmbedPassages for the reader: the stored vectors, the missing ones embedded and stored."""

    def embed(texts: Sequence[str]) -> np.ndarray:
        keys = [sentence_key(embedder, t) for t in texts]
        found = _stored(keys)
        missing = list(dict.fromkeys(t for k, t in zip(keys, texts, strict=True) if k not in found))
        if missing:
            found.update(_store(embedder, missing))
        return np.vstack([found[k] for k in keys]) if keys else np.empty((0, embedder.dim), dtype=np.float32)

    return embed


def reader_texts(on: date | None = None) -> list[str]:
    """Every text the reader may embed: each quotable sentence of each passage of a document in force, titled."""
    on = on or date.today()
    texts: list[str] = []
    for document in Document.objects.prefetch_related("passages"):
        if document.in_force(on):
            for passage in document.passages.all():
                quotable = quotable_sentences(passage.text)
                texts += [titled_text(document.title, passage.section_path, s) for s in quotable]
    return list(dict.fromkeys(texts))


def missing_texts(embedder: Embedder, texts: list[str] | None = None) -> list[str]:
    """The reader's texts (``texts``, else reader_texts()) that have no stored vector yet."""
    texts = reader_texts() if texts is None else texts
    keys = [sentence_key(embedder, t) for t in texts]
    stored: set[str] = set()
    for start in range(0, len(keys), 500):
        stored.update(SentenceVector.objects.filter(key__in=keys[start : start + 500]).values_list("key", flat=True))
    return [t for k, t in zip(keys, texts, strict=True) if k not in stored]


def forget_unused(embedder: Embedder, texts: list[str] | None = None) -> int:
    """Delete the vectors no page in force may quote any more (a page removed, replaced or expired, another
    embedder); returns how many. A page back in force has its sentences embedded again."""
    used = {sentence_key(embedder, t) for t in (reader_texts() if texts is None else texts)}
    stale = [key for key in SentenceVector.objects.values_list("key", flat=True).iterator() if key not in used]
    for start in range(0, len(stale), 500):
        SentenceVector.objects.filter(key__in=stale[start : start + 500]).delete()
    return len(stale)


def warm(embedder: Embedder, limit: int | None = WARM_PER_RUN, batch: int = 64, texts: list[str] | None = None) -> int:
    """Embed and store up to ``limit`` (None: all) of the reader's missing sentences; returns how many. Through the
    data folder's embedding cache, as ingestion: a database rebuilt on the same machine embeds nothing again."""
    missing = missing_texts(embedder, texts)[:limit]
    cache = EmbeddingCache(Path(settings.DATA_DIR) / "embedding-cache.sqlite3")
    for start in range(0, len(missing), batch):
        _store(embedder, missing[start : start + batch], cache)
    return len(missing)


@task()
def warm_sentences() -> int:
    """The worker's sweep: the vectors of sentences no page may quote any more deleted, then a bounded batch of the
    reader's sentences embedded in advance."""
    from relais.knowledge.index import get_passage_index

    embedder = get_passage_index().embedder
    texts = reader_texts()  # read once: every passage in force, for both steps
    forget_unused(embedder, texts)
    return warm(embedder, texts=texts)
