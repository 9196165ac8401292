"""PDF (pypdf): bookmarks become headings, lines are re-joined into paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relais.engine.readers import limits
from relais.engine.readers.structure import (
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    first_line_title,
    native_metadata,
)

_BULLET = re.compile(r"^(?:[•▪◦‣●○■□–—*-]|\d{1,3}[.)])\s+(.*)$")
_JUNK_TITLE = re.compile(r"^(?:untitled|sans titre|document\d*)$|\.(?:docx?|odt|pdf|pptx?|xlsx?)$", re.I)


# A bookmarked heading wrapped over more lines than this is not looked for.
_MAX_HEADING_LINES = 4


@dataclass(frozen=True)
class _Bookmark:
    page: int
    level: int
    text: str


def load_pdf(path: Path, fallback_title: str) -> LoadedDocument:
    reader = _open_pdf(path)
    pages = _extract_pages(reader)
    meta_title = _pdf_meta_title(reader)
    outline = _pdf_outline(reader)
    first_lines = next((lines for lines in pages if lines), [])
    first_line = clean_text(first_lines[0]) if first_lines else ""
    title = meta_title
    if not title and outline and first_line and outline[0].text.casefold().startswith(first_line.casefold()):
        title = outline[0].text  # a title wrapped over two lines is whole in its bookmark
    title = title or first_line_title(first_line)
    # A first bookmark that names the document marks the title lines: they are dropped like a heading's.
    title_mark = outline[0] if outline and title and outline[0].text.casefold() == title.casefold() else None
    if title and not title_mark and first_line == title:
        del first_lines[0]  # the title line would otherwise open the body
    builder = SectionBuilder(absorb_first_h1=False)
    builder.title = title
    pending: list[_Bookmark] = []
    for number, lines in enumerate(pages):
        # A heading sits on its bookmark's page, or at worst on the next one: older bookmarks are not looked for.
        pending[:] = [bookmark for bookmark in pending if bookmark.page >= number - 1]
        pending.extend(bookmark for bookmark in outline if bookmark.page == number)
        for block in _pdf_blocks(lines, pending):
            if isinstance(block, str):
                builder.paragraph(block)
            elif block is not title_mark:
                builder.heading(block.level, block.text)
    metadata = ({"title": meta_title} if meta_title else {}) | _pdf_custom_info(reader)
    return builder.finish(fallback_title, metadata)


def _pdf_custom_info(reader: Any) -> dict[str, str]:
    """Document information entries /Service, /Version, /ValidFrom, /ValidUntil, /Contact."""
    try:
        info = reader.metadata or {}
        return native_metadata((str(key).lstrip("/"), info[key]) for key in list(info))
    except Exception:  # a damaged information dictionary only costs the metadata, never the text
        return {}


def _pdf_outline(reader: Any) -> list[_Bookmark]:
    """The bookmarks in reading order; Word and LibreOffice export one per heading, so they give the headings back."""
    bookmarks: list[_Bookmark] = []

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):  # the children of the bookmark just before
                walk(item, level + 1)
                continue
            text = clean_text(str(item.title or ""))
            page = reader.get_destination_page_number(item)
            if text and isinstance(page, int) and page >= 0:
                bookmarks.append(_Bookmark(page, level, text))

    try:
        walk(reader.outline, 1)
    except Exception:  # a damaged outline only costs the headings, never the text
        return []
    return bookmarks


def _pdf_blocks(lines: list[str], pending: list[_Bookmark]) -> Iterator[str | _Bookmark]:
    """A page's paragraphs, cut at the lines that spell a pending bookmark (its heading, maybe wrapped)."""
    body: list[str] = []
    index = 0
    while index < len(lines):
        found = _match_bookmark(lines, index, pending)
        if found is None:
            body.append(lines[index])
            index += 1
            continue
        bookmark, index = found
        yield from _pdf_paragraphs(body)
        body = []
        del pending[: pending.index(bookmark) + 1]  # earlier bookmarks not found by now are not in the text
        yield bookmark
    yield from _pdf_paragraphs(body)


def _match_bookmark(lines: list[str], start: int, pending: list[_Bookmark]) -> tuple[_Bookmark, int] | None:
    """The pending bookmark whose text the lines from `start` spell exactly, and the index after them."""
    text = ""
    for end in range(start, min(len(lines), start + _MAX_HEADING_LINES)):
        line = clean_text(lines[end]).casefold()
        if not line:
            return None
        text = f"{text} {line}".lstrip()
        candidates = [bookmark for bookmark in pending if bookmark.text.casefold().startswith(text)]
        for bookmark in candidates:
            if bookmark.text.casefold() == text:
                return bookmark, end + 1
        if not candidates:
            return None
    return None


def _open_pdf(path: Path) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    reader = PdfReader(path)
    if reader.is_encrypted:
        # Many "protected" PDFs only restrict printing/copying and open with an empty user password.
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise UnreadableDocument(
                "encrypted", "is AES-encrypted and needs the 'cryptography' package; remove the protection."
            ) from exc
        if not opened:
            raise UnreadableDocument("encrypted", "is password-protected; ask its author for an unprotected copy.")
    return reader


def _pdf_meta_title(reader: Any) -> str:
    title = clean_text(str((reader.metadata or {}).get("/Title") or ""))
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    return "" if _JUNK_TITLE.search(title) else title


def _extract_pages(reader: Any) -> list[list[str]]:
    """Every page's lines, stopping as soon as the document holds too many pages or too much text."""
    limits.check_pdf_pages(len(reader.pages))
    _check_content_size(reader)
    pages, chars = [], 0
    for page in reader.pages:
        pages.append(_page_lines(page))
        chars += sum(len(line) for line in pages[-1])
        limits.check_extracted_chars(chars)
    return pages


def _check_content_size(reader: Any) -> None:
    """Refuse, before any text is extracted, a PDF whose pages draw too much: pages may share one content stream,
    so a few KB of file can make the extractor interpret gigabytes. Each stream is decoded once."""
    from pypdf.generic import ArrayObject

    sizes: dict[tuple[int, int] | int, int] = {}
    total = 0
    for page in reader.pages:
        contents = page.get("/Contents")
        contents = contents.get_object() if contents is not None else None
        for ref in contents if isinstance(contents, ArrayObject) else [contents] if contents is not None else []:
            key = (ref.idnum, ref.generation) if hasattr(ref, "idnum") else id(ref)
            if key not in sizes:
                sizes[key] = len(ref.get_object().get_data())
            total += sizes[key]
        limits.check_pdf_content(total)


def _page_lines(page: Any) -> list[str]:
    return (page.extract_text() or "").splitlines()


def _pdf_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """PDF text has no paragraph markup: break on blank lines, bullets, and sentence ends at line ends."""
    current: list[str] = []
    for raw in lines:
        line = raw.strip()
        bullet = _BULLET.match(line)
        ends_sentence = bool(current) and current[-1].endswith((".", "!", "?"))
        if not line or bullet or (ends_sentence and line[:1].isupper()):
            if current:
                yield " ".join(current)
            current = [f"- {bullet.group(1)}"] if bullet else []
        if line and not bullet:
            current.append(line)
    if current:
        yield " ".join(current)
