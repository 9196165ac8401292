"""French numbers written in words: the one parser (« deux cent cinquante », « quatre-vingt-dix », « dix-sept »).

Shared by the answer-value parser (`french.values`: « dans trois jours ») and the groundedness check
(`answers.grounding`: « deux cent cinquante »); each decides which words it looks for in a text.
"""

from __future__ import annotations

import re

from relais.engine.french.analysis import normalize_for_matching

UNITS = {
    "zero": 0,
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
}

# The words below a hundred that numbers are built from (« soixante-dix » is 60 + 10, « quatre-vingts » 4 × 20).
_SMALL = {**UNITS, "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}


def number_from_words(text: str) -> int:
    """The value of a number in French words, accents and hyphens optional; KeyError for a word that is none."""
    tokens = [t for t in re.split(r"[\s-]+", normalize_for_matching(text)) if t and t != "et"]
    total = current = 0
    previous = ""
    for token in tokens:
        if token in {"cent", "cents"}:
            current = (current or 1) * 100
        elif token == "mille":
            total += (current or 1) * 1000
            current = 0
        elif token in {"million", "millions"}:
            total += (current or 1) * 1_000_000
            current = 0
        elif token in {"vingt", "vingts"} and previous == "quatre":
            current += 76  # « quatre-vingt »: the 4 already counted becomes 80
        else:
            current += _SMALL[token]
        previous = token
    return total + current
