"""French number words from zéro to seize, accent-folded: the words every French number is built from.

Shared by the answer-value parser (`french_values`: « dans trois jours ») and the groundedness check
(`grounding`: « deux cent cinquante »), which each add the larger words they read.
"""

from __future__ import annotations

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
