"""OpenDocument text (odfpy): headings, paragraphs, lists, tables, user-defined fields."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
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
    reads_as_heading,
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
    automatic = [style for style in document.automaticstyles.childNodes if _local_name(style) == "style"]
    parents = {style.getAttribute("name"): style.getAttribute("parentstylename") for style in automatic}
    builder = SectionBuilder(absorb_first_h1=True)
    _walk_odt(document.text, builder, _Styles(parents, _bold_styles(automatic)))
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


def _walk_odt(node: Any, builder: SectionBuilder, styles: _Styles) -> None:
    for child in node.childNodes:
        qname = getattr(child, "qname", None)
        if qname is None or qname in _ODT_SKIP:
            continue
        if qname == (_TEXT_NS, "h"):
            builder.heading(int(child.getAttribute("outlinelevel") or 1), _odt_text(child))
        elif qname == (_TEXT_NS, "p"):
            _odt_paragraph(child, builder, styles)
        elif qname == (_TEXT_NS, "list-item"):
            builder.prefix = "- "
            _walk_odt(child, builder, styles)
            builder.prefix = ""
        elif qname == (_TABLE_NS, "table-row"):
            cells = [child_cell for child_cell in child.childNodes if getattr(child_cell, "qname", None) == _ODT_CELL]
            builder.paragraph(table_row([" ".join(_odt_text(p) for p in cell.childNodes) for cell in cells]))
        else:
            _walk_odt(child, builder, styles)


@dataclass(frozen=True)
class _Styles:
    parents: dict[str, str]  # automatic style ("P1") → the named style it derives from
    bold: frozenset[str]  # automatic styles that set the text in bold


def _local_name(node: Any) -> str:
    return getattr(node, "qname", ("", ""))[1]


def _bold_styles(automatic: list[Any]) -> frozenset[str]:
    return frozenset(
        style.getAttribute("name")
        for style in automatic
        for properties in style.childNodes
        if _local_name(properties) == "text-properties" and properties.getAttribute("fontweight") == "bold"
    )


def _odt_paragraph(paragraph: Any, builder: SectionBuilder, styles: _Styles) -> None:
    own = paragraph.getAttribute("stylename") or ""
    style = styles.parents.get(own) or own  # automatic styles ("P1") derive from the named one
    text = _odt_text(paragraph)
    if style.casefold() in TITLE_STYLES and not builder.title:
        builder.title = clean_text(text)
        builder.absorb_first_h1 = False
    elif not builder.prefix and _all_bold(paragraph, own, styles.bold) and reads_as_heading(text):
        builder.implied_heading(text)  # a sub-heading set in bold by hand, not in a heading style
    else:
        builder.paragraph(text)


def _all_bold(paragraph: Any, style: str, bold: frozenset[str]) -> bool:
    """Whether the paragraph's style is bold, or all its text sits in bold spans."""
    if style in bold:
        return True
    holding_text = [child for child in paragraph.childNodes if _odt_text(child).strip()]
    return bool(holding_text) and all(_style_name(child) in bold for child in holding_text)


def _style_name(node: Any) -> str:
    """The style of a span; "" for bare text and elements without one."""
    if getattr(node, "qname", None) != (_TEXT_NS, "span"):
        return ""
    return node.getAttribute("stylename") or ""


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
