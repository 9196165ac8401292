"""HTML pages: headings, paragraphs, lists and tables; navigation and scripts skipped."""

from __future__ import annotations

import codecs
import re
from typing import Any

from relais.engine.readers.encoding import decode_bytes
from relais.engine.readers.structure import (
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    native_metadata,
    reads_as_heading,
    table_row,
)

_HTML_SKIP = ("script", "style", "nav", "header", "footer", "noscript", "template")
_HTML_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Phrasing elements are folded into their block's text; every other tag starts a new paragraph.
_HTML_INLINE = frozenset(
    {"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i"}
    | {"img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup"}
    | {"time", "tt", "u", "var", "wbr"}
)
_HTML_META_PREFIX = "relais:"  # <meta name="relais:service" content="RH">
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def decode_html(data: bytes) -> str:
    """UTF-8 first; then the page's own <meta charset>, which beats statistical guessing."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if match := _META_CHARSET.search(data[:4096]):
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
            # Browsers read "iso-8859-1" pages as windows-1252 (where œ and € live); so do we.
            return data.decode("cp1252" if encoding in {"iso8859-1", "latin-1"} else encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)


def load_html(text: str, fallback_title: str) -> LoadedDocument:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    if not text.strip():
        raise UnreadableDocument("empty", "contains no text.")
    root = lxml.html.document_fromstring(text)
    for element in list(root.iter(*_HTML_SKIP)):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = " " + (br.tail or "")
    page_title = clean_text(root.findtext(".//title") or "")
    first_h1 = root.find(".//h1")
    h1_text = clean_text(first_h1.text_content()) if first_h1 is not None else ""
    # The first <h1> is the title unless <title> names something else (then it is a real chapter).
    builder = SectionBuilder(absorb_first_h1=not page_title or h1_text.casefold() in page_title.casefold())
    builder.title = page_title
    metadata = native_metadata(
        (name.removeprefix(_HTML_META_PREFIX), meta.get("content"))
        for meta in root.iter("meta")
        if (name := (meta.get("name") or "").strip().casefold()).startswith(_HTML_META_PREFIX)
    )
    body = root.find("body")
    _walk_html(body if body is not None else root, builder)
    return builder.finish(fallback_title, metadata)


def _walk_html(element: Any, builder: SectionBuilder) -> None:
    """Block elements become paragraphs; inline children are folded into their block's text."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HTML_HEADINGS:
        builder.heading(int(tag[1]), element.text_content())
        return
    if tag == "p" and _all_bold(element) and reads_as_heading(element.text_content()):
        builder.implied_heading(element.text_content())  # « <p><strong>Qui est concerné ?</strong></p> »
        return
    if tag == "tr":
        cells = [cell for cell in element if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        # itertext, not text_content: paragraphs or list items inside a cell must not run together.
        builder.paragraph(table_row([" ".join(cell.itertext()) for cell in cells]))
        return
    if tag == "li":
        builder.prefix = "- "
    buffer = [element.text or ""]
    for child in element:
        child_tag = child.tag if isinstance(child.tag, str) else None  # comments have callable tags
        if child_tag in _HTML_INLINE:
            buffer.append(child.text_content())
        elif child_tag is not None:
            builder.paragraph("".join(buffer))
            buffer = []
            _walk_html(child, builder)
        buffer.append(child.tail or "")
    builder.paragraph("".join(buffer))
    if tag == "li":
        builder.prefix = ""


def _all_bold(paragraph: Any) -> bool:
    """Whether all the text of a paragraph sits in its <strong> or <b> children."""
    outside = [paragraph.text or ""]
    for child in paragraph:
        if child.tag not in ("strong", "b"):
            outside.append(child.text_content() if isinstance(child.tag, str) else "")
        outside.append(child.tail or "")
    return not "".join(outside).strip() and bool(paragraph.text_content().strip())
