"""Answers and cited passages shown as formatted text: lists, tables, emphasis, from a safe Markdown subset.

The text comes from documents uploaded by référents (and from an LLM quoting them): it is never trusted as HTML.
It is escaped first (a « <script> » in a passage is shown as text), read as Markdown, then cleaned with nh3
against a strict allow-list: paragraphs, lists, emphasis, tables, code and line breaks, no links, no images, no
attributes but the header cells' ``scope``. The citation markers « [1] » are then linked to their source in the
list under the answer (``#source-<exchange>-<n>``), the only links an answer holds.

A document's page (``render_document``) shows its passages the same way, with the structure the readers flattened
into them brought back: list items (« - … »), table rows (« cell | cell », one paragraph each) and headings (each
passage's section path, and the sub-headings the chunker writes into a passage's text, « A > B ») become lists,
tables and headings from ``<h2>`` down, under the page's ``<h1>``, never skipping a level.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "em", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"th": {"scope"}}
DOCUMENT_TAGS = ALLOWED_TAGS | {"h2", "h3", "h4", "h5", "h6"}

_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,3}[.)])\s+\S")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$")
_MARKER = re.compile(r"\[(\d{1,2})\]")


def _kind(line: str) -> str:
    if not line.strip():
        return "blank"
    if _TABLE_ROW.match(line):
        return "table"
    if _LIST_ITEM.match(line):
        return "list"
    return "text"


def _blocks(text: str) -> str:
    """Separate lists and tables from the text around them by a blank line, as Markdown needs them.

    The extracts put a list right under the sentence that introduces it (« Les pièces : » then « - … »), which
    Markdown would read as one paragraph. Running text loses its indentation (never a code block) and its
    heading marks (a title reads in bold: the answer sits under the question's heading); list items keep their
    indentation (nested lists), and an indented line under an item continues it.
    """
    lines: list[str] = []
    previous = "blank"
    for raw in text.replace("\r\n", "\n").split("\n"):
        kind = _kind(raw)
        if kind == "text" and previous == "list" and raw.startswith((" ", "\t")):
            kind = "list"
        if kind != "blank" and previous != "blank" and kind != previous:
            lines.append("")
        line = raw.rstrip() if kind == "list" else raw.strip()
        lines.append(_HEADING.sub(r"**\1**", line) if kind == "text" else line)
        previous = kind
    return "\n".join(lines)


def safe_markdown(text: str) -> str:
    """The text as cleaned HTML (a str, not yet marked safe): escaped, Markdown, allow-list."""
    escaped = html.escape(text or "", quote=False)
    rendered = markdown.markdown(_blocks(escaped), extensions=["tables", "sane_lists", "nl2br"])
    # Column headers, for screen readers (the tables extension writes a bare <th>, with a style when aligned:
    # the style goes with nh3, the scope is added first).
    rendered = re.sub(r"<th(?=[\s>])[^>]*>", '<th scope="col">', rendered)
    return nh3.clean(rendered, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES)


def render_answer(text: str, exchange_id: int | None = None, sources: int = 0) -> SafeString:
    """An answer as HTML; with an exchange, its markers « [n] » (n up to ``sources``) link to the cited source."""
    cleaned = safe_markdown(text)
    if exchange_id is not None and sources:

        def link(match: re.Match) -> str:
            number = int(match[1])
            if not 1 <= number <= sources:
                return match[0]
            # The name starts with what is shown (WCAG 2.5.3), and the text read stays « [n] ».
            return (
                f'<a class="citation-ref" href="#source-{exchange_id}-{number}" '
                f'aria-label="[{number}] voir la source {number}">[{number}]</a>'
            )

        # Markers only ever appear in text: nh3 left no attribute that could hold one.
        cleaned = _MARKER.sub(link, cleaned)
    return mark_safe(cleaned)  # escaped, then cleaned against the allow-list above


# A document's page. Readers write a table row as « cell | cell » (structure.table_row), a list item as « - … »,
# and the chunker writes the sub-headings of merged sections into the text as « A > B » on a line of its own.
_CELL_SEPARATOR = " | "
_PATH_SEPARATOR = " > "
_MAX_HEADING_CHARS = 120  # as the readers' titles (structure._MAX_TITLE_CHARS)
_NOT_A_HEADING_END = (".", ",", ";", ":", "!", "…")  # a sentence; « Combien de jours de congé ? » is a heading
_LEADING_HASHES = re.compile(r"^(#+)")


class _Outline:
    """The headings open so far on a document's page, so that each is written once and none skips a level."""

    def __init__(self) -> None:
        self.open: tuple[str, ...] = ()

    def enter(self, path: Sequence[str], *, new_section: bool) -> list[str]:
        """Markdown headings for ``path``: those not already open, at level 2 + depth (at most 6).

        A passage whose section path is the open one or above it (the chunker keeps only the common part of merged
        sections) opens nothing; a sub-heading written in a passage's text always opens its last part.
        """
        path = tuple(path)
        if not new_section and self.open[: len(path)] == path:
            return []
        common = next((i for i, (a, b) in enumerate(zip(path, self.open, strict=False)) if a != b), None)
        common = min(len(path), len(self.open)) if common is None else common
        if new_section:
            common = min(common, len(path) - 1)
        self.open = path
        return [f"{'#' * min(6, 2 + depth)} {_inline(path[depth])}" for depth in range(common, len(path))]


def _inline(text: str) -> str:
    """Escaped text for one Markdown line: no HTML, no heading mark of its own."""
    return _LEADING_HASHES.sub(lambda match: "\\#" * len(match[1]), html.escape(text, quote=False))


def _paragraph_kind(paragraph: str) -> tuple[str, int]:
    if _LIST_ITEM.match(paragraph):
        return "list", 0
    cells = paragraph.split(_CELL_SEPARATOR)
    return ("row", len(cells)) if len(cells) > 1 else ("text", 0)


def _is_heading(paragraph: str) -> bool:
    """A sub-heading the chunker wrote: short parts, a capital first, no sentence end."""
    parts = paragraph.split(_PATH_SEPARATOR)
    return (
        (paragraph[:1].isupper() or paragraph[:1].isdigit())
        and not paragraph.endswith(_NOT_A_HEADING_END)
        and all(0 < len(part) <= _MAX_HEADING_CHARS for part in parts)
    )


def _table(rows: list[str]) -> str:
    """Rows of « cell | cell » as a Markdown table, the first row as its header (as every reader writes them)."""

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(_inline(cell).replace("|", "\\|") for cell in cells) + " |"

    cells = [row.split(_CELL_SEPARATOR) for row in rows]
    return "\n".join([line(cells[0]), line(["---"] * len(cells[0])), *(line(row) for row in cells[1:])])


def _passage_markdown(path: Sequence[str], text: str, outline: _Outline) -> str:
    blocks = outline.enter(path, new_section=False)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    position = 0
    for (kind, _), group in itertools.groupby(paragraphs, key=_paragraph_kind):
        run = list(group)
        position += len(run)
        if kind == "list":
            blocks.append("\n".join(_inline(item) for item in run))
        elif kind == "row" and len(run) > 1:
            blocks.append(_table(run))
        else:
            for index, paragraph in enumerate(run, start=position - len(run)):
                followed = index + 1 < len(paragraphs)  # a heading introduces something: never a passage's last
                if kind == "text" and followed and _is_heading(paragraph):
                    blocks += outline.enter([*path, *paragraph.split(_PATH_SEPARATOR)], new_section=True)
                else:
                    blocks.append(_inline(paragraph))
    return "\n\n".join(blocks)


def render_document(passages: Sequence[tuple[Sequence[str], str]]) -> list[SafeString]:
    """A document's passages (section path, text), in order, each as safe HTML under the page's ``<h1>``."""
    outline = _Outline()
    rendered = []
    for path, text in passages:
        html_text = markdown.markdown(_passage_markdown(path, text, outline), extensions=["tables", "sane_lists"])
        html_text = re.sub(r"<th(?=[\s>])[^>]*>", '<th scope="col">', html_text)
        cleaned = nh3.clean(html_text, tags=DOCUMENT_TAGS, attributes=ALLOWED_ATTRIBUTES)
        rendered.append(mark_safe(cleaned))  # escaped, then cleaned against the allow-list
    return rendered
