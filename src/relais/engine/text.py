"""French text analysis for lexical matching.

The pipeline is: lower-case → split into word tokens → drop elided articles and
pronouns (l', d', j', qu', n', s', c', m', t') → drop stopwords → Snowball stem
→ fold accents. Stemming runs *before* accent folding because the French
Snowball rules are written for accented words (« congés » → « cong »); folding the
stem afterwards makes « télétravail » and « teletravail », typed on a phone
without accents, meet on the same term.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

# Elided forms: the letter(s) before an apostrophe that carry no meaning for search.
ELISIONS = frozenset({"l", "d", "j", "qu", "n", "s", "c", "m", "t", "jusqu", "lorsqu", "puisqu", "quoiqu"})

# Snowball's French stopword list (the same one bm25s and Lucene use), plus a few
# high-frequency function words it misses. Kept accent-folded: matching happens
# after folding so « à » and « a » are the same stopword.
_STOPWORDS_RAW = """
ai aie aient aies ait as au aura aurai auraient aurais aurait auras aurez auriez aurions aurons
auront aux avaient avais avait avec avez aviez avions avons ayant ayante ayantes ayants ayez ayons c
ce ces d dans de des du elle en es est et eu eue eues eurent eus eusse eussent eusses eussiez
eussions eut eux eûmes eût eûtes furent fus fusse fussent fusses fussiez fussions fut fûmes fût
fûtes il ils j je l la le les leur lui m ma mais me mes moi mon même n ne nos notre nous on ont ou
par pas pour qu que qui s sa se sera serai seraient serais serait seras serez seriez serions serons
seront ses soient sois soit sommes son sont soyez soyons suis sur t ta te tes toi ton tu un une vos
votre vous y à étaient étais était étant étante étantes étants étiez étions été étée étées étés êtes
cette cet ceux celle celles celui leurs dont où donc ni car si très plus
"""


def fold_accents(text: str) -> str:
    """Remove diacritics (« é » → « e ») and expand ligatures (« œ » → « oe »)."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_for_matching(text: str) -> str:
    """Case- and accent-insensitive form of a text, for exact comparisons."""
    return fold_accents(text).casefold()


STOPWORDS: frozenset[str] = frozenset(normalize_for_matching(w) for w in _STOPWORDS_RAW.split())

# A word is a run of letters/digits; apostrophes (straight or typographic) split
# elisions off; hyphens split compounds (« arrêt-maladie » → « arrêt », « maladie »).
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def words(text: str) -> list[str]:
    """Lower-cased word tokens with elided prefixes removed."""
    text = text.translate(_APOSTROPHES).lower()
    tokens: list[str] = []
    for raw in text.split():
        parts = raw.split("'")
        # « qu'il », « l'agent »: keep only what follows a known elision.
        if len(parts) > 1 and normalize_for_matching(parts[0]) in ELISIONS:
            parts = parts[1:]
        for part in parts:
            tokens.extend(_WORD_RE.findall(part))
    return tokens


_stemmer = Stemmer.Stemmer("french")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball-stem one lower-cased word, then fold its accents."""
    return fold_accents(_stemmer.stemWord(word))


def analyze(text: str) -> list[str]:
    """Terms for BM25: words without stopwords, stemmed and accent-folded."""
    return [stem(w) for w in words(text) if normalize_for_matching(w) not in STOPWORDS]


def estimate_tokens(text: str) -> int:
    """Cheap estimate of the embedder's token count.

    Measured on French administrative text with multilingual-e5's tokenizer:
    about 4.4 characters per token. Good enough to size passages without
    running the tokenizer on every paragraph.
    """
    return max(1, round(len(text) / 4.4)) if text else 0
