"""PDF (pypdf): bookmarks become headings, lines are re-joined into paragraphs."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from relais.engine.readers import limits
from relais.engine.readers.structure import (
    SENTENCE_CLOSERS,
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    division_level,
    first_line_title,
    native_metadata,
    table_cells,
    table_row,
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
    unfinished = ""  # the last paragraph of the previous page, when its sentence runs on to this page
    for number, lines in enumerate(pages):
        # A heading sits on its bookmark's page, or at worst on the next one: older bookmarks are not looked for.
        pending[:] = [bookmark for bookmark in pending if bookmark.page >= number - 1]
        pending.extend(bookmark for bookmark in outline if bookmark.page == number)
        blocks = list(_pdf_blocks(lines, pending))
        if unfinished and blocks and isinstance(blocks[0], str) and _continues(blocks[0]):
            blocks[0] = f"{unfinished} {blocks[0]}"
        elif unfinished:
            builder.paragraph(unfinished)
        last = blocks[-1] if blocks else None
        unfinished = last if isinstance(last, str) and _runs_on(last) else ""
        if unfinished:
            blocks.pop()
        for block in blocks:
            if isinstance(block, str):
                builder.paragraph(block)
            elif block is not title_mark:
                builder.heading(block.level, block.text)
    if unfinished:
        builder.paragraph(unfinished)
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


def _runs_on(paragraph: str) -> bool:
    """Whether a page's last paragraph stops mid-sentence (« … doit être noté dans le »): no closing mark, no row."""
    return not paragraph.rstrip().endswith(SENTENCE_CLOSERS) and table_cells(paragraph) is None


def _continues(paragraph: str) -> bool:
    """Whether a page's first paragraph goes on with the previous page's sentence: it starts in lower case
    (« registre santé et sécurité au travail, disponible… »), as no heading, running header or new sentence does."""
    return paragraph[:1].islower()


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
    """The page's lines, its table rows written « cell | cell » (``table_row``) rather than run together."""
    lines = (page.extract_text() or "").splitlines()
    return with_rows(lines, table_rows(page.extract_text(extraction_mode="layout") or ""))


# --- tables -------------------------------------------------------------------------------------------------------
# pypdf's plain text runs a table's cells together (« Commune de Paris 140 € »); its layout mode keeps them apart by
# runs of spaces, at the same columns from row to row, a row's wrapped cells on lines of their own between blank
# lines. A table is kept only when it is that clear: lines of 2 to 8 cells at least 3 spaces apart, at least 2 rows
# whose cells start at the same columns. Justified prose, which also has runs of spaces, never lines them up.
_CELL_GAP = re.compile(r" {3,}")
_MAX_COLUMNS = 8
_COLUMN_SLACK = 2  # characters a cell may start off its column
_MAX_ROW_LINES = 8  # plain-text lines one row may be spread over
_MAX_COLUMN_SETS = 20  # sets of columns tried for one block
Cells = list[tuple[int, str]]  # (start column, text) of each piece of a line


def table_rows(layout_text: str) -> list[list[str]]:
    """The table rows of a page's layout-mode text, each as its cells."""
    rows: list[list[str]] = []
    block: list[Cells | None] = []  # lines that may be a table's; None: a blank line
    for line in [*layout_text.splitlines(), "end"]:
        pieces = _pieces(line)
        if not line.strip():
            block.append(None)
        elif len(pieces) >= 2 or (pieces and pieces[0][0] > 0):  # a row, or a wrapped cell's line
            block.append(pieces)
        else:  # prose at the margin, or a line of too many pieces (justified): the block ends
            rows += _block_rows(block)
            block = []
    return rows


def _pieces(line: str) -> Cells:
    """(start column, text) of each run of text of a line, or [] for more than _MAX_COLUMNS of them."""
    found, position = [], 0
    for piece in _CELL_GAP.split(line.rstrip()):
        if piece.strip():
            start = line.index(piece, position)
            found.append((start + len(piece) - len(piece.lstrip()), " ".join(piece.split())))
            position = start + len(piece)
    return found if len(found) <= _MAX_COLUMNS else []


def _block_rows(block: list[Cells | None]) -> list[list[str]]:
    """The rows of the table in a block: the columns are those of the line most other lines line up with; lines
    between two blank lines (or off the columns) make one row, its wrapped cells put back together."""
    lines = [line for line in block if line]
    # Each distinct set of columns once, the first few only: a real table has one or two, and a page built to be
    # slow to read must not cost lines × lines.
    distinct = dict.fromkeys(tuple(start for start, _ in line) for line in lines if len(line) >= 2)
    candidates = [list(found) for found in list(distinct)[:_MAX_COLUMN_SETS]]
    if not candidates:
        return []
    columns = max(candidates, key=lambda found: (sum(_on(line, found) for line in lines), len(found)))
    if sum(len(line) >= 2 and _on(line, columns) for line in lines) < 2:
        return []
    rows, group = [], []
    for line in [*block, None]:
        if line is not None and _on(line, columns):
            group.append(line)
            continue
        rows += _row(group, columns)
        group = []
    return rows if len(rows) >= 2 else []


def _column(start: int, columns: list[int]) -> int | None:
    return next((n for n, column in enumerate(columns) if abs(start - column) <= _COLUMN_SLACK), None)


def _on(line: Cells, columns: list[int]) -> bool:
    return all(_column(start, columns) is not None for start, _ in line)


def _row(group: list[Cells], columns: list[int]) -> list[list[str]]:
    """The rows these lines spell: one row when one line only opens the first column (the others hold its wrapped
    cells), else one per line that fills every column (a table without space between its rows)."""
    opening = [line for line in group if _column(line[0][0], columns) == 0]
    if len(opening) != 1:
        return [[text for _, text in line] for line in group if len(line) == len(columns)]
    cells: list[list[str]] = [[] for _ in columns]
    for line in group:
        for start, text in line:
            cells[_column(start, columns) or 0].append(text)  # every piece is on a column (_on)
    return [[" ".join(parts) for parts in cells]] if all(cells) else []


def with_rows(lines: list[str], rows: list[list[str]]) -> list[str]:
    """The plain-text lines with each table row's lines (a run of consecutive lines holding exactly its words, in
    whatever order the plain text gave them) replaced by the row, « cell | cell »."""
    wanted: dict[tuple[str, ...], list[list[str]]] = {}
    for cells in rows:
        wanted.setdefault(tuple(sorted(" ".join(cells).split())), []).append(cells)
    out: list[str] = []
    index = 0
    while index < len(lines):
        for end in range(index + 1, min(len(lines), index + _MAX_ROW_LINES) + 1):
            same_words = wanted.get(tuple(sorted(" ".join(lines[index:end]).split())))
            if same_words:
                out.append(table_row(same_words.pop(0)))
                index = end
                break
        else:
            out.append(lines[index])
            index += 1
    return out


def _pdf_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """PDF text has no paragraph markup: break on blank lines, bullets, table rows, a règlement's divisions
    (« Article 12 – … », on a line that starts a paragraph) and sentence ends at line ends."""
    current: list[str] = []
    for raw in lines:
        line = raw.strip()
        ends_sentence = bool(current) and current[-1].endswith((".", "!", "?"))
        starts = not current or ends_sentence or current[-1].endswith(":")
        if table_cells(line) is not None or (starts and division_level(line) is not None):
            if current:
                yield " ".join(current)
            current = []
            yield line  # a paragraph of its own: a row (_page_lines), or a heading for SectionBuilder
            continue
        bullet = _BULLET.match(line)
        if not line or bullet or (ends_sentence and line[:1].isupper()):
            if current:
                yield " ".join(current)
            current = [f"- {bullet.group(1)}"] if bullet else []
        if line and not bullet:
            current.append(line)
    if current:
        yield " ".join(current)
