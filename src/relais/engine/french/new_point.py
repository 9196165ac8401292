"""What a follow-up adds to the previous question, and whether a text speaks of it.

« Comment me connecter au VPN depuis chez moi ? » then « et sur un mac perso ça marche ? »: the follow-up is
searched together with the previous question (assistant/pipeline.py), so every page about the VPN comes back, and
the answer about connecting from home would do for both. It does not: the agent asks about a personal computer.
The new point is the follow-up's own content words that the previous question does not hold (« mac », « perso »,
« marche »); an answer to the follow-up must quote a sentence that speaks of at least one of them, or say that the
documentation does not.

A text speaks of the new point when it holds one of its words: the same term, or one it begins when the word has
at least PREFIX_MIN_CHARS characters (« perso » is held by « personnel », « contrat » by « contractuel »). Asking
for more of the point (half of it, its words weighted by rarity) abstained far more often where the documents do
answer (bench/follow_up_answers.py, docs/benchmarks.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.engine.french.analysis import STOPWORDS, analyze, fold_accents, term_set, words
from relais.engine.french.questions import QUESTION_WORDS

PREFIX_MIN_CHARS = 4
# Words of a follow-up that carry no point of their own (« et si c'est le cas ? »): fillers and pronouns.
_NO_POINT = frozenset(analyze("cas ça cela ceci marche fonctionne pareil idem aussi alors donc sinon"))


@dataclass(frozen=True)
class NewPoint:
    terms: frozenset[str]  # analysed terms
    words: tuple[str, ...]  # as typed, for the message that says the documentation does not cover them

    def __bool__(self) -> bool:
        return bool(self.terms)


def new_point(follow_up: str, previous: str) -> NewPoint:
    """The content words of ``follow_up`` that ``previous`` does not hold (empty: nothing new)."""
    before = term_set(previous)
    found: dict[str, str] = {}
    for word in words(follow_up, keep_case=True):
        terms = analyze(word)
        if not terms or fold_accents(word.lower()) in STOPWORDS:
            continue
        term = terms[0]
        if term in before or term in QUESTION_WORDS or term in _NO_POINT or len(term) < 2:
            continue
        found.setdefault(term, word)
    return NewPoint(frozenset(found), tuple(found.values()))


def speaks_of(text: str, point: NewPoint) -> bool:
    """Whether the text holds a word of the new point: the same term, or one it begins (see the module)."""
    held = term_set(text)
    return any(_held(term, held) for term in point.terms)


def _held(term: str, held: frozenset[str]) -> bool:
    return term in held or (len(term) >= PREFIX_MIN_CHARS and any(t.startswith(term) for t in held))
