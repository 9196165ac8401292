"""Which sentences of the chosen document answer: a small reader scoring the question and each sentence together.

The extract used to keep, in the best passage, the sentences sharing the most words with the question, in the
passage's order. On documents nobody tuned on it quoted the sentences *about* the topic and left the one stating
the fact in the collapsed source (« autour du 25 », « 300 € », a duration). Here every sentence of the chosen
document's first passages is a candidate, read in two steps:

1. **Shortlist**, on words: how much of the question the sentence holds (rarity-weighted, with and without its
   headings), whether it holds the kind of value the question asks for (a number for « combien ? », a date for
   « quand ? »), where it sits, what shape it has (a list item, a table row, a list's introduction) — and, on
   meaning, the few sentences closest to the question whatever their words (« préinscrire » never matches
   « pré-inscription »). Every candidate, preceded by its headings (« Titre > Section > phrase »), is embedded like
   a passage and compared with the question's vector (the worker embeds them in advance: ``relais warm``).
2. **Read**: for the shortlisted sentences, that closeness joins the signals above in a second linear score.

The best sentences are quoted, the best first and followed by the sentence after it in its passage. Both scores
are pairwise rankers (a right sentence against a wrong one of the same question), fitted by
``bench/sentence_choice.py --fit`` on the sentences of every corpus with a blind question set — a sentence is
right when it states the fact the question's author copied from the document — and judged leave-one-corpus-out
(docs/benchmarks.md). The weights live in ``sentence-model.json`` beside this module with their provenance;
nothing else in the code holds one of them.
"""

from __future__ import annotations

import json
import math
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from typing import Any, Protocol

import numpy as np

from relais.engine.french.analysis import fold_accents, term_set
from relais.engine.french.questions import QUESTION_WORDS, question_kind
from relais.engine.french.sentences import sentences
from relais.engine.readers.structure import SENTENCE_CLOSERS, table_cells, word_count

TermWeight = Callable[[str], float]
# Embeds passages' texts (L2-normalised rows): the index's embedder, or SentenceVectors in front of it.
EmbedPassages = Callable[[Sequence[str]], np.ndarray]

SENTENCE_MODEL_FILE = Path(__file__).with_name("sentence-model.json")
MODEL_FORMAT = 3

# The signals of the shortlist, about one sentence, in the order of its weights.
LEXICAL_FEATURES = (
    "coverage",  # rarity-weighted share of the question's content terms the sentence holds
    "coverage_with_headings",  # the same, counting its passage's title and headings
    "asks_amount_has_number",  # the question asks how many / how long and the sentence holds a number
    "asks_when_has_time",  # the question asks when and the sentence holds a date, a day, a month or a delay
    "has_number",  # the sentence holds a number the question does not (what many questions want)
    "passage_rank",  # 0 for the document's best passage, 1, 2 for the next ones
    "passage_score",  # the passage's fused score over the best passage's (1 for the best)
    "position",  # log(1 + the sentence's place in its passage)
    "length",  # log(1 + its number of words)
    "list_intro",  # it ends with « : » (its list follows it)
    "list_item",  # it is a list item
    "table_row",  # it is a table row (« cell | cell »)
)
# The reader's signals: the shortlist's, then the cosine of the question and the sentence under its headings. (Its
# gap to the closest sentence adds nothing to a pairwise ranker: between two sentences of one question the two
# differ by the same amount.)
READER_FEATURES = (*LEXICAL_FEATURES, "closeness")


class Passage(Protocol):
    """What is read of a retrieved passage (extractive.Evidence has it)."""

    document_title: str
    section_path: tuple[str, ...]
    text: str
    fused_score: float


@dataclass(frozen=True)
class SentenceCandidate:
    passage_rank: int  # the passage's rank in the document (0: best)
    position: int  # the sentence's place among the passage's quotable sentences
    text: str


@dataclass(frozen=True)
class SentenceModel:
    """Two linear rankers: ``lexical`` (LEXICAL_FEATURES) shortlists ``shortlist`` sentences, to which the
    ``closest`` sentences in meaning are added; ``reader`` (READER_FEATURES) orders them. Pairwise rankers: a score
    means something only against another sentence's."""

    lexical: tuple[float, ...]
    reader: tuple[float, ...]
    shortlist: int
    closest: int = 0
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "shortlist": self.shortlist,
            "closest": self.closest,
            "lexical": dict(zip(LEXICAL_FEATURES, self.lexical, strict=True)),
            "reader": dict(zip(READER_FEATURES, self.reader, strict=True)),
            "provenance": self.provenance,
        }


def load_sentence_model(path: Path = SENTENCE_MODEL_FILE) -> SentenceModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    lexical, reader = data.get("lexical", {}), data.get("reader", {})
    signals_match = tuple(lexical) == LEXICAL_FEATURES and tuple(reader) == READER_FEATURES
    if data.get("format") != MODEL_FORMAT or not signals_match or not isinstance(data.get("closest"), int):
        raise ValueError(
            f"{path}: not a sentence model of format {MODEL_FORMAT} with the signals this code computes "
            f"({', '.join(READER_FEATURES)}): refit it with bench/sentence_choice.py --fit"
        )
    return SentenceModel(
        tuple(float(w) for w in lexical.values()),
        tuple(float(w) for w in reader.values()),
        int(data["shortlist"]),
        int(data["closest"]),
        data.get("provenance", {}),
    )


SHIPPED_SENTENCE_MODEL = load_sentence_model()

_NUMBER_WORDS = (
    "un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente"
    "|quarante|cinquante|soixante|cent|mille|moitie|tiers|quart|double"
)
_NUMBER = re.compile(rf"\d|(?<![\w'])(?:{_NUMBER_WORDS})(?![\w'])")
_TIME = re.compile(
    r"(?<![\w'])(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|janvier|fevrier|mars|avril|mai|juin"
    r"|juillet|aout|septembre|octobre|novembre|decembre|avant|apres|delai|au plus tard|des|jusqu'?au|chaque"
    r"|mois|annee|semaine|jour|jours)(?![\w'])|\d"
)
# Kinds whose answer is a value.
_AMOUNT_KINDS = frozenset({"how_many", "how_long"})
# Read this many of the document's passages, best first (by fused score).
PASSAGES_READ = 3


def _folded(text: str) -> str:
    return fold_accents(text.lower().replace("’", "'"))


# A line this short standing alone is a heading when it is a question (« Quand faut-il se connecter au VPN ? »:
# quoted, it asks the agent a question instead of answering theirs) or has no closing punctuation (« Le fichier des
# "nouveaux voisins" de la Poste », a sub-heading the chunker wrote into a packed passage). Six words, until the
# thirteenth session, let longer sub-headings be quoted glued to the sentences around them; at twelve, no figure of
# bench/corpora.py moved and ten answers of five corpora lost a heading line (docs/benchmarks.md).
HEADING_MAX_WORDS = 12


def _is_heading(paragraph: str) -> bool:
    """A paragraph the chunker inserted to name a merged sub-section (« Les jours de RTT > Acquisition »), a short
    line without closing punctuation that is no list item nor table row (« C | 5 jours » states a value), or a
    short question alone on its line: structure, never a sentence to quote."""
    line = paragraph.strip()
    if not line or "\n" in line or line.startswith(("-", "•", "*", "|")) or table_cells(line) is not None:
        return False
    if line.endswith("?"):
        return word_count(line) <= HEADING_MAX_WORDS and len(sentences(line)) == 1
    if line.endswith(SENTENCE_CLOSERS):  # « ? » was read above
        return False
    return " > " in line or (word_count(line) <= HEADING_MAX_WORDS and not line[0].isdigit())


def quotable_sentences(text: str) -> list[str]:
    """The passage's sentences, list items and table rows; headings, and the header row of a table (quoted alone,
    it names columns and states nothing; a row quoted names its values by it, ``readable_row``), left out — all
    of them when it has nothing else."""
    paragraphs = text.split("\n\n")
    rows = [table_cells(paragraph) is not None for paragraph in paragraphs]
    headers = {n for n in range(len(rows) - 1) if rows[n] and rows[n + 1] and not (n and rows[n - 1])}
    kept = [p for n, p in enumerate(paragraphs) if n not in headers and not _is_heading(p)]
    return sentences("\n\n".join(kept)) or sentences(text)


def readable_row(text: str, row: str) -> str:
    """A table row of the passage ``text`` as it reads in an answer, « libellé : valeur »: « Mariage ou PACS de
    l'agent : 100 € »; with more columns each value is named by its column's header, the first row of the table
    (« Mercredi — Été (du 1er avril au 30 septembre) : 9 h – 12 h ; Hiver (…) : 9 h – 12 h »). Anything that is
    not a row of a table of ``text`` comes back as it is, and so does the header row itself."""
    cells = table_cells(row)
    if cells is None or len(cells) < 2:
        return row
    header = None  # the first row of the table being read
    for paragraph in text.split("\n\n"):
        found = table_cells(paragraph)
        header = (header or found) if found is not None else None
        if found is not None and paragraph.strip() == row.strip():
            break
    else:
        header = None  # not a row of this text
    if header == cells:
        return row
    if len(cells) == 2 or header is None or len(header) != len(cells):
        return f"{cells[0]} : {' ; '.join(cells[1:])}"
    values = " ; ".join(f"{name} : {value}" for name, value in zip(header[1:], cells[1:], strict=True))
    return f"{cells[0]} — {values}"


def candidates(passages: Sequence[Passage]) -> list[SentenceCandidate]:
    """Every quotable sentence of the first PASSAGES_READ passages (given best first)."""
    return [
        SentenceCandidate(rank, position, text)
        for rank, passage in enumerate(passages[:PASSAGES_READ])
        for position, text in enumerate(quotable_sentences(passage.text))
    ]


def _share(asked: frozenset[str], found: frozenset[str], weight: dict[str, float]) -> float:
    total = sum(weight.values())
    return sum(weight[t] for t in asked & found) / total if total else 0.0


def lexical_features(
    question: str, passages: Sequence[Passage], chosen: Sequence[SentenceCandidate], idf: TermWeight | None = None
) -> np.ndarray:
    """The shortlist's signals of each candidate sentence (rows), in LEXICAL_FEATURES' order."""
    asked = term_set(question) - QUESTION_WORDS
    weight = {term: idf(term) if idf else 1.0 for term in asked}
    kind = question_kind(question)
    # A number the question itself holds (« 37 h », « 80 % ») is no answer to it: only other numbers count.
    asked_numbers = set(re.findall(r"\d+", question))
    best_score = max(passages[0].fused_score, 1e-9) if passages else 1.0
    rows = []
    for item in chosen:
        passage = passages[item.passage_rank]
        found = term_set(item.text)
        headings = term_set(" ".join([passage.document_title, *passage.section_path]))
        folded = _folded(item.text)
        has_number = bool(set(re.findall(r"\d+", folded)) - asked_numbers) or bool(
            _NUMBER.search(re.sub(r"\d", "", folded))
        )
        stripped = item.text.strip()
        rows.append(
            (
                _share(asked, found, weight),
                _share(asked, found | headings, weight),
                float(kind in _AMOUNT_KINDS and has_number),
                float(kind == "when" and bool(_TIME.search(folded))),
                float(has_number),
                float(item.passage_rank),
                passage.fused_score / best_score,
                math.log1p(item.position),
                math.log1p(len(stripped.split())),
                float(stripped.endswith(":")),
                float(stripped.startswith(("- ", "• ", "* "))),
                float(" | " in stripped),
            )
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(LEXICAL_FEATURES))


def titled(passage: Passage, sentence: str) -> str:
    """The text the reader embeds for a sentence: its headings, then the sentence (« Titre > Section > phrase »)."""
    return titled_text(passage.document_title, passage.section_path, sentence)


def titled_text(document_title: str, section_path: Sequence[str], sentence: str) -> str:
    return " > ".join([document_title, *section_path, sentence])


def reader_features(lexical: np.ndarray, closeness: np.ndarray) -> np.ndarray:
    """The reader's signals (READER_FEATURES) from the shortlisted rows and their cosines with the question."""
    return np.hstack([lexical, closeness[:, None]])


def ranked(scores: np.ndarray, found: Sequence[SentenceCandidate]) -> list[int]:
    """Candidates' indices, best score first; ties go to the earlier passage, then the earlier sentence."""
    return sorted(range(len(found)), key=lambda n: (-scores[n], found[n].passage_rank, found[n].position))


def with_list_items(order: Sequence[int], found: Sequence[SentenceCandidate], limit: int) -> list[int]:
    """The first ``limit`` of ``order``, each followed by the list it opens: a sentence followed by list items or
    numbered steps in its passage brings them (up to MAX_STEPS: « Vous pouvez inverser les boutons… » then the
    three steps, the answer in the last), a list item ending with « : » its next item, the first item of a list
    its heading introduces (the passage opens on it) the items after it. The best sentence, when it
    opens no list, brings the sentence after it: the page often states the fact in the next sentence, and the two
    read on as the page wrote them. A sentence the page repeats (a summary above the text it opens, the same
    sentence in two sections) counts once: the same words are never quoted twice in one answer."""
    picked: list[int] = []
    for rank, n in enumerate(_first_of_each_text(order, found, limit)):
        if n in picked:
            continue
        picked.append(n)
        if _opens_its_list(n, found):
            picked += [step for step in _steps_from(n, found)[1:] if step not in picked]
            continue
        following = n + 1
        if (
            following < len(found)
            and found[following].passage_rank == found[n].passage_rank
            and following not in picked
        ):
            if _STEP.match(found[following].text) and not _STEP.match(found[n].text):
                picked += [step for step in _steps_from(following, found) if step not in picked]
            elif found[n].text.rstrip().endswith(":") or rank == 0:
                picked.append(following)
    return picked


# A list item or numbered step (« - Ouvrez… », « 2) Cliquez… »): a list, quoted whole after the sentence opening it.
_STEP = re.compile(r"\s*(?:\d{1,2}[.)]|[-•*])\s")
MAX_STEPS = 8


def _opens_its_list(n: int, found: Sequence[SentenceCandidate]) -> bool:
    """The first item of a list whose introduction is its heading (« Se connecter » then « - Connectez votre
    ordinateur à internet », « - Cliquez sur l'icône… »): it is quoted with the items after it."""
    first_of_passage = n == 0 or found[n - 1].passage_rank != found[n].passage_rank
    return bool(_STEP.match(found[n].text)) and first_of_passage


def _steps_from(first: int, found: Sequence[SentenceCandidate]) -> list[int]:
    steps = []
    for n in range(first, min(len(found), first + MAX_STEPS)):
        if found[n].passage_rank != found[first].passage_rank or not _STEP.match(found[n].text):
            break
        steps.append(n)
    return steps


def _first_of_each_text(order: Sequence[int], found: Sequence[SentenceCandidate], limit: int) -> list[int]:
    """The first ``limit`` of ``order`` that say something not said earlier in it: the same sentence, or nearly
    (service-public pages write one rule for each branch of the fonction publique, « l'agent » in one, « le
    fonctionnaire » in the next), is quoted once."""
    kept: list[int] = []
    said: list[tuple[frozenset[str], frozenset[str]]] = []
    for n in order:
        words = frozenset(re.findall(r"\w+", _folded(found[n].text)))
        numbers = frozenset(w for w in words if w.isdigit())
        if not any(_says_the_same(words, numbers, *earlier) for earlier in said):
            said.append((words, numbers))
            kept.append(n)
            if len(kept) == limit:
                break
    return kept


# Two sentences with the same numbers and this share of their words in common (Jaccard) say the same thing.
SAME_WORDS = 0.8


def _says_the_same(
    words: frozenset[str], numbers: frozenset[str], other: frozenset[str], others: frozenset[str]
) -> bool:
    # Rows and list items that differ by a number alone (« 30 jours », « 60 jours ») state different facts.
    return numbers == others and len(words & other) >= SAME_WORDS * len(words | other)


@dataclass(frozen=True)
class Reading:
    """What the reader found in a document: the sentences to quote, the best first, and how close in meaning the
    closest sentence it read is to the question (None when nothing was embedded)."""

    sentences: list[SentenceCandidate]
    closeness: float | None


def read_document(
    question: str,
    passages: Sequence[Passage],
    idf: TermWeight | None = None,
    *,
    query_vector: np.ndarray | None = None,
    embed: EmbedPassages | None = None,
    model: SentenceModel = SHIPPED_SENTENCE_MODEL,
    limit: int = 3,
    keep: Callable[[str], bool] | None = None,
) -> Reading:
    """The sentences to quote from a document's passages (given best first) and the reader's closeness. Without
    ``embed`` and ``query_vector`` (no embedder at hand) the shortlist's order decides. ``keep``: only the sentences
    whose titled text (« Titre > Section > phrase ») it accepts are read."""
    found = candidates(passages)
    if keep is not None:
        found = [c for c in found if keep(titled(passages[c.passage_rank], c.text))]
    if not found:
        return Reading([], None)
    lexical = lexical_features(question, passages, found, idf)
    order = ranked(lexical @ np.array(model.lexical), found)
    if embed is None or query_vector is None:
        return Reading([found[n] for n in with_list_items(order, found, limit)], None)
    closeness = embed([titled(passages[c.passage_rank], c.text) for c in found]) @ query_vector
    shortlist = shortlisted(order, closeness, found, model.shortlist, model.closest)
    scores = reader_features(lexical[shortlist], closeness[shortlist]) @ np.array(model.reader)
    best = [shortlist[n] for n in ranked(scores, [found[n] for n in shortlist])]
    return Reading([found[n] for n in with_list_items(best, found, limit)], float(closeness.max()))


def shortlisted(
    lexical_order: Sequence[int],
    closeness: np.ndarray,
    found: Sequence[SentenceCandidate],
    size: int,
    closest: int,
) -> list[int]:
    """The candidates the reader reads, in the passages' order: the lexical ranker's best ``size`` and the
    ``closest`` closest to the question in meaning (a sentence saying it in other words: the words alone left the
    right sentence out of the shortlist for a fifth of the blind questions, docs/benchmarks.md)."""
    by_meaning = ranked(closeness, found)[:closest]
    return sorted({*lexical_order[:size], *by_meaning})


class SentenceVectors:
    """The embedder's passage vectors for sentences, kept in memory (least recently used out first): the reader
    embeds the same few sentences of a popular page again and again."""

    def __init__(self, embed: EmbedPassages, capacity: int = 20_000) -> None:
        self._embed = embed
        self._capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = Lock()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        fresh = self._embed(missing) if missing else []
        with self._lock:
            for text, vector in zip(missing, fresh, strict=True):
                self._vectors[text] = vector
            for text in texts:
                self._vectors.move_to_end(text)
            rows = [self._vectors[text] for text in texts]
            while len(self._vectors) > self._capacity:
                self._vectors.popitem(last=False)
        return np.vstack(rows) if rows else np.empty((0, 0), dtype=np.float32)
