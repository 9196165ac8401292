"""Is this a French word? A word list, for telling typing shortcuts and typos from words.

Agents type « kan », « koi », « jai », « davoir »: words of no dictionary. They also
ask about « syndicat » or « SMIC », real words the town's documents never use.
Both are unknown to the index; only the first kind is a matter of spelling. The
query rewriter must not « correct » a real word into a corpus word one letter
away (« orage » → « rage », « drague » → « drogue »), and the answer model reads
a short unknown token as a typing shortcut (the mark of a colloquial but
answerable question) only when it is not a word.

The list is pyspellchecker's French dictionary (about 140,000 word forms from
subtitle frequency counts, shipped inside the package: nothing is downloaded),
compared case- and accent-insensitively: « bebe » typed on a phone is the word
« bébé ».
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

from relais.engine.french.analysis import normalize_for_matching


class FrenchLexicon:
    def __init__(self, words: Iterable[str]) -> None:
        self._words = frozenset(normalize_for_matching(w) for w in words)

    def __len__(self) -> int:
        return len(self._words)

    def is_word(self, token: str) -> bool:
        """Whether ``token`` is a French word form (any case, with or without accents)."""
        return normalize_for_matching(token) in self._words


@lru_cache(maxsize=1)
def french_lexicon() -> FrenchLexicon:
    """The shared word list (loaded once: about 0.2 s)."""
    data = resources.files("spellchecker").joinpath("resources", "fr.json.gz").read_bytes()
    return FrenchLexicon(json.loads(gzip.decompress(data)))
