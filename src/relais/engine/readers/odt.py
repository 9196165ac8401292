"""OpenDocument text (odfpy): headings, paragraphs, lists, tables, user-defined fields."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from relais.engine.readers.docx import TITLE_STYLES
from relais.engine.readers.limits import check_archive
from relais.engine.readers.structure import (
    LoadedDocument,
    SectionBuilder,
    UnreadableDocument,
    clean_text,
    native_metadata,
    table_row,
)


def load_odt(path: Path, fallback_title: str) -> LoadedDocument:
    from odf import dc, meta
    from odf.opendocument import load

    check_archive(path)
    with zipfile.ZipFile(path) as archive:
        if b"encryption-data" in archive.read("META-INF/manifest.xml"):
            raise UnreadableDocument("encrypted", "is password-protected; save an unprotected copy.")
    document = load(str(path))
    parents = {
        style.getAttribute("name"): style.getAttribute("parentstylename")
        for style in document.automaticstyles.childNodes
        if getattr(style, "qname", ("", ""))[1] == "style"
    }
    builder = SectionBuilder(absorb_first_h1=True)
    _walk_odt(document.text, builder, parents)
    meta_title = clean_text(" ".join(_odt_text(node) for node in document.meta.getElementsByType(dc.Title)))
    builder.title = builder.title or meta_title
    # File › Properties › Custom Properties in LibreOffice: <meta:user-defined meta:name="service">RH</…>
    fields = (
        (node.getAttribute("name") or "", _odt_text(node)) for node in document.meta.getElementsByType(meta.UserDefined)
    )
    metadata = ({"title": meta_title} if meta_title else {}) | native_metadata(fields)
    return builder.finish(fallback_title, metadata)


_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODT_CELL = (_TABLE_NS, "table-cell")
_ODT_SKIP = frozenset({(_TEXT_NS, "tracked-changes"), (_TEXT_NS, "sequence-decls"), (_OFFICE_NS, "forms")})


def _walk_odt(node: Any, builder: SectionBuilder, parents: dict[str, str]) -> None:
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


def _odt_paragraph(paragraph: Any, builder: SectionBuilder, parents: dict[str, str]) -> None:
    style = paragraph.getAttribute("stylename") or ""
    style = parents.get(style) or style  # automatic styles ("P1") derive from the named one
    if style.casefold() in TITLE_STYLES and not builder.title:
        builder.title = clean_text(_odt_text(paragraph))
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
