"""Publish the demo knowledge in the formats a commune really has: Markdown, DOCX, ODT, PDF and HTML.

The sources stay Markdown files with YAML front matter (demo/documents/*.md). An optional front-matter key
`format:` (docx, odt, pdf or html; absent or md means Markdown) says which format a document is published in.
Each published file carries the title, headings, paragraphs, bullet and numbered lists, tables, bold and italic,
and the metadata (service, version, valid_from, valid_until, contact) in the format's own native place, the one
`relais.engine.readers` reads: HTML <meta name="relais:KEY">, PDF document information (/Service,
/ValidFrom, ...), DOCX custom properties (docProps/custom.xml), ODT user-defined fields (meta.xml).

The output is byte-for-byte deterministic (fixed document dates taken from valid_from, fixed ZIP entry
timestamps and permissions, no random identifiers), so rebuilding unchanged sources rewrites nothing and
re-ingesting them skips every file: ingestion is idempotent by content hash.

No Django here: `relais demo` calls it, and so can a script.

Metadata and title come from the engine's Markdown reader (relais.engine.readers.files.load_text), so they are
what ingestion reads. The blocks to render keep a small parser of their own: the engine's reader flattens a
document into plain passages (no bold or italic runs, list nesting and numbering, table headers), and the
published files must keep that layout.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from relais.engine.readers.files import load_text
from relais.engine.readers.structure import METADATA_KEYS
from relais.engine.writers import fonts, office_files
from relais.engine.writers.fonts import FONT_FILES, cp1252_safe, font_dir  # font_dir: tests replace it here
from relais.engine.writers.office_files import normalized_zip, write_odt

FORMATS: tuple[str, ...] = ("md", "docx", "odt", "pdf", "html")
FICTION_NOTICE = "Val-de-Brume est une commune fictive"
# Documents without a valid_from are dated this day (dates inside files, ZIP entry timestamps).
_DEFAULT_DATE = datetime(2024, 1, 1, tzinfo=UTC)
_PUBLISHER = "Ville de Val-de-Brume (démonstration)"


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------


def build_demo_documents(source_dir: Path, out_dir: Path) -> list[Path]:
    """Publish every `*.md` source of source_dir into out_dir, in the format its front matter names.

    Returns the published files, sorted by source name. A file whose bytes would not change is left untouched;
    files of out_dir in a published format whose source is gone (or now published in another format) are removed.
    Raises ValueError for an unusable source (unknown format, missing fictional-commune notice).
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    if not source_dir.is_dir():
        raise ValueError(f"{source_dir}: source folder not found")
    if out_dir.resolve() == source_dir.resolve():
        raise ValueError(f"{out_dir}: the output folder must differ from the source folder")
    out_dir.mkdir(parents=True, exist_ok=True)
    published: list[Path] = []
    memo = _Memo(out_dir)
    for source in sorted(source_dir.glob("*.md")):
        if source.name.startswith(".") or not source.is_file():
            continue
        document = read_source(source)
        target = out_dir / f"{source.stem}.{document.format}"
        key = memo.key(source.read_bytes(), document.format)
        if not memo.fresh(target, key):  # rendering a PDF takes half a second: done again only when needed
            data = source.read_bytes() if document.format == "md" else _RENDERERS[document.format](document)
            if not target.is_file() or target.read_bytes() != data:
                _write_atomically(target, data)
            memo.record(target, key, data)
        published.append(target)
    names = {path.name for path in published}
    memo.save(keep=names)
    for path in sorted(out_dir.iterdir()):
        if path.is_file() and path.suffix.lower().lstrip(".") in FORMATS and path.name not in names:
            path.unlink()
    return published


class _Memo:
    """What was published from what: per file, a digest of its source, its format and the rendering code (this
    module, the office writers, the fonts found), and a digest of the bytes written. A file whose record matches
    is not rendered again; anything else (a changed source, a new version, a file edited by hand) is."""

    FILE = ".published.json"  # hidden: ingestion never reads it

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / self.FILE
        try:
            self.records: dict[str, dict[str, str]] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.records = {}
        code = hashlib.sha256()
        for module in (Path(__file__), Path(office_files.__file__), Path(fonts.__file__)):
            code.update(module.read_bytes())
        code.update(str(font_dir()).encode())
        self.code = code.hexdigest()

    def key(self, source: bytes, format_name: str) -> str:
        return hashlib.sha256(source + format_name.encode() + self.code.encode()).hexdigest()

    def fresh(self, target: Path, key: str) -> bool:
        record = self.records.get(target.name)
        return (
            record is not None
            and record.get("key") == key
            and target.is_file()
            and hashlib.sha256(target.read_bytes()).hexdigest() == record.get("output")
        )

    def record(self, target: Path, key: str, data: bytes) -> None:
        self.records[target.name] = {"key": key, "output": hashlib.sha256(data).hexdigest()}

    def save(self, keep: set[str]) -> None:
        records = {name: record for name, record in self.records.items() if name in keep}
        _write_atomically(self.path, json.dumps(records, indent=1, sort_keys=True).encode())


def _write_atomically(target: Path, data: bytes) -> None:
    # A hidden temporary name: ingestion ignores hidden files, so a half-written document is never read.
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.chmod(name, 0o644)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------------------------------
# Reading a Markdown source into blocks
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False
    italic: bool = False


Runs = tuple[Run, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    runs: Runs


@dataclass(frozen=True)
class Paragraph:
    runs: Runs


@dataclass
class ListItem:
    source: str  # the item's Markdown text
    children: list[ListBlock] = field(default_factory=list)

    @property
    def runs(self) -> Runs:
        return inline(self.source)


@dataclass
class ListBlock:
    ordered: bool
    start: int
    items: list[ListItem] = field(default_factory=list)


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Runs, ...], ...]
    header: bool


Block = Heading | Paragraph | ListBlock | Table


@dataclass(frozen=True)
class DemoSource:
    stem: str
    format: str
    title: str
    metadata: dict[str, str]  # only the METADATA_KEYS the source sets
    blocks: tuple[Block, ...]
    date: datetime


_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_LIST_ITEM = re.compile(r"^(\s*)(?:[-*+]|(\d{1,9})[.)])\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_INLINE = re.compile(
    r"\*\*(?P<bold>(?=\S).+?(?<=\S))\*\*"
    r"|(?<![\w*])\*(?P<italic>(?=\S).+?(?<=\S))\*(?!\w)"
    r"|\[(?P<label>[^\]]+)\]\(\s*<?(?P<url>[^)\s>]+)>?\s*\)"
    r"|`(?P<code>[^`]+)`"
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>])")


def read_source(path: Path) -> DemoSource:
    """Parse one Markdown source: metadata and title as the engine reads them, plus the blocks to render."""
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    if FICTION_NOTICE not in text:
        raise ValueError(f"{path.name}: every demo document must say « {FICTION_NOTICE} »")
    loaded = load_text(text, suffix=".md", fallback_title=path.stem)
    chosen = (loaded.metadata.get("format") or "md").strip().lower()
    if chosen not in FORMATS:
        raise ValueError(f"{path.name}: format {chosen!r} is not one of {', '.join(FORMATS)}")
    metadata = {key: loaded.metadata[key] for key in METADATA_KEYS if loaded.metadata.get(key)}
    body = _HTML_COMMENT.sub("", _FRONT_MATTER.sub("", text, count=1))
    return DemoSource(
        stem=path.stem,
        format=chosen,
        title=loaded.title,
        metadata=metadata,
        blocks=tuple(parse_blocks(body.splitlines())),
        date=_document_date(metadata.get("valid_from")),
    )


def _document_date(value: str | None) -> datetime:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return _DEFAULT_DATE
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_blocks(lines: list[str]) -> Iterator[Block]:
    """The Markdown the demo uses: ATX headings, paragraphs, nested lists, pipe tables, bold and italic."""
    index = 0
    paragraph: list[str] = []

    def flush() -> Iterator[Block]:
        if paragraph:
            yield Paragraph(inline(" ".join(paragraph)))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            yield from flush()
            index += 1
        elif match := _HEADING.match(line):
            yield from flush()
            yield Heading(len(match.group(1)), inline(match.group(2)))
            index += 1
        elif _LIST_ITEM.match(line):
            yield from flush()
            block, index = _parse_list(lines, index)
            yield block
        elif stripped.startswith("|"):
            yield from flush()
            block, index = _parse_table(lines, index)
            if block.rows:
                yield block
        else:
            paragraph.append(stripped)
            index += 1
    yield from flush()


def _parse_list(lines: list[str], index: int) -> tuple[ListBlock, int]:
    first = _LIST_ITEM.match(lines[index])
    assert first is not None
    indent = len(first.group(1).expandtabs(4))
    block = ListBlock(ordered=first.group(2) is not None, start=int(first.group(2) or 1))
    while index < len(lines):
        line = lines[index]
        match = _LIST_ITEM.match(line)
        if match is None:
            # A non-blank line that starts no other block continues the item (lazy continuation).
            if line.strip() and block.items and not _HEADING.match(line) and not line.lstrip().startswith("|"):
                block.items[-1].source += f" {line.strip()}"
                index += 1
                continue
            break
        depth = len(match.group(1).expandtabs(4))
        if depth < indent:
            break
        if depth > indent and block.items:
            child, index = _parse_list(lines, index)
            block.items[-1].children.append(child)
            continue
        if (match.group(2) is not None) != block.ordered:
            break  # a bullet list right after a numbered one (or the reverse) is another list
        block.items.append(ListItem(match.group(3).strip()))
        index += 1
    return block, index


def _parse_table(lines: list[str], index: int) -> tuple[Table, int]:
    rows: list[tuple[Runs, ...]] = []
    header = False
    while index < len(lines) and lines[index].strip().startswith("|"):
        stripped = lines[index].strip()
        if _TABLE_SEPARATOR.match(stripped):
            header = header or len(rows) == 1
        else:
            rows.append(tuple(inline(cell.strip()) for cell in stripped.strip("|").split("|")))
        index += 1
    width = max((len(row) for row in rows), default=0)
    padded = tuple(row + ((),) * (width - len(row)) for row in rows)
    return Table(padded, header), index


def inline(text: str) -> Runs:
    """Bold and italic runs; a link reads "label (url)" and a code span as its text, as the engine reads them."""
    runs: list[Run] = []
    position = 0
    for match in _INLINE.finditer(text):
        runs.append(Run(_unescape(text[position : match.start()])))
        if match.group("bold"):
            runs.append(Run(_unescape(re.sub(r"(?<!\w)\*(\S.*?)\*", r"\1", match.group("bold"))), bold=True))
        elif match.group("italic"):
            runs.append(Run(_unescape(match.group("italic")), italic=True))
        elif match.group("label"):
            runs.append(Run(f"{_unescape(match.group('label'))} ({match.group('url')})"))
        else:
            runs.append(Run(match.group("code")))
        position = match.end()
    runs.append(Run(_unescape(text[position:])))
    merged: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(run)
    return tuple(merged)


def _unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def _plain(runs: Runs) -> str:
    return "".join(run.text for run in runs)


def _walk_lists(block: ListBlock, depth: int = 0) -> Iterator[tuple[ListBlock, ListItem, int, int]]:
    """(list, item, depth, number) for every item, children right after their parent."""
    for offset, item in enumerate(block.items):
        yield block, item, depth, block.start + offset
        for child in item.children:
            yield from _walk_lists(child, depth + 1)


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

_HTML_STYLE = (
    "body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}"
    "table{border-collapse:collapse}th,td{border:1px solid #888;padding:.3em .6em;text-align:left}"
)


def render_html(document: DemoSource) -> bytes:
    out = [
        "<!DOCTYPE html>",
        '<html lang="fr">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_html_text(document.title)}</title>",
        *(
            f'<meta name="relais:{key}" content="{html.escape(value, quote=True)}">'
            for key, value in document.metadata.items()
        ),
        f'<meta name="author" content="{html.escape(_PUBLISHER, quote=True)}">',
        f"<style>{_HTML_STYLE}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]
    for block in document.blocks:
        out.extend(_html_block(block))
    out += ["</main>", "</body>", "</html>", ""]
    return "\n".join(out).encode("utf-8")


def _html_block(block: Block) -> list[str]:
    if isinstance(block, Heading):
        return [f"<h{block.level}>{_html_runs(block.runs)}</h{block.level}>"]
    if isinstance(block, Paragraph):
        return [f"<p>{_html_runs(block.runs)}</p>"]
    if isinstance(block, ListBlock):
        return _html_list(block)
    lines = ["<table>"]
    body = block.rows
    if block.header:
        cells = "".join(f"<th>{_html_runs(cell)}</th>" for cell in block.rows[0])
        lines.append(f"<thead><tr>{cells}</tr></thead>")
        body = block.rows[1:]
    lines.append("<tbody>")
    lines.extend("<tr>" + "".join(f"<td>{_html_runs(cell)}</td>" for cell in row) + "</tr>" for row in body)
    lines += ["</tbody>", "</table>"]
    return lines


def _html_list(block: ListBlock) -> list[str]:
    tag = "ol" if block.ordered else "ul"
    start = f' start="{block.start}"' if block.ordered and block.start != 1 else ""
    lines = [f"<{tag}{start}>"]
    for item in block.items:
        if not item.children:
            lines.append(f"<li>{_html_runs(item.runs)}</li>")
            continue
        lines.append(f"<li>{_html_runs(item.runs)}")
        for child in item.children:
            lines.extend(_html_list(child))
        lines.append("</li>")
    lines.append(f"</{tag}>")
    return lines


def _html_runs(runs: Runs) -> str:
    parts = []
    for run in runs:
        text = _html_text(run.text)
        if run.italic:
            text = f"<em>{text}</em>"
        if run.bold:
            text = f"<strong>{text}</strong>"
        parts.append(text)
    return "".join(parts)


def _html_text(text: str) -> str:
    return html.escape(text, quote=False)


# --------------------------------------------------------------------------------------------------
# DOCX
# --------------------------------------------------------------------------------------------------

_CUSTOM_PROPERTIES_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_PROPERTIES_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_CUSTOM_PROPERTY_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one Word uses for user properties


def render_docx(document: DemoSource) -> bytes:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    word = docx.Document()
    properties = word.core_properties
    properties.title = document.title
    properties.author = properties.last_modified_by = _PUBLISHER
    properties.category = document.metadata.get("service", "")
    properties.version = document.metadata.get("version", "")
    properties.comments = f"Document de démonstration — {FICTION_NOTICE}."
    properties.keywords = properties.subject = ""
    properties.created = properties.modified = document.date.replace(tzinfo=None)
    properties.revision = 1
    package = word.part.package
    custom = Part(PackURI("/docProps/custom.xml"), _CUSTOM_PROPERTIES_TYPE, _docx_custom_xml(document), package)
    package.relate_to(custom, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)
    for block in document.blocks:
        if isinstance(block, Heading):
            _docx_runs(word.add_heading(level=min(block.level, 9)), block.runs)
        elif isinstance(block, Paragraph):
            _docx_runs(word.add_paragraph(), block.runs)
        elif isinstance(block, ListBlock):
            _docx_list(word, block)
        else:
            _docx_table(word, block)
    buffer = io.BytesIO()
    word.save(buffer)
    return normalized_zip(buffer.getvalue(), document.date)


def _docx_custom_xml(document: DemoSource) -> bytes:
    properties = "".join(
        f'<property fmtid="{_CUSTOM_PROPERTY_FMTID}" pid="{pid}" name="{key}">'
        f"<vt:lpwstr>{html.escape(value, quote=False)}</vt:lpwstr></property>"
        for pid, (key, value) in enumerate(document.metadata.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{_CUSTOM_PROPERTIES_NS}" xmlns:vt="{_VT_NS}">{properties}</Properties>'
    ).encode()


def _docx_runs(paragraph: Any, runs: Runs, *, bold: bool = False) -> None:
    for run in runs:
        added = paragraph.add_run(run.text)
        added.bold = (run.bold or bold) or None
        added.italic = run.italic or None


def _docx_list(word: Any, block: ListBlock) -> None:
    numbering: dict[int, int] = {}  # id(list) -> its own numbering instance, so each numbered list restarts
    for owner, item, depth, _number in _walk_lists(block):
        level = min(depth, 2)
        style = ("List Number" if owner.ordered else "List Bullet") + (f" {level + 1}" if level else "")
        paragraph = word.add_paragraph(style=style)
        _docx_runs(paragraph, item.runs)
        if owner.ordered:
            if id(owner) not in numbering:
                numbering[id(owner)] = _docx_restarted_numbering(word, style, owner.start)
            num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
            num_pr.get_or_add_ilvl().val = 0
            num_pr.get_or_add_numId().val = numbering[id(owner)]


def _docx_restarted_numbering(word: Any, style: str, start: int) -> int:
    """A new numbering instance of the style's list definition, starting at `start` (Word would otherwise
    number every "List Number" paragraph of the document as one list)."""
    numbering = word.part.numbering_part.element
    style_num_id = word.styles[style].element.pPr.numPr.numId.val
    abstract_id = numbering.num_having_numId(style_num_id).abstractNumId.val
    num = numbering.add_num(abstract_id)
    num.add_lvlOverride(ilvl=0).add_startOverride(start)
    return num.numId


def _docx_table(word: Any, block: Table) -> None:
    grid = word.add_table(rows=len(block.rows), cols=len(block.rows[0]))
    grid.style = word.styles["Table Grid"]
    for row_index, row in enumerate(block.rows):
        for column, cell in enumerate(row):
            _docx_runs(grid.cell(row_index, column).paragraphs[0], cell, bold=block.header and row_index == 0)


# --------------------------------------------------------------------------------------------------
# ODT
# --------------------------------------------------------------------------------------------------


def render_odt(document: DemoSource) -> bytes:
    from odf import dc, meta, text
    from odf.opendocument import OpenDocumentText

    odt = OpenDocumentText()
    _odt_styles(odt)
    stamp = document.date.strftime("%Y-%m-%dT%H:%M:%S")
    odt.meta.addElement(dc.Title(text=document.title))
    odt.meta.addElement(dc.Description(text=f"Document de démonstration — {FICTION_NOTICE}."))
    odt.meta.addElement(meta.InitialCreator(text=_PUBLISHER))
    odt.meta.addElement(dc.Creator(text=_PUBLISHER))
    odt.meta.addElement(meta.CreationDate(text=stamp))
    odt.meta.addElement(dc.Date(text=stamp))
    for key, value in document.metadata.items():
        odt.meta.addElement(meta.UserDefined(name=key, text=value))
    for number, block in enumerate(document.blocks):
        if isinstance(block, Heading):
            element = text.H(outlinelevel=block.level, stylename=f"Heading_20_{min(block.level, 3)}")
            _odt_runs(element, block.runs)
            odt.text.addElement(element)
        elif isinstance(block, Paragraph):
            element = text.P(stylename="Text_20_body")
            _odt_runs(element, block.runs)
            odt.text.addElement(element)
        elif isinstance(block, ListBlock):
            odt.text.addElement(_odt_list(block, "L2" if block.ordered else "L1"))
        else:
            odt.text.addElement(_odt_table(block, f"Tableau{number}"))
    buffer = io.BytesIO()
    write_odt(odt, buffer)
    return normalized_zip(buffer.getvalue(), document.date)


def _odt_styles(odt: Any) -> None:
    from odf.style import (
        ListLevelProperties,
        ParagraphProperties,
        Style,
        TableCellProperties,
        TextProperties,
    )
    from odf.text import ListLevelStyleBullet, ListLevelStyleNumber, ListStyle

    body = Style(name="Text_20_body", displayname="Text body", family="paragraph")
    body.addElement(ParagraphProperties(marginbottom="0.2cm"))
    odt.styles.addElement(body)
    for level, size in ((1, "18pt"), (2, "14pt"), (3, "12pt")):
        heading = Style(
            name=f"Heading_20_{level}",
            displayname=f"Heading {level}",
            family="paragraph",
            defaultoutlinelevel=str(level),
            nextstylename="Text_20_body",
        )
        heading.addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm", keepwithnext="always"))
        heading.addElement(TextProperties(fontsize=size, fontweight="bold"))
        odt.styles.addElement(heading)
    for name, properties in (("T1", {"fontweight": "bold"}), ("T2", {"fontstyle": "italic"})):
        span = Style(name=name, family="text")
        span.addElement(TextProperties(**properties))
        odt.automaticstyles.addElement(span)
    cell = Style(name="Cell", family="table-cell")
    cell.addElement(TableCellProperties(border="0.5pt solid #808080", padding="0.1cm"))
    odt.automaticstyles.addElement(cell)
    for name, numbered in (("L1", False), ("L2", True)):
        list_style = ListStyle(name=name)
        for level in (1, 2, 3):
            if numbered and level == 1:
                level_style = ListLevelStyleNumber(level=level, numformat="1", numsuffix=".")
            else:
                level_style = ListLevelStyleBullet(level=level, bulletchar="•–▪"[level - 1])
            level_style.addElement(ListLevelProperties(spacebefore=f"{0.6 * level:.1f}cm", minlabelwidth="0.6cm"))
            list_style.addElement(level_style)
        odt.automaticstyles.addElement(list_style)


def _odt_runs(element: Any, runs: Runs, *, bold: bool = False) -> None:
    from odf import teletype, text

    for run in runs:
        style = "T1" if run.bold or bold else "T2" if run.italic else None
        if style:
            span = text.Span(stylename=style)
            teletype.addTextToElement(span, run.text)
            element.addElement(span)
        else:
            teletype.addTextToElement(element, run.text)


def _odt_list(block: ListBlock, style: str | None) -> Any:
    from odf import text

    element = text.List(stylename=style) if style else text.List()
    for offset, item in enumerate(block.items):
        attributes = {"startvalue": block.start} if block.ordered and offset == 0 and block.start != 1 else {}
        list_item = text.ListItem(**attributes)
        paragraph = text.P(stylename="Text_20_body")
        _odt_runs(paragraph, item.runs)
        list_item.addElement(paragraph)
        for child in item.children:
            list_item.addElement(_odt_list(child, None))  # nested levels follow the outer list's style
        element.addElement(list_item)
    return element


def _odt_table(block: Table, name: str) -> Any:
    from odf import table, text

    grid = table.Table(name=name)
    grid.addElement(table.TableColumn(numbercolumnsrepeated=len(block.rows[0])))
    for row_index, row in enumerate(block.rows):
        is_header = block.header and row_index == 0
        element = table.TableRow()
        for cell in row:
            cell_element = table.TableCell(stylename="Cell", valuetype="string")
            paragraph = text.P(stylename="Text_20_body")
            _odt_runs(paragraph, cell, bold=is_header)
            cell_element.addElement(paragraph)
            element.addElement(cell_element)
        if is_header:
            header = table.TableHeaderRows()
            header.addElement(element)
            grid.addElement(header)
        else:
            grid.addElement(element)
    return grid


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------

# The fonts (DejaVu Sans, or PDF core fonts in Windows-1252) come from relais.engine.writers.fonts.
_PDF_MARKERS = re.compile(r"(\*\*|__|~~|--)")  # fpdf2's inline markdown markers, escaped in plain text
_BODY_SIZE, _LINE_HEIGHT = 11, 5.5


def render_pdf(document: DemoSource) -> bytes:
    from fpdf import FPDF, TextStyle

    pdf = FPDF(format="A4")
    folder = font_dir()
    if folder is not None:
        family = "DejaVu"
        for style, name in FONT_FILES.items():
            pdf.add_font(family, style, str(folder / name))
        clean: Callable[[str], str] = str
    else:
        family = "helvetica"
        pdf.core_fonts_encoding = "windows-1252"
        clean = cp1252_safe
    pdf.set_creation_date(document.date)
    pdf.set_title(clean(document.title))
    pdf.set_author(_PUBLISHER)
    pdf.set_creator("Relais — démonstration")
    pdf.set_subject(f"Document de démonstration — {FICTION_NOTICE}.")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    title_styles = [
        TextStyle(font_family=family, font_style="B", font_size_pt=18, t_margin=0, b_margin=4),
        TextStyle(font_family=family, font_style="B", font_size_pt=14, t_margin=5, b_margin=2),
        TextStyle(font_family=family, font_style="B", font_size_pt=12, t_margin=4, b_margin=2),
    ]
    pdf.set_section_title_styles(*title_styles, *[title_styles[-1]] * 3)
    pdf.add_page()
    for block in document.blocks:
        pdf.set_font(family, size=_BODY_SIZE)
        if isinstance(block, Heading):
            # A bookmark per heading (level 0 is the title): the engine reads headings back from the outline.
            pdf.start_section(clean(_plain(block.runs)), level=block.level - 1, strict=False)
        elif isinstance(block, Paragraph):
            _pdf_text(pdf, _pdf_markdown(block.runs, clean))
            pdf.ln(2)
        elif isinstance(block, ListBlock):
            for owner, item, depth, number in _walk_lists(block):
                marker = f"{number}." if owner.ordered else "•" if depth == 0 else "–"
                pdf.set_x(pdf.l_margin + 4 + 6 * depth)
                _pdf_text(pdf, f"{marker} {_pdf_markdown(item.runs, clean)}")
            pdf.ln(2)
        else:
            _pdf_table(pdf, block, family, clean)
    return bytes(pdf.output(output_producer_class=_pdf_producer(document.metadata)))


def _pdf_text(pdf: Any, text: str) -> None:
    pdf.multi_cell(0, _LINE_HEIGHT, text, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")


def _pdf_markdown(runs: Runs, clean: Callable[[str], str]) -> str:
    parts = []
    for run in runs:
        text = _PDF_MARKERS.sub(r"\\\1", clean(run.text))
        if run.italic:
            text = f"__{text}__"
        if run.bold:
            text = f"**{text}**"
        parts.append(text)
    return "".join(parts)


def _pdf_table(pdf: Any, block: Table, family: str, clean: Callable[[str], str]) -> None:
    pdf.set_font(family, size=_BODY_SIZE - 1)
    with pdf.table(
        markdown=True, first_row_as_headings=block.header, line_height=_LINE_HEIGHT, text_align="LEFT"
    ) as grid:
        for row in block.rows:
            cells = grid.row()
            for cell in row:
                cells.cell(_pdf_markdown(cell, clean))
    pdf.ln(3)


def _pdf_producer(metadata: dict[str, str]) -> Any:
    """fpdf2 writes only the standard document information; this adds /Service, /Version, /ValidFrom,
    /ValidUntil and /Contact (fpdf2 names each entry after its attribute: valid_from -> /ValidFrom)."""
    from fpdf.output import OutputProducer
    from fpdf.syntax import PDFString

    class _WithRelaisInfo(OutputProducer):
        def _add_info(self) -> Any:
            info = super()._add_info()
            for key, value in metadata.items():
                setattr(info, key, PDFString(value, encrypt=True))
            return info

    return _WithRelaisInfo


_RENDERERS: dict[str, Callable[[DemoSource], bytes]] = {
    "docx": render_docx,
    "odt": render_odt,
    "pdf": render_pdf,
    "html": render_html,
}
