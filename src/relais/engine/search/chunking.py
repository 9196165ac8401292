"""Heading-aware chunking of a loaded document into passages.

Choices, and why:
- **Paragraphs are the unit.** A passage is a run of whole paragraphs of one
  section, so the extractive answer can quote complete sentences and a
  citation points at a readable block. Only a paragraph longer than the
  maximum is cut, at sentence boundaries (then at words, for pathological text).
- **About 200–400 tokens** (target 300): long enough that a passage holds a rule
  *and* its conditions, short enough that its embedding (multilingual-e5 reads
  512 tokens at most) stays focused and the cited block fits on a phone screen.
- **Sections are boundaries**, except that a section too small to stand alone
  (under the minimum) is merged with the next one; the merged passage keeps the
  common heading path and writes the sub-heading into its text, so nothing of the
  structure is lost.
- **A table cut in two repeats its header row** at the top of the next passage: a row
  is read, embedded and quoted with the names of its columns (« libellé : valeur »).
- **No overlap.** Paragraph alignment already avoids cutting a rule in two, and
  embedding is the most expensive step of ingestion on two cores: overlap would
  cost 15–25 % more embedding time for little gain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from relais.engine.french.analysis import estimate_tokens
from relais.engine.readers.structure import table_cells

TARGET_TOKENS = 300
MAX_TOKENS = 400
MIN_TOKENS = 200


class SectionLike(Protocol):
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Chunk:
    text: str
    heading_path: tuple[str, ...]
    position: int


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÀ-Ý0-9«(\"-])")


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def _split_long(paragraph: str, max_tokens: int) -> list[str]:
    """Cut an over-long paragraph at sentence ends, then at words if needed."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(paragraph):
        candidate = f"{current} {sentence}".strip()
        if current and estimate_tokens(candidate) > max_tokens:
            pieces.append(current)
            candidate = sentence
        current = candidate
    if current:
        pieces.append(current)
    result: list[str] = []
    for piece in pieces:
        result.extend(_split_words(piece, max_tokens) if estimate_tokens(piece) > max_tokens else [piece])
    return result


def _split_words(text: str, max_tokens: int) -> list[str]:
    word_list = text.split()
    max_chars = int(max_tokens * 4.4)
    out: list[str] = []
    current: list[str] = []
    size = 0
    for word in word_list:
        if current and size + len(word) + 1 > max_chars:
            out.append(" ".join(current))
            current, size = [], 0
        current.append(word)
        size += len(word) + 1
    if current:
        out.append(" ".join(current))
    return out


def _common_prefix(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    prefix: list[str] = []
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        prefix.append(x)
    return tuple(prefix)


@dataclass
class _Buffer:
    path: tuple[str, ...] = ()
    parts: list[str] = field(default_factory=list)
    tokens: int = 0
    headed: bool = False  # its sub-heading was written into the text when sections merged

    def empty(self) -> bool:
        return not self.parts


def chunk_sections(
    sections: Iterable[SectionLike],
    *,
    target_tokens: int = TARGET_TOKENS,
    max_tokens: int = MAX_TOKENS,
    min_tokens: int = MIN_TOKENS,
) -> list[Chunk]:
    """Pack each section's paragraphs into passages; see the module docstring."""
    chunks: list[Chunk] = []
    buffer = _Buffer()

    def flush() -> None:
        nonlocal buffer
        if not buffer.empty():
            chunks.append(Chunk("\n\n".join(buffer.parts), buffer.path, len(chunks)))
        buffer = _Buffer()

    for section in sections:
        units = _section_units(section.text, max_tokens)
        if not units:
            continue
        if not buffer.empty():
            # Previous section was too small to stand alone: merge, keeping the
            # sub-headings below the common path visible in the passage text.
            common = _common_prefix(buffer.path, section.heading_path)
            if len(buffer.path) > len(common) and not buffer.headed:
                buffer.parts.insert(0, " > ".join(buffer.path[len(common) :]))
            buffer.path, buffer.headed = common, True
            if len(section.heading_path) > len(common):
                units = [" > ".join(section.heading_path[len(common) :]), *units]
        else:
            buffer = _Buffer(path=section.heading_path)
        header = None  # the header row of the table being packed, if the last unit was one of its rows
        for unit in units:
            size = estimate_tokens(unit)
            is_row = table_cells(unit) is not None
            header = (header or unit) if is_row else None
            # Close the passage once it reaches the target, or before it would pass the maximum.
            if buffer.parts and (buffer.tokens >= target_tokens or buffer.tokens + size > max_tokens):
                flush()
                buffer = _Buffer(path=section.heading_path)
                if is_row and header != unit:  # a table cut in two: its rows still say what their columns are
                    buffer.parts.append(header)
                    buffer.tokens += estimate_tokens(header)
            buffer.parts.append(unit)
            buffer.tokens += size
        if buffer.tokens >= min_tokens:
            flush()
    flush()
    return _merge_tiny_tail(chunks, max_tokens, min_tokens)


def _section_units(text: str, max_tokens: int) -> list[str]:
    units: list[str] = []
    for paragraph in paragraphs(text):
        units.extend(_split_long(paragraph, max_tokens) if estimate_tokens(paragraph) > max_tokens else [paragraph])
    return units


def _merge_tiny_tail(chunks: list[Chunk], max_tokens: int, min_tokens: int) -> list[Chunk]:
    """Fold a last passage far below the minimum into its predecessor when it fits."""
    if len(chunks) < 2:
        return chunks
    last, previous = chunks[-1], chunks[-2]
    merged_size = estimate_tokens(previous.text) + estimate_tokens(last.text)
    if estimate_tokens(last.text) < min_tokens // 2 and merged_size <= max_tokens:
        path = _common_prefix(previous.heading_path, last.heading_path)
        text = previous.text + "\n\n" + last.text
        return [*chunks[:-2], Chunk(text, path, previous.position)]
    return chunks


def embedding_text(title: str, heading_path: Sequence[str], text: str) -> str:
    """What the embedder reads for a passage: its context, then its body."""
    context = " > ".join([title, *heading_path]) if title else " > ".join(heading_path)
    return f"{context}\n{text}" if context else text
