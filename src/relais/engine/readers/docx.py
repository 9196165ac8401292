"""Word documents (python-docx): heading styles, paragraphs, lists, tables, custom properties."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from relais.engine.readers.limits import check_archive
from relais.engine.readers.structure import (
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    native_metadata,
    reads_as_heading,
    table_row,
)

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOCX_HEADING = re.compile(r"^(?:heading|titre)\s*([1-9])$", re.IGNORECASE)
TITLE_STYLES = frozenset({"title", "titre"})


def _reject_ole_container(path: Path) -> None:
    """Password-protected Office files and legacy .doc are OLE containers, not ZIP: say which one."""
    with path.open("rb") as handle:
        if handle.read(len(_OLE_MAGIC)) != _OLE_MAGIC:
            return
    if "EncryptionInfo".encode("utf-16-le") in path.read_bytes():
        raise UnreadableDocument("encrypted", "is password-protected; save an unprotected copy.")
    raise UnreadableDocument("corrupt", "is a legacy binary Word file renamed to .docx; open it and save it as .docx.")


def load_docx(path: Path, fallback_title: str) -> LoadedDocument:
    import docx
    from docx.table import Table

    _reject_ole_container(path)
    check_archive(path)
    document = docx.Document(str(path))
    builder = SectionBuilder(absorb_first_h1=True)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            _docx_table(block, builder)
        else:
            _docx_paragraph(block, builder)
    core_title = clean_text(document.core_properties.title or "")
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
            return native_metadata(
                (prop.get("name", ""), "".join(prop.itertext()))
                for prop in root.iter(f"{_CUSTOM_PROPERTIES_NS}property")
            )
    return {}


def _docx_paragraph(paragraph: Any, builder: SectionBuilder) -> None:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    if style.casefold() in TITLE_STYLES and not builder.title:
        builder.title = clean_text(paragraph.text)
        builder.absorb_first_h1 = False  # an explicit Title wins; Heading 1s stay chapters
    elif heading := _DOCX_HEADING.match(style):
        builder.heading(int(heading.group(1)), paragraph.text)
    else:
        ppr = paragraph._p.pPr
        numbered = ppr is not None and ppr.numPr is not None
        if numbered or style.casefold().startswith(("list", "liste")):
            builder.prefix = "- "
        elif _all_bold(paragraph) and reads_as_heading(paragraph.text):
            # Many a town's document marks its sub-headings by hand, in bold, not with a heading style.
            builder.implied_heading(paragraph.text)
            return
        builder.paragraph(paragraph.text)
        builder.prefix = ""


def _all_bold(paragraph: Any) -> bool:
    runs = [run for run in paragraph.runs if run.text.strip()]
    return bool(runs) and all(run.bold for run in runs)


def _docx_table(table: Any, builder: SectionBuilder) -> None:
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
