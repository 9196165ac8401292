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
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
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


# Every apostrophe an agent's keyboard or phone may type, for the comparison form below.
TYPED_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})


def fold_for_comparison(text: str) -> str:
    """Lower-cased, accent-free, straight apostrophes, single spaces: how typed answers and keywords are compared.

    NFKD (in fold_accents) also turns the no-break spaces of « 1 200 € » into plain spaces.
    """
    return " ".join(normalize_for_matching(text.translate(TYPED_APOSTROPHES)).split())


STOPWORDS: frozenset[str] = frozenset(normalize_for_matching(w) for w in _STOPWORDS_RAW.split())

# A word is a run of letters/digits; apostrophes (straight or typographic) split
# elisions off; hyphens split compounds (« arrêt-maladie » → « arrêt », « maladie »).
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


def words(text: str, keep_case: bool = False) -> list[str]:
    """Word tokens with elided prefixes removed, lower-cased unless ``keep_case``."""
    text = text.translate(_APOSTROPHES)
    text = text if keep_case else text.lower()
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


@lru_cache(maxsize=20_000)
def term_set(text: str) -> frozenset[str]:
    """The distinct terms of a text (``analyze``), remembered: the answer composer reads the same passages, headings
    and sentences again and again."""
    return frozenset(analyze(text))


def estimate_tokens(text: str) -> int:
    """Cheap estimate of the embedder's token count.

    Measured on French administrative text with multilingual-e5's tokenizer:
    about 4.4 characters per token. Good enough to size passages without
    running the tokenizer on every paragraph.
    """
    return max(1, round(len(text) / 4.4)) if text else 0


# ---- query rewriting from the corpus' own vocabulary --------------------------
#
# Agents type short queries, without accents, with acronyms and typos (« conge
# maternite », « cpf », « clause de non concurence »). Snowball stems an
# unaccented word differently from the accented one (« maternite » → « maternit »,
# « maternité » → « matern »), so the query term never meets the corpus term. The
# rewriter restores what the corpus itself writes, and nothing else: accents of a
# word the corpus never writes bare, a one-edit typo of a word it does not know at
# all, and the long form of an acronym the corpus defines, « compte personnel de
# formation (CPF) ». No list is written by hand: everything comes from the indexed text.

_ACRONYM_DEFINITION = re.compile(r"\(\s*([A-Z][A-Za-z0-9]{1,9})\s*\)")
_CLAUSE_BREAK = re.compile(r"[\n.;:!?()«»\[\]]")
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_LOWER_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def _fold_keep_length(text: str) -> str:
    """Lower-cased, accent-folded, one character for one (« œ » → « o »), so indexes still match."""
    return "".join((fold_accents(ch)[:1] or ch) for ch in text.lower())


def acronym_long_form(acronym: str, before: str) -> str | None:
    """The long form an acronym abbreviates at the end of ``before``, or None.

    Schwartz & Hearst, « A simple algorithm for identifying abbreviation
    definitions in biomedical text », PSB 2003: walking backwards, each letter of
    the acronym must appear in order in the text, the first one at the start of a
    word. A French twist: that first word may not be a stopword (« allocation aux
    adultes handicapés (AAH) » gives « allocation aux adultes handicapés », not
    « aux adultes handicapés »).
    """
    text = _fold_keep_length(before)
    letters = [ch for ch in _fold_keep_length(acronym) if ch.isalnum()]
    if not letters:
        return None
    pos = len(text) - 1
    for i in range(len(letters) - 1, -1, -1):
        while pos >= 0:
            if text[pos] == letters[i]:
                if i > 0:
                    break
                at_word_start = pos == 0 or not text[pos - 1].isalnum()
                word = _TOKEN_RE.match(text, pos)
                if at_word_start and word and word.group(0) not in STOPWORDS:
                    break
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
    return before[pos + 1 :].strip()


def mine_acronyms(texts: list[str] | tuple[str, ...], min_count: int = 2) -> dict[str, str]:
    """Acronym (lower-cased) → its most frequent long form, from « long form (ABC) » in the texts.

    A long form must be found at least ``min_count`` times and be at least half of
    the acronym's definitions (« PAS » is « prélèvement à la source » 29 times and
    « prêt d'accession sociale » 6: kept; an acronym split evenly is dropped).
    Long forms are compared by their analysed terms, so plurals count together.
    """
    counts: dict[str, Counter[tuple[str, ...]]] = {}
    surface: dict[tuple[str, tuple[str, ...]], str] = {}
    for text in texts:
        for match in _ACRONYM_DEFINITION.finditer(text):
            acronym = match.group(1)
            clause = _CLAUSE_BREAK.split(text[max(0, match.start() - 160) : match.start()])[-1]
            window = clause.split()[-min(len(acronym) + 5, 2 * len(acronym)) :]
            long_form = acronym_long_form(acronym, " ".join(window)) if window else None
            if not long_form:
                continue
            n_words = len(words(long_form))
            key = tuple(analyze(long_form))
            if n_words < 2 or n_words > len(acronym) + 4 or not key:
                continue
            counts.setdefault(acronym.lower(), Counter())[key] += 1
            surface.setdefault((acronym.lower(), key), long_form)
    table: dict[str, str] = {}
    for acronym, forms in counts.items():
        key, n = forms.most_common(1)[0]
        if n >= min_count and 2 * n >= sum(forms.values()):
            table[acronym] = surface[(acronym, key)]
    return table


@dataclass(frozen=True)
class RewrittenQuery:
    lexical: str  # for BM25: the corrected query and the acronyms' long forms
    dense: str  # for the embedder: the corrected query, long forms in brackets


class QueryRewriter:
    """Corrects and expands queries with the vocabulary of the indexed texts.

    ``known_term``: whether an analysed term is in the lexical index; a word is
    only corrected as a typo when its term is unknown there. ``is_word``: whether a
    token is a word of the language (``relais.engine.french.lexicon``); a real word is
    never « corrected » into a corpus word one edit away (« orage » is not « rage »).
    """

    def __init__(
        self,
        texts: list[str] | tuple[str, ...],
        known_term: Callable[[str], bool] | None = None,
        is_word: Callable[[str], bool] | None = None,
        min_typo_length: int = 5,
        min_typo_count: int = 3,
        bare_share: float = 0.1,
        acronym_share: float = 0.5,
    ) -> None:
        surface: Counter[str] = Counter()
        for text in texts:
            surface.update(_TOKEN_RE.findall(text))
        lower: Counter[str] = Counter()
        for token, n in surface.items():
            lower[token.lower()] += n
        self._lower = lower
        self._best: dict[str, tuple[int, str]] = {}  # folded word → (count, its most frequent spelling)
        self._folded: Counter[str] = Counter()
        for word, n in lower.items():
            if any(ch.isdigit() for ch in word):
                continue
            folded = fold_accents(word)
            self._folded[folded] += n
            if folded not in self._best or n > self._best[folded][0]:
                self._best[folded] = (n, word)
        self.acronyms = mine_acronyms(texts)
        # Share of an acronym's occurrences written with capitals: « cpf » typed in lower
        # case is expanded, « ciel » (a word, and an acronym of the CNIL corpus) is not.
        self._capitalised = {a: 1 - surface.get(a, 0) / lower[a] for a in self.acronyms if lower.get(a)}
        self.known_term = known_term
        self.is_word = is_word
        self.min_typo_length, self.min_typo_count = min_typo_length, min_typo_count
        self.bare_share, self.acronym_share = bare_share, acronym_share

    def rewrite(self, query: str) -> RewrittenQuery:
        corrected = _TOKEN_RE.sub(lambda m: self.correct_word(m.group(0)), query)
        expansions = self.expansions(corrected)
        if not expansions:
            return RewrittenQuery(corrected, corrected)
        return RewrittenQuery(f"{corrected} {' '.join(expansions)}", f"{corrected} ({', '.join(expansions)})")

    def correct_word(self, word: str) -> str:
        """The corpus' spelling of one word: accents restored, or a one-edit typo fixed."""
        lower = word.lower()
        if (
            any(ch.isdigit() for ch in lower)
            or normalize_for_matching(lower) in STOPWORDS
            or (word != lower and not word[1:].islower())  # an acronym or mixed case: left alone
        ):
            return word
        folded = fold_accents(lower)
        if folded in self._best:
            count, best = self._best[folded]
            # Typed without accents, and the corpus (almost) never writes it so.
            if folded == lower and best != lower and self._lower.get(lower, 0) <= self.bare_share * count:
                return _same_case(best, word)
            return word
        if len(folded) < self.min_typo_length:
            return word
        if self.known_term is not None and all(self.known_term(t) for t in analyze(lower)):
            return word
        if self.is_word is not None and self.is_word(lower):
            return word
        candidates = [
            (self._folded[edit], edit) for edit in _edits1(folded) if self._folded.get(edit, 0) >= self.min_typo_count
        ]
        if not candidates:
            return word
        return _same_case(self._best[max(candidates)[1]][1], word)

    def expansions(self, query: str) -> list[str]:
        """Long forms of the acronyms in ``query`` (once each, none already written out)."""
        folded_query = normalize_for_matching(query)
        found: list[str] = []
        tokens = _TOKEN_RE.findall(query)
        for position, token in enumerate(tokens):
            lower = token.lower()
            long_form = self.acronyms.get(lower)
            if not long_form or long_form in found or normalize_for_matching(long_form) in folded_query:
                continue
            typed_as_acronym = (len(token) > 1 and token.isupper()) or _not_the_word(lower, tokens[position + 1 :])
            if not typed_as_acronym and (
                normalize_for_matching(lower) in STOPWORDS or self._capitalised.get(lower, 0) < self.acronym_share
            ):
                continue
            found.append(long_form)
        return found


# Stopwords that French grammar allows only before a vowel or a mute h: « cet agent », « cet été »,
# but « cet plafond » or « mon cet » can only be the acronym (the compte épargne-temps, typed in lower case).
_BEFORE_VOWEL_ONLY = frozenset({"cet"})
_VOWEL_OR_H = frozenset("aeiouyh")


def _not_the_word(lower: str, following: list[str]) -> bool:
    """Whether ``lower``, a stopword, cannot be that word where it stands (so it is an acronym)."""
    if lower not in _BEFORE_VOWEL_ONLY:
        return False
    return not following or fold_accents(following[0][:1].lower()) not in _VOWEL_OR_H


def _same_case(word: str, like: str) -> str:
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _edits1(word: str) -> set[str]:
    """Every string one deletion, substitution, transposition or insertion away (Norvig)."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _LOWER_ALPHABET if c != b[0]}
    inserts = {a + c + b for a, b in splits for c in _LOWER_ALPHABET}
    return deletes | transposes | replaces | inserts
