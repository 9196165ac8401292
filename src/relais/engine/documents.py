"""Turn the commune's source documents into titled, sectioned plain text.

Pure Python on purpose (no Django): the ingestion pipeline, the CLI and the benchmarks all call it.
Every format ends up as a `LoadedDocument` whose sections carry their heading path, so that answers
can cite "Guide RH › Congés › Congés annuels" rather than a bare file name.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bumped when what a reader extracts from a file changes (2: table rows read as « cell | cell » lines in every
# format): the next ingestion re-reads every document read by an older version (its revision is kept).
READER_VERSION = 2

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx", ".odt"})
TEXT_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown", ".txt", ".html", ".htm"})
DEFAULT_MAX_BYTES = 50 * 1024 * 1024

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
    message for operators. Codes: unsupported_type, empty, too_large, corrupt, encrypted, not_found."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        # Keeps the exception picklable (task queues, multiprocessing) despite the two-argument __init__.
        return (type(self), (self.code, str(self)))


# --------------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------------


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedDocument:
    """Load any supported file; every failure surfaces as UnreadableDocument, never a library error."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(
            "unsupported_type",
            f"{path.name}: file type {suffix or '(none)'!r} is not supported; "
            f"convert it to one of {', '.join(sorted(SUPPORTED_SUFFIXES))}.",
        )
    _check_size(path, max_bytes)
    fallback = _title_from_stem(path.stem)
    try:
        return _load_by_suffix(path, suffix, fallback)
    except UnreadableDocument as exc:
        raise UnreadableDocument(exc.code, f"{path.name}: {exc}") from exc
    except Exception as exc:  # any parser failure means the file itself is damaged
        raise UnreadableDocument(
            "corrupt",
            f"{path.name}: could not be parsed as {suffix} ({type(exc).__name__}: {exc}); "
            "open and re-save it, or export it again from the source application.",
        ) from exc


def load_text(text: str, *, suffix: str = ".md", fallback_title: str = "") -> LoadedDocument:
    """Parse already-decoded Markdown, plain text or HTML."""
    suffix = suffix.lower() if suffix.startswith(".") else f".{suffix.lower()}"
    text = text.removeprefix("\ufeff")
    if suffix in {".md", ".markdown"}:
        return _load_markdown(text, fallback_title)
    if suffix == ".txt":
        return _load_plain(text, fallback_title)
    if suffix in {".html", ".htm"}:
        return _load_html(text, fallback_title)
    raise UnreadableDocument(
        "unsupported_type",
        f"load_text handles {', '.join(sorted(TEXT_SUFFIXES))} only; use load_document for {suffix} files.",
    )


def decode_bytes(data: bytes) -> str:
    """Decode a text file: BOM, then strict UTF-8, then detection biased towards Windows-1252.

    charset-normalizer often mistakes short French Windows-1252 text for cp1250 (é stays é but
    à becomes ŕ), so when it settles on any single-byte code page and cp1252 is a plausible
    candidate, cp1252 wins: it is what legacy French office files are written in.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        text = data.decode("utf-8")
        if "\x00" not in text:  # NULs mean UTF-16 without BOM that happened to be valid UTF-8
            return text
    except UnicodeDecodeError:
        pass
    return _detect_and_decode(data)


# BOM order matters: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _detect_and_decode(data: bytes) -> str:
    from charset_normalizer import from_bytes

    candidates = [match.encoding for match in from_bytes(data)]
    if not candidates:
        raise UnreadableDocument("corrupt", "does not look like text in any known encoding; re-save it as UTF-8 text.")
    best = candidates[0]
    if not best.startswith("utf") and "cp1252" in candidates:
        best = "cp1252"
    return data.decode(best)


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})
_INVISIBLE = dict.fromkeys(map(ord, "\xad\u200b\u200c\u200d\u2060\ufeff"))


def _norm(text: str) -> str:
    """NFC + ligature fix + whitespace collapse (NBSPs included), so search sees one spelling of a word."""
    text = unicodedata.normalize("NFC", text).translate(_LIGATURES).translate(_INVISIBLE)
    return " ".join(text.split())


def _title_from_stem(stem: str) -> str:
    words = " ".join(re.sub(r"[-_]+", " ", stem).split())
    return words[:1].upper() + words[1:]


def _first_line_title(line: str) -> str:
    """A short first line without a final period reads as a title; anything else is body text."""
    line = _norm(line)
    if line and len(line) < _MAX_TITLE_CHARS and not line.endswith("."):
        return line
    return ""


def _check_size(path: Path, max_bytes: int) -> None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UnreadableDocument("not_found", f"{path}: file not found; check the path.") from None
    except OSError as exc:
        raise UnreadableDocument("not_found", f"{path}: cannot be accessed ({exc.strerror}).") from exc
    if not path.is_file():
        raise UnreadableDocument("not_found", f"{path}: is not a regular file.")
    if stat.st_size > max_bytes:
        raise UnreadableDocument(
            "too_large",
            f"{path.name}: {stat.st_size / 1_048_576:.1f} MiB exceeds the {max_bytes / 1_048_576:.1f} MiB "
            "limit; split the document or raise the limit.",
        )
    if stat.st_size == 0:
        raise UnreadableDocument("empty", f"{path.name}: file is empty (0 bytes).")


# The metadata keys every format can carry in its own native place (Markdown front matter, HTML
# <meta name="relais:KEY">, PDF document information, DOCX custom properties, ODT user-defined fields).
METADATA_KEYS: tuple[str, ...] = ("service", "version", "valid_from", "valid_until", "contact")
_METADATA_ALIASES = {re.sub(r"[\W_]+", "", key): key for key in METADATA_KEYS}  # "ValidFrom" -> valid_from
_DATE_KEYS = frozenset({"valid_from", "valid_until"})
_ISO_DATE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


def _native_metadata(pairs: Iterable[tuple[str, object]]) -> dict[str, str]:
    """Keep the known keys out of a format's name/value properties, whatever their spelling
    ("ValidFrom", "valid_from", "Valid from"); a date-time stored for a date keeps its date part."""
    metadata: dict[str, str] = {}
    for name, value in pairs:
        key = _METADATA_ALIASES.get(re.sub(r"[\W_]+", "", str(name)).casefold())
        text = _norm(str(value)) if value is not None else ""
        if not key or not text or key in metadata:
            continue
        if key in _DATE_KEYS and (match := _ISO_DATE_TIME.match(text)):
            text = match.group(1)
        metadata[key] = text
    return metadata


class _Builder:
    """Accumulates paragraphs under a heading stack and cuts sections whenever the heading changes."""

    def __init__(self, *, absorb_first_h1: bool) -> None:
        self.title = ""
        # The document's first level-1 heading is its title, not the first element of every path.
        self.absorb_first_h1 = absorb_first_h1
        self.prefix = ""  # "- " while inside a list item, consumed by its first paragraph
        self._stack: list[tuple[int, str]] = []
        self._paragraphs: list[str] = []
        self._sections: list[Section] = []

    def heading(self, level: int, text: str) -> None:
        text = _norm(text)
        if not text:
            return
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
        text = _norm(text)
        if text:
            self._paragraphs.append(self.prefix + text)
            self.prefix = ""

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


def _load_by_suffix(path: Path, suffix: str, fallback: str) -> LoadedDocument:
    if suffix == ".pdf":
        return _load_pdf(path, fallback)
    if suffix == ".docx":
        return _load_docx(path, fallback)
    if suffix == ".odt":
        return _load_odt(path, fallback)
    data = path.read_bytes()
    text = _decode_html(data) if suffix in {".html", ".htm"} else decode_bytes(data)
    return load_text(text, suffix=suffix, fallback_title=fallback)


# --------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
_FRONT_MATTER_KEY = re.compile(r"\s*[\w-]+\s*:(?:\s|$)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: keep the alt text only
    (re.compile(r"\[([^\]]+)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)"), r"\1 (\2)"),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?!\w)"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # not inside snake_case names
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])"), r"\1"),
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def _strip_inline(text: str) -> str:
    """Drop light Markdown emphasis; code spans are kept verbatim so `**kwargs` survives."""
    parts = _CODE_SPAN.split(text)
    out: list[str] = []
    # split() yields [text, ticks, code, text, ticks, code, ..., text]
    for index in range(0, len(parts), 3):
        chunk = parts[index]
        for pattern, replacement in _INLINE_RULES:
            chunk = pattern.sub(replacement, chunk)
        out.append(chunk)
        if index + 2 < len(parts):
            out.append(parts[index + 2].strip())
    return "".join(out)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    import yaml

    block = match.group(1)
    try:
        data = yaml.safe_load(block) or {}
    except yaml.YAMLError as exc:
        data = exc
    if isinstance(data, dict):
        return {str(key): _meta_value(value) for key, value in data.items()}, text[match.end() :]
    # A leading "---" may just be a horizontal rule; only complain when the block looks like metadata.
    if _FRONT_MATTER_KEY.match(block):
        raise UnreadableDocument(
            "corrupt", "its YAML front matter is invalid; fix the 'key: value' block between the '---' lines."
        )
    return {}, text


def _meta_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


class _MarkdownParagraphs:
    """Line buffer for the paragraph or list item being read."""

    def __init__(self, builder: _Builder) -> None:
        self.builder = builder
        self.lines: list[str] = []
        self.is_item = False

    def flush(self) -> None:
        if self.lines:
            self.builder.prefix = "- " if self.is_item else ""
            self.builder.paragraph(_strip_inline(" ".join(self.lines)))
        self.lines, self.is_item = [], False

    def start(self, line: str, *, is_item: bool) -> None:
        self.flush()
        self.lines, self.is_item = [line], is_item


def _load_markdown(text: str, fallback_title: str) -> LoadedDocument:
    metadata, body = _front_matter(text)
    builder = _Builder(absorb_first_h1=True)
    _parse_markdown_lines(_HTML_COMMENT.sub("", body).splitlines(), builder)
    builder.title = builder.title or _norm(metadata.get("title", ""))
    return builder.finish(fallback_title, metadata)


def _parse_markdown_lines(lines: list[str], builder: _Builder) -> None:
    para = _MarkdownParagraphs(builder)
    fence = ""
    for line in lines:
        if fence:  # inside a fenced code block: keep the text, never read it as headings
            if line.strip().startswith(fence):
                fence = ""
                para.flush()
            else:
                para.lines.append(line)
            continue
        if match := _FENCE.match(line):
            para.flush()
            fence = match.group(1)[0] * 3
        elif not line.strip():
            para.flush()
        elif match := _ATX.match(line):
            para.flush()
            builder.heading(len(match.group(1)), _strip_inline(match.group(2) or ""))
        elif (match := _SETEXT.match(line)) and len(para.lines) == 1 and not para.is_item:
            heading, para.lines = para.lines[0], []
            builder.heading(1 if match.group(1)[0] == "=" else 2, _strip_inline(heading))
        elif _RULE.match(line):
            para.flush()
        else:
            _markdown_text_line(line, para)
    para.flush()


def table_row(cells: Sequence[str]) -> str:
    """A table row as one line, « cell | cell » (every format writes rows so); an empty cell is « — », so that
    a value stays under its column; a row with no text is empty."""
    texts = [" ".join(cell.split()) for cell in cells]
    return " | ".join(text or "—" for text in texts) if any(texts) else ""


def _markdown_text_line(line: str, para: _MarkdownParagraphs) -> None:
    stripped = re.sub(r"^\s*(?:>\s?)+", "", line).strip()  # blockquotes read as plain paragraphs
    if match := _LIST_ITEM.match(stripped):
        para.start(match.group(1), is_item=True)
    elif stripped.startswith("|"):
        if not _TABLE_SEPARATOR.match(stripped):
            para.start(table_row(stripped.strip("|").split("|")), is_item=False)
            para.flush()
    elif stripped:
        para.lines.append(stripped)


# --------------------------------------------------------------------------------------------------
# Plain text
# --------------------------------------------------------------------------------------------------


def _load_plain(text: str, fallback_title: str) -> LoadedDocument:
    lines = text.splitlines()
    first = next((index for index, line in enumerate(lines) if line.strip()), None)
    title = _first_line_title(lines[first]) if first is not None else ""
    # Drop the title line from the body, unless it is the only text there is.
    if title and any(line.strip() for line in lines[first + 1 :]):
        lines = lines[first + 1 :]
    builder = _Builder(absorb_first_h1=False)
    builder.title = title
    for paragraph in re.split(r"\n\s*\n", "\n".join(lines)):
        builder.paragraph(paragraph)
    return builder.finish(fallback_title)


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

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


def _decode_html(data: bytes) -> str:
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


def _load_html(text: str, fallback_title: str) -> LoadedDocument:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    if not text.strip():
        raise UnreadableDocument("empty", "contains no text.")
    root = lxml.html.document_fromstring(text)
    for element in list(root.iter(*_HTML_SKIP)):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = " " + (br.tail or "")
    page_title = _norm(root.findtext(".//title") or "")
    first_h1 = root.find(".//h1")
    h1_text = _norm(first_h1.text_content()) if first_h1 is not None else ""
    # The first <h1> is the title unless <title> names something else (then it is a real chapter).
    builder = _Builder(absorb_first_h1=not page_title or h1_text.casefold() in page_title.casefold())
    builder.title = page_title
    metadata = _native_metadata(
        (name.removeprefix(_HTML_META_PREFIX), meta.get("content"))
        for meta in root.iter("meta")
        if (name := (meta.get("name") or "").strip().casefold()).startswith(_HTML_META_PREFIX)
    )
    body = root.find("body")
    _walk_html(body if body is not None else root, builder)
    return builder.finish(fallback_title, metadata)


def _walk_html(element: Any, builder: _Builder) -> None:
    """Block elements become paragraphs; inline children are folded into their block's text."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HTML_HEADINGS:
        builder.heading(int(tag[1]), element.text_content())
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


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^(?:[•▪◦‣●○■□–—*-]|\d{1,3}[.)])\s+(.*)$")
_JUNK_TITLE = re.compile(r"^(?:untitled|sans titre|document\d*)$|\.(?:docx?|odt|pdf|pptx?|xlsx?)$", re.I)


# A bookmarked heading wrapped over more lines than this is not looked for.
_MAX_HEADING_LINES = 4


@dataclass(frozen=True)
class _Bookmark:
    page: int
    level: int
    text: str


def _load_pdf(path: Path, fallback_title: str) -> LoadedDocument:
    reader = _open_pdf(path)
    pages = [_page_lines(page) for page in reader.pages]
    meta_title = _pdf_meta_title(reader)
    outline = _pdf_outline(reader)
    first_lines = next((lines for lines in pages if lines), [])
    first_line = _norm(first_lines[0]) if first_lines else ""
    title = meta_title
    if not title and outline and first_line and outline[0].text.casefold().startswith(first_line.casefold()):
        title = outline[0].text  # a title wrapped over two lines is whole in its bookmark
    title = title or _first_line_title(first_line)
    # A first bookmark that names the document marks the title lines: they are dropped like a heading's.
    title_mark = outline[0] if outline and title and outline[0].text.casefold() == title.casefold() else None
    if title and not title_mark and first_line == title:
        del first_lines[0]  # the title line would otherwise open the body
    builder = _Builder(absorb_first_h1=False)
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
        return _native_metadata((str(key).lstrip("/"), info[key]) for key in list(info))
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
            text = _norm(str(item.title or ""))
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
        line = _norm(lines[end]).casefold()
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
    title = _norm(str((reader.metadata or {}).get("/Title") or ""))
    title = re.sub(r"^Microsoft (?:Word|PowerPoint) - ", "", title)
    return "" if _JUNK_TITLE.search(title) else title


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


# --------------------------------------------------------------------------------------------------
# Office files (DOCX, ODT)
# --------------------------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOCX_HEADING = re.compile(r"^(?:heading|titre)\s*([1-9])$", re.IGNORECASE)
_TITLE_STYLES = frozenset({"title", "titre"})


def _reject_ole_container(path: Path) -> None:
    """Password-protected Office files and legacy .doc are OLE containers, not ZIP: say which one."""
    with path.open("rb") as handle:
        if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
            return
    if "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
        raise UnreadableDocument("encrypted", "is password-protected; save an unprotected copy.")
    raise UnreadableDocument("corrupt", "is a legacy binary Word file renamed to .docx; open it and save it as .docx.")


def _load_docx(path: Path, fallback_title: str) -> LoadedDocument:
    import docx
    from docx.table import Table

    _reject_ole_container(path)
    document = docx.Document(str(path))
    builder = _Builder(absorb_first_h1=True)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            _docx_table(block, builder)
        else:
            _docx_paragraph(block, builder)
    core_title = _norm(document.core_properties.title or "")
    builder.title = builder.title or core_title
    metadata = ({"title": core_title} if core_title else {}) | _docx_custom_properties(document)
    return builder.finish(fallback_title, metadata)


_CUSTOM_PROPERTIES_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/custom-properties}"


def _docx_custom_properties(document: Any) -> dict[str, str]:
    """File › Properties › Custom in Word (docProps/custom.xml): service, version, valid_from, …"""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from lxml import etree

    for rel in document.part.package.rels.values():
        if rel.reltype == RELATIONSHIP_TYPE.CUSTOM_PROPERTIES and not rel.is_external:
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            try:
                root = etree.fromstring(rel.target_part.blob, parser)
            except etree.XMLSyntaxError:  # damaged properties only cost the metadata, never the text
                return {}
            return _native_metadata(
                (prop.get("name", ""), "".join(prop.itertext()))
                for prop in root.iter(f"{_CUSTOM_PROPERTIES_NS}property")
            )
    return {}


def _docx_paragraph(paragraph: Any, builder: _Builder) -> None:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.casefold() in _TITLE_STYLES and not builder.title:
        builder.title = _norm(paragraph.text)
        builder.absorb_first_h1 = False  # an explicit Title wins; Heading 1s stay chapters
    elif heading := _DOCX_HEADING.match(style):
        builder.heading(int(heading.group(1)), paragraph.text)
    else:
        ppr = paragraph._p.pPr
        numbered = ppr is not None and ppr.numPr is not None
        if numbered or style.casefold().startswith(("list", "liste")):
            builder.prefix = "- "
        builder.paragraph(paragraph.text)
        builder.prefix = ""


def _docx_table(table: Any, builder: _Builder) -> None:
    """One line per row, « cell | cell » as the Markdown reader writes them: a value stays with its label."""
    seen: dict[int, Any] = {}  # merged cells repeat the same <w:tc>; holding refs keeps ids unique
    for row in table.rows:
        cells, nested = [], []
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen[id(cell._tc)] = cell._tc
            cells.append(" ".join(p.text for p in cell.paragraphs))
            nested += cell.tables
        builder.paragraph(table_row(cells))
        for inner in nested:
            _docx_table(inner, builder)


def _load_odt(path: Path, fallback_title: str) -> LoadedDocument:
    from odf import dc, meta
    from odf.opendocument import load

    with zipfile.ZipFile(path) as archive:
        if b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise UnreadableDocument("encrypted", "is password-protected; save an unprotected copy.")
    document = load(str(path))
    parents = {
        style.getAttribute("name"): style.getAttribute("parentstylename")
        for style in document.automaticstyles.childNodes
        if getattr(style, "qname", ("", ""))[1] == "style"
    }
    builder = _Builder(absorb_first_h1=True)
    _walk_odt(document.text, builder, parents)
    meta_title = _norm(" ".join(_odt_text(node) for node in document.meta.getElementsByType(dc.Title)))
    builder.title = builder.title or meta_title
    # File › Properties › Custom Properties in LibreOffice: <meta:user-defined meta:name="service">RH</…>
    fields = (
        (node.getAttribute("name") or "", _odt_text(node)) for node in document.meta.getElementsByType(meta.UserDefined)
    )
    metadata = ({"title": meta_title} if meta_title else {}) | _native_metadata(fields)
    return builder.finish(fallback_title, metadata)


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODT_CELL = (_TABLE_NS, "table-cell")
_ODT_SKIP = frozenset({(_TEXT_NS, "tracked-changes"), (_TEXT_NS, "sequence-decls"), (_OFFICE_NS, "forms")})


def _walk_odt(node: Any, builder: _Builder, parents: dict[str, str]) -> None:
    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname is None or qname in _ODT_SKIP:
            continue
        if qname == (_TEXT_NS, "h"):
            builder.heading(int(child.getAttribute("outlinelevel") or 1), _odt_text(child))
        elif qname == (_TEXT_NS, "p"):
            _odt_paragraph(child, builder, parents)
        elif qname == (_TEXT_NS, "list-item"):
            builder.prefix = "- "
            _walk_odt(child, builder, parents)
            builder.prefix = ""
        elif qname == (_TABLE_NS, "table-row"):
            cells = [child_cell for child_cell in child.childNodes if getattr(child_cell, "qname", None) == _ODT_CELL]
            builder.paragraph(table_row([" ".join(_odt_text(p) for p in cell.childNodes) for cell in cells]))
        else:
            _walk_odt(child, builder, parents)


def _odt_paragraph(paragraph: Any, builder: _Builder, parents: dict[str, str]) -> None:
    style = paragraph.getAttribute("stylename") or ""
    style = parents.get(style) or style  # automatic styles ("P1") derive from the named one
    if style.casefold() in _TITLE_STYLES and not builder.title:
        builder.title = _norm(_odt_text(paragraph))
        builder.absorb_first_h1 = False
    else:
        builder.paragraph(_odt_text(paragraph))


def _odt_text(node: Any) -> str:
    """Text of an ODF element, leaving out comments (office:annotation) that teletype would include."""
    if getattr(node, "nodeType", None) == node.TEXT_NODE:
        return str(node.data)
    qname = getattr(node, "qname", None)
    if qname in {(_OFFICE_NS, "annotation"), (_TEXT_NS, "tracked-changes")}:
        return ""
    if qname in {(_TEXT_NS, "s"), (_TEXT_NS, "tab"), (_TEXT_NS, "line-break")}:
        return " "
    return "".join(_odt_text(child) for child in getattr(node, "childNodes", ()))
