"""What a French question asks for: how, how many, how long, when, who, where, why — when it says so.

A curated FAQ answer is the answer to *its* question. « Comment poser un jour de RTT ? » and « Combien de jours
de RTT ai-je ? » are about the same thing and close in meaning, yet the second's answer does not answer the
first. The interrogative word is the cheapest sure sign of that: when both questions have one and they differ,
they are not the same question. Most questions (« j'ai droit au télétravail ? ») name no kind: then nothing is
concluded.
"""

from __future__ import annotations

import re

from relais.engine.french.analysis import STOPWORDS, analyze, fold_accents

# Interrogatives and modal verbs (analysed terms): every question carries some; they say what kind of answer is
# wanted, not what it is about, so the measures of how much of a question a text holds leave them out.
QUESTION_WORDS = frozenset(
    analyze(
        "comment combien quel quelle quels quelles quoi quand pourquoi lequel laquelle "
        "faut falloir doit dois doivent devoir peut peux peuvent pouvoir puis possible faire fais fait font"
    )
)

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
# « raccourci pour verrouiller l'écran quand je quitte le guichet ? », « le vpn me déconnecte quand je fais une
# pause »: inside the question, « quand » and a subject is a clause saying when something happens, not asking it
# (« à partir de quand on peut… » and « jusqu'à quand on a… » still ask; « c'est quand le conseil ? » too).
_CLAUSE = re.compile(
    r"(?<=\S )(?<!de )(?<!a )(?<!jusqu'a )(?<!jusqu'au )quand(?= (?:je|j'|tu|il|elle|on|nous|vous|ils|elles)(?![\w']))"
)


def question_kind(question: str) -> str | None:
    """The kind of answer the question asks for, from its first interrogative expression; None when it names none."""
    lower = question.lower().replace("’", "'").strip()
    text = fold_accents(lower)
    text = _CONDITION.sub(lambda match: " " * (len(match.group(0)) - 1) + match.group(0)[-1], text)
    text = _CLAUSE.sub(lambda match: " " * len(match.group(0)), text)  # blanked, every position kept
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


# --- follow-ups in a conversation -------------------------------------------------------------------------------

# A question in a conversation is read as a follow-up of the previous one (its search gets both) when it says so:
# it opens on a connective (« et pour les contractuels ? », « mais sur un mac ? »), or it is short and either
# points back (« c'est combien ? », « il faut l'accord du chef ? ») or names almost nothing of its own
# (« combien de jours ? »). A short question that names its own subject (« Comment demander une formation ? »)
# stands alone: read with the previous one, it was answered about the previous subject. Written by hand, then
# measured blind on eval/followups/conversations.yaml (bench/follow_ups.py): accuracy 0.800 against 0.625 for the
# rule it replaced (six words or less). Its main miss: long follow-ups that lean on a pronoun (« il a 8 ans, est-ce
# qu'il doit venir… »), left alone because « il » is as often impersonal (« il faut… »).
FOLLOW_UP_MAX_WORDS = 6
_OPENERS = re.compile(r"^(?:et|mais|ou|sinon|aussi|pareil|idem|meme|alors|du coup|dans ce cas|pour|si)(?:\s|$|,)")
_POINTING_BACK = re.compile(
    r"(?<![\w'])(?:(?:ca|cela|ce|cet|cette|ces|celui|celle|ceux|celles|il|elle|ils|elles|lui|leur|leurs"
    r"|la meme|le meme|les memes|pareil)(?![\w])|c')"
)
# Interrogatives and fillers that name no subject (the stop-words aside).
_NO_SUBJECT = frozenset(
    ("comment", "quand", "combien", "quel", "quelle", "quels", "quelles", "pourquoi", "qui", "quoi", "faut",
     "peut", "peux", "dois", "doit", "possible", "faire", "avoir", "etre", "est", "sont", "fait", "cb", "svp",
     "merci", "bonjour", "oui", "non", "ok")
)  # fmt: skip


def is_follow_up(question: str) -> bool:
    """Whether a question asked in a conversation continues the previous one (see above)."""
    text = fold_accents(question.lower().replace("’", "'")).strip()
    if _OPENERS.match(text):
        return True
    words = re.findall(r"[\w']+", text)
    if len(words) > FOLLOW_UP_MAX_WORDS:
        return False
    if _POINTING_BACK.search(text):
        return True
    subject = [w for w in words if len(w) > 2 and w not in STOPWORDS and w not in _NO_SUBJECT]
    return len(subject) < 2
