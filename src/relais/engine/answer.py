"""Extractive answers: the most relevant sentences of the best passages, verbatim, with their sources.

No model writes anything here: every word of an answer is a word of a cited
passage, so the « never invent » rule holds by construction. A confidence
level, computed from absolute signals (the raw cosine of the best passage and
how much of the question its text covers), decides between answering and
saying « je n'ai pas trouvé ».
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from relais.engine.text import analyze

AnswerMode = Literal["faq", "extractive", "none"]

NOT_FOUND = "Je n'ai pas trouvé de réponse fiable dans la documentation."


@dataclass(frozen=True)
class Evidence:
    """A retrieved passage with what the composer needs to quote and cite it."""

    passage_id: int
    document_id: int
    document_title: str
    section_path: tuple[str, ...]
    text: str
    dense_score: float  # raw cosine (title-mixed), comparable across questions
    fused_score: float


@dataclass(frozen=True)
class Citation:
    passage_id: int
    document_id: int
    document_title: str
    section_path: tuple[str, ...]
    text: str  # the whole passage, for « voir le passage »
    quote: str  # the sentences of it used in the answer


@dataclass(frozen=True)
class Answer:
    text: str
    mode: AnswerMode
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    suggestions: list[Evidence] = field(default_factory=list)  # closest documents when abstaining


@dataclass(frozen=True)
class Thresholds:
    """Calibrated on demo/questions.yaml (docs/benchmarks.md): below either, Relais abstains."""

    min_dense: float = 0.85
    min_coverage: float = 0.2


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9«(\"])|\n+")


def sentences(text: str) -> list[str]:
    """Sentences and list items of a passage, verbatim."""
    return [s.strip() for s in _SENTENCE_SPLIT.split(text) if s.strip()]


def coverage(question: str, evidence: Evidence) -> float:
    """Share of the question's content terms found in the passage, its title or section path."""
    asked = set(analyze(question))
    if not asked:
        return 0.0
    present = set(analyze(" ".join([evidence.document_title, *evidence.section_path, evidence.text])))
    return len(asked & present) / len(asked)


def confidence(question: str, best: Evidence, thresholds: Thresholds = Thresholds()) -> float:
    """0–1; at or above 0.5 the evidence is strong enough to answer.

    Each signal is scaled so that its threshold maps to 0.5; the weaker of the
    two decides, since a passage must be both semantically close and share the
    question's key words to be trusted.
    """
    dense = 0.5 + (best.dense_score - thresholds.min_dense) / (2 * (1 - thresholds.min_dense))
    lexical = 0.5 + (coverage(question, best) - thresholds.min_coverage) / (2 * (1 - thresholds.min_coverage))
    return round(max(0.0, min(1.0, dense, lexical)), 3)


def _pick_sentences(question: str, text: str, limit: int) -> list[str]:
    asked = set(analyze(question))
    candidates = sentences(text)
    scored = [(len(asked & set(analyze(s))), -i, s) for i, s in enumerate(candidates)]
    best = sorted(scored, reverse=True)[:limit]
    if not best or best[0][0] == 0:
        return candidates[:limit]
    keep = {-neg_index for overlap, neg_index, _ in best if overlap > 0}
    # A sentence ending with « : » introduces a list: keep what it introduces.
    for index in sorted(keep):
        if candidates[index].endswith(":") and index + 1 < len(candidates):
            keep.add(index + 1)
    return [candidates[i] for i in sorted(keep)]


def compose_extractive(
    question: str,
    evidence: Sequence[Evidence],
    thresholds: Thresholds = Thresholds(),
    max_sentences: int = 3,
) -> Answer:
    """Answer from the best passage (and a close second from the same document), or abstain."""
    if not evidence:
        return Answer(NOT_FOUND, "none", 0.0)
    best = evidence[0]
    level = confidence(question, best, thresholds)
    if level < 0.5:
        return Answer(NOT_FOUND, "none", level, suggestions=_distinct_documents(evidence)[:3])
    chosen = [best]
    if len(evidence) > 1:
        second = evidence[1]
        if second.document_id == best.document_id and second.fused_score >= 0.9 * best.fused_score:
            chosen.append(second)
    citations = []
    for item in chosen:
        quote = _join(_pick_sentences(question, item.text, max_sentences))
        citations.append(
            Citation(item.passage_id, item.document_id, item.document_title, item.section_path, item.text, quote)
        )
    text = "\n\n".join(f"{c.quote} [{n}]" for n, c in enumerate(citations, 1))
    return Answer(text, "extractive", level, citations)


def _join(parts: list[str]) -> str:
    """Sentences run on; list items keep their own line."""
    text = ""
    for part in parts:
        separator = "\n" if part.startswith("- ") else " "
        text = f"{text}{separator}{part}" if text else part
    return text


def _distinct_documents(evidence: Sequence[Evidence]) -> list[Evidence]:
    seen: set[int] = set()
    out = []
    for item in evidence:
        if item.document_id not in seen:
            seen.add(item.document_id)
            out.append(item)
    return out
