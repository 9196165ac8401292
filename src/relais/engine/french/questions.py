"""What a French question asks for: how, how many, how long, when, who, where, why — when it says so.

A curated FAQ answer is the answer to *its* question. « Comment poser un jour de RTT ? » and « Combien de jours
de RTT ai-je ? » are about the same thing and close in meaning, yet the second's answer does not answer the
first. The interrogative word is the cheapest sure sign of that: when both questions have one and they differ,
they are not the same question. Most questions (« j'ai droit au télétravail ? ») name no kind: then nothing is
concluded.
"""

from __future__ import annotations

import re

from relais.engine.french.analysis import fold_accents

# Matched on the lower-cased, accent-folded text, as whole words; the longer expressions first (« combien de
# temps » is a duration, « combien » a number).
_KINDS: tuple[tuple[str, str], ...] = (
    ("how_long", r"combien de (?:temps|jours avant|semaines|mois|heures)|en combien de temps"
     r"|quel(?:le)? (?:delai|duree)|pendant combien|jusqu'?a quand|dans quel delai|sous quel delai"),
    ("when", r"a partir de quand|a quelle (?:date|heure|periode)|quel jour|quelle date|quand"),
    ("how_many", r"combien|cb|quel(?:le)? (?:nombre|montant|somme|quantite)"),
    ("how", r"comment|de quelle (?:maniere|facon)|que (?:faire|dois|faut)"),
    # « qui » is interrogative at the start or after a preposition; elsewhere (« les agents qui… ») it is not.
    ("who", r"^(?:et )?qui|(?:a|aupres de|par) qui|quel service|quelle personne"),
    ("why", r"pourquoi"),
)  # fmt: skip
_PATTERNS = tuple((kind, re.compile(rf"(?<![\w'])(?:{pattern})(?!\w)")) for kind, pattern in _KINDS)
# « où » is the only one whose accent matters (« ou » is « or »): looked for before folding.
_WHERE = re.compile(r"(?<!\w)où(?!\w)")
# « Quand je suis malade, que dois-je faire ? »: a « quand » clause closed by a comma is a condition, not the question.
_CONDITION = re.compile(r"(?<![\w'])quand [^,?]*,\s*\S")


def question_kind(question: str) -> str | None:
    """The kind of answer the question asks for, from its first interrogative expression; None when it names none."""
    lower = question.lower().replace("’", "'").strip()
    text = fold_accents(lower)
    text = _CONDITION.sub(lambda match: " " * (len(match.group(0)) - 1) + match.group(0)[-1], text)
    found = [(match.start(), kind) for kind, pattern in _PATTERNS if (match := pattern.search(text))]
    if where := _WHERE.search(lower):
        found.append((where.start(), "where"))
    return min(found)[1] if found else None


# Kinds one answer may serve: a deadline answers « quand ? » as well as « dans quel délai ? », and « combien de
# jours ? » is often « combien de temps ? ». « Comment ? », « qui ? », « où ? », « pourquoi ? » stand alone.
_GROUPS = {"how_many": "amount", "how_long": "amount", "when": "amount"}


def same_kind(question: str, other: str) -> bool:
    """False only when both questions name what they ask for, and not the same thing."""
    first, second = question_kind(question), question_kind(other)
    if first is None or second is None:
        return True
    return _GROUPS.get(first, first) == _GROUPS.get(second, second)
