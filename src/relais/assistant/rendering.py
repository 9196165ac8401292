"""Answers and cited passages shown as formatted text: lists, tables, emphasis, from a safe Markdown subset.

The text comes from documents uploaded by référents (and from an LLM quoting them): it is never trusted as HTML.
It is escaped first (a « <script> » in a passage is shown as text), read as Markdown, then cleaned with nh3
against a strict allow-list: paragraphs, lists, emphasis, tables, code and line breaks, no links, no images, no
attributes but the header cells' ``scope``. The citation markers « [1] » are then linked to their source in the
list under the answer (``#source-<exchange>-<n>``), the only links an answer holds.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "ul", "ol", "li", "strong", "em", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"th": {"scope"}}

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
