"""Where a French sentence ends: the one sentence splitter of Relais.

A period ends a sentence when an upper-case letter or a digit follows, except after an abbreviation
(« M. », « cf. », « p. »), an initial, or the number of an inline enumeration (« Étapes : 1. Ouvrir… »).
Citation markers after the period (« … avant le départ. [2] Pour… ») stay with the sentence they close.
The extractive composer cuts passages with `sentences`; the groundedness check cuts answers line by line
with `split_line` and reads their citation markers itself.
"""

from __future__ import annotations

import re

from relais.engine.french.analysis import normalize_for_matching

CITATIONS = r"(?:\s*\[\s*\d{1,3}(?:\s*(?:[,;]|[-–])\s*\d{1,3})*\s*\])*"
_BOUNDARY_RE = re.compile(
    rf"[.!?…]+[»\"”’)]*(?P<cites>{CITATIONS})\s+(?=[«\"“(*_]*\s*[A-ZÀ-ÖØ-ÞŒ0-9])",
)
# Followed by a period, these end no sentence (« M. Dupont », « cf. l'article », « p. 12 »).
ABBREVIATIONS = frozenset(
    {
        "m", "mm", "mme", "mmes", "mlle", "mlles", "dr", "pr", "etc", "cf", "p", "pp", "art", "al", "av", "bd",
        "boul", "tel", "fax", "env", "ex", "vol", "chap", "fig", "ref", "st", "ste", "nb", "coll", "dir",
    }
)  # fmt: skip


def _is_boundary(line: str, match: re.Match[str]) -> bool:
    if match.group("cites").strip():
        return True  # a citation after the period closes the sentence
    if not match.group(0).startswith(".") or match.group(0).startswith(".."):
        return True
    end = match.start()
    token = re.search(r"(\S+)$", line[max(0, end - 100) : end])  # a window: no quadratic scan of long lines
    if token is None:
        return False
    word = re.split(r"['’]", token.group(1).lstrip('«("“*_'))[-1]  # « l'art. 12 »: the abbreviation is « art »
    if normalize_for_matching(word) in ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word.isupper()):
        return False
    # « Étapes : 1. Ouvrir … »: an inline enumeration, not a sentence end.
    start = end - len(token.group(1))
    preceding = line[max(0, start - 20) : start].rstrip()[-1:]
    return not (word.isdigit() and len(word) <= 2 and preceding in {"", ":", ";", ".", "!", "?", "]"})


def split_line(line: str) -> list[str]:
    """The sentences of one line, verbatim (each with the citation markers that close it)."""
    parts, start = [], 0
    for match in _BOUNDARY_RE.finditer(line):
        if _is_boundary(line, match):
            end = match.start() + len(match.group(0).rstrip())
            parts.append(line[start:end])
            start = match.end()
    parts.append(line[start:])
    return [p.strip() for p in parts if p.strip()]


def sentences(text: str) -> list[str]:
    """The sentences and list items of a text, verbatim: every line break ends one."""
    return [sentence for line in text.split("\n") for sentence in split_line(line)]
