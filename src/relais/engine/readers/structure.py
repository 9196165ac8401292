"""What every reader produces: a titled document cut into sections under their heading path.

Every format ends up as a `LoadedDocument` whose sections carry their heading path, so that answers
can cite "Guide RH › Congés › Congés annuels" rather than a bare file name. The builder, the text
clean-up and the metadata keys shared by all formats live here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from relais.engine.readers import limits

# A first line longer than this is prose, not a title.
_MAX_TITLE_CHARS = 120


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class LoadedDocument:
    title: str
    sections: tuple[Section, ...]
    metadata: dict[str, str] = field(default_factory=dict)


class UnreadableDocument(Exception):
    """Raised for a file that cannot be ingested; `code` is a stable slug, str(exc) an actionable English
    message for operators, `french` (when set) the reason told to the user who uploaded it, naming the limit.
    Codes: unsupported_type, empty, too_large, too_slow, corrupt, encrypted, not_found."""

    def __init__(self, code: str, message: str, *, french: str = ""):
        super().__init__(message)
        self.code = code
        self.french = french

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the exception picklable (task queues, the reading process) despite the keyword argument.
        return (_rebuild_unreadable, (self.code, str(self), self.french))


def _rebuild_unreadable(code: str, message: str, french: str) -> UnreadableDocument:
    return UnreadableDocument(code, message, french=french)


_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"))


def clean_text(text: str) -> str:
    """NFC + ligature fix + whitespace collapse (NBSPs included), so search sees one spelling of a word."""
    text = unicodedata.normalize("NFC", text).translate(_LIGATURES).translate(_INVISIBLE)
    return " ".join(text.split())


def first_line_title(line: str) -> str:
    """A short first line without a final period reads as a title; anything else is body text."""
    line = clean_text(line)
    if line and len(line) < _MAX_TITLE_CHARS and not line.endswith("."):
        return line
    return ""


# A word of three letters or more standing alone: « F100 », « P1030042 », « 2023-03 » hold none.
_TITLE_WORD = re.compile(r"(?<!\w)[^\W\d_]{3,}(?!\w)")


def title_names_something(title: str) -> bool:
    """Whether a title says what the document is about (one word at least).

    A file without a heading takes its name as title (« F34355.md » → « F34355 »); compared with a question, such
    a code only drags the passages' closeness down — by half, at the index's title weight — so the search lets
    the document's first passage stand in for it, as for a document without any title.
    """
    return bool(_TITLE_WORD.search(title))


# The metadata keys every format can carry in its own native place (Markdown front matter, HTML
# <meta name="relais:KEY">, PDF document information, DOCX custom properties, ODT user-defined fields).
METADATA_KEYS: tuple[str, ...] = ("service", "version", "valid_from", "valid_until", "contact")
_METADATA_ALIASES = {re.sub(r"[\W_]+", "", key): key for key in METADATA_KEYS}  # "ValidFrom" -> valid_from
_DATE_KEYS = frozenset({"valid_from", "valid_until"})
_ISO_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


def native_metadata(pairs: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Keep the known keys out of a format's name/value properties, whatever their spelling
    ("ValidFrom", "valid_from", "Valid from"); a date-time stored for a date keeps its date part."""
    metadata: dict[str, str] = {}
    for name, value in pairs:
        key = _METADATA_ALIASES.get(re.sub(r"[\W_]+", "", str(name)).casefold())
        text = clean_text(str(value)) if value is not None else ""
        if not key or not text or key in metadata:
            continue
        if key in _DATE_KEYS and (match := _ISO_DATE_TIME.match(text)):
            text = match.group(1)
        metadata[key] = text
    return metadata


# A règlement's divisions, which many towns write as plain paragraphs rather than in heading styles: « TITRE II – Le
# temps de travail », « Chapitre 3 : Les congés », « Section 1 », « Article 12 – Le compte épargne-temps », « Art. 4 ».
# Each is read as a heading at its rank (levels below the document's level-1 title), so that its paragraphs form a
# section under it, as if the author had used Word's heading styles.
_DIVISION = re.compile(
    r"^(titre|partie|chapitre|sous-section|section|article|art\.)\s+(?:premier|première|1er|[ivxlc]+|\d+(?:[.-]\d+)*)"
    r"(?![\w'’])(?:\s*[-–—:.]\s*|\s+|$)",
    re.IGNORECASE,
)
_DIVISION_LEVELS = {"titre": 2, "partie": 2, "chapitre": 3, "section": 4, "sous-section": 5, "article": 6, "art.": 6}
MAX_DIVISION_WORDS = 14  # longer, it is a sentence about an article (« Article 3 du décret … prévoit que … »)
_DOT_LEADERS = re.compile(r"\.{4,}|…{2,}")  # a table of contents' line


def division_level(paragraph: str) -> int | None:
    """The heading level of a règlement's division written as a paragraph, None for any other paragraph."""
    text = clean_text(paragraph)
    match = _DIVISION.match(text)
    if match is None or len(text.split()) > MAX_DIVISION_WORDS or _DOT_LEADERS.search(text):
        return None
    if text.endswith((".", ";", ",")) and len(text) > match.end():  # a sentence, not « Art. 4. »
        return None
    return _DIVISION_LEVELS[match.group(1).casefold()]


MAX_BOLD_HEADING_WORDS = 12
# The marks a line ends on when it closes a sentence (or quotes one, or a bracket): a line ending otherwise stops
# mid-sentence or is a heading.
SENTENCE_CLOSERS = tuple(".!?:;»)…")


def word_count(line: str) -> int:
    """Words, not the marks French typography sets apart with a space (« vidéo ? », « municipal : »)."""
    return sum(any(character.isalnum() for character in token) for token in line.split())


def reads_as_heading(text: str) -> bool:
    """Whether a paragraph set all in bold reads as a sub-heading (« Congés d'été », « Qui est concerné ? »): short,
    and no sentence — no closing period, semicolon, comma or exclamation mark, and no colon (« Attention : les jours
    non pris sont perdus » is a warning in bold, to be quoted, not a heading). A règlement's division is not one
    either: SectionBuilder.paragraph gives it a heading at its own rank (``division_level``)."""
    text = clean_text(text)
    short = bool(text) and word_count(text) <= MAX_BOLD_HEADING_WORDS
    sentence = ":" in text or text.endswith((".", ";", ",", "!"))
    return short and not sentence and division_level(text) is None


class SectionBuilder:
    """Accumulates paragraphs under a heading stack and cuts sections whenever the heading changes. A paragraph that
    is a règlement's division (``division_level``) opens a section like a heading."""

    def __init__(self, *, absorb_first_h1: bool) -> None:
        self.title = ""
        # The document's first level-1 heading is its title, not the first element of every path.
        self.absorb_first_h1 = absorb_first_h1
        self.prefix = ""  # "- " while inside a list item, consumed by its first paragraph
        self._stack: list[tuple[int, str]] = []
        self._marked_level = 1  # the level of the last heading the format marked (1: the title)
        self._paragraphs: list[str] = []
        self._sections: list[Section] = []
        self._chars = 0

    def implied_heading(self, text: str) -> None:
        """A heading the format did not mark as one (a paragraph all in bold): one level under the last heading that
        was marked (a styled heading, a règlement's division), so that two of them in a row are siblings."""
        self.heading(self._marked_level + 1, text, marked=False)

    def heading(self, level: int, text: str, *, marked: bool = True) -> None:
        text = clean_text(text)
        if not text:
            return
        if marked:
            self._marked_level = level
        self._flush()
        self.prefix = ""
        if level == 1 and self.absorb_first_h1:
            self.absorb_first_h1 = False
            self.title = self.title or text
            self._stack.clear()
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))

    def paragraph(self, text: str) -> None:
        text = clean_text(text)
        if not self.prefix and table_cells(text) is None and (level := division_level(text)) is not None:
            self.heading(level, text)
            return
        if text:
            self._paragraphs.append(self.prefix + text)
            self.prefix = ""
            self._chars += len(text)
            limits.check_extracted_chars(self._chars)

    def _flush(self) -> None:
        if self._paragraphs:
            path = tuple(heading for _, heading in self._stack)
            self._sections.append(Section(path, "\n\n".join(self._paragraphs)))
            self._paragraphs = []

    def finish(self, fallback_title: str, metadata: dict[str, str] | None = None) -> LoadedDocument:
        self._flush()
        if not self._sections:
            raise UnreadableDocument("empty", "contains no extractable text (a scanned PDF needs OCR first).")
        return LoadedDocument(self.title or fallback_title, tuple(self._sections), metadata or {})


def table_row(cells: Sequence[str]) -> str:
    """A table row as one line, « cell | cell » (every format writes rows so); an empty cell is « — », so that
    a value stays under its column; a row with no text is empty."""
    texts = [" ".join(cell.split()) for cell in cells]
    return " | ".join(text or "—" for text in texts) if any(texts) else ""


def table_cells(paragraph: str) -> list[str] | None:
    """The cells of a paragraph ``table_row`` wrote, None for any other paragraph."""
    line = paragraph.strip()
    return [cell.strip() for cell in line.split(" | ")] if " | " in line and "\n" not in line else None
