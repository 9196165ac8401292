"""Render a filled-in administrative request (« Demande d'ordre de mission », ...) as a printable PDF and as an ODT.

A request is a title, a reference, an issuer, a status, sections of (label, value) rows, an optional approval
trail and a footer notice. Both formats lay it out the same sober A4 way: the title, then the reference, status
and issuer, then each section as a two-column table (label | value; long values wrap, newlines are kept), then
« Circuit de validation » with the trail, and on every page the notice and « Page n/N ».

The output is byte-for-byte deterministic: the only date inside a file is `created` (when it is None, the PDF
carries no creation date and the ODT no dates), ZIP entries have fixed timestamps and permissions, and nothing
random is written. Rendering a document twice, in any process or time zone, gives the same bytes.

No Django here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from relais.engine.writers.fonts import font_dir, use_pdf_fonts
from relais.engine.writers.office_files import normalized_zip, write_odt

TRAIL_TITLE = "Circuit de validation"
CREATOR = "Relais"
_LABELS = {"reference": "Référence", "status": "Statut", "issuer": "Émetteur"}


@dataclass(frozen=True)
class Section:
    title: str
    rows: tuple[tuple[str, str], ...]  # (label, value), in order; a value may hold newlines


@dataclass(frozen=True)
class RequestDocument:
    title: str  # « Demande d'ordre de mission »
    reference: str  # « OM-2026-0007 »
    issuer: str  # « Commune de … — Service RH »
    status: str  # « Validée », « En attente de validation par le responsable »...
    sections: tuple[Section, ...]
    # The approval trail: (stage, outcome), e.g. ("Responsable hiérarchique", "Approuvée par ... le 27/11/2026").
    trail: tuple[tuple[str, str], ...] = ()
    notice: str = ""  # the footer of every page
    # The creation date inside the files (a naive one is read as UTC); the ODT keeps its wall-clock time.
    created: datetime | None = None

    def header_rows(self) -> tuple[tuple[str, str], ...]:
        """(label, value) of the lines under the title: reference, status and issuer (those that are set)."""
        values = {"reference": self.reference, "status": self.status, "issuer": self.issuer}
        return tuple((_LABELS[key], value) for key, value in values.items() if value)

    def tables(self) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
        """(title, rows) of every table, in order: the sections, then the approval trail if there is one."""
        tables = tuple((section.title, section.rows) for section in self.sections)
        return (*tables, (TRAIL_TITLE, self.trail)) if self.trail else tables


def _created(document: RequestDocument) -> datetime | None:
    """`created`, with a time zone (UTC when it has none: fpdf2 would take the machine's, varying the bytes)."""
    created = document.created
    if created is None or created.tzinfo is not None:
        return created
    return created.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------

_MARGIN = 18  # mm, left, right and top
_FOOTER_SIZE, _FOOTER_LINE = 8, 3.8
_FOOTER_BOTTOM, _FOOTER_GAP = 10, 8  # mm under the footer, and between the text and the footer
_BODY_SIZE, _LINE_HEIGHT = 10, 5
_LABEL_SHARE = 0.36  # of the text width, for the label column
_PADDING_Y, _PADDING_X = 1.5, 2  # mm, inside table cells
_LABEL_FILL = (238, 238, 238)
_MUTED = (90, 90, 90)
_BORDER = (170, 170, 170)
# fpdf2 reserves the width of three digits for this alias (a longer one would push « Page n/N » off the margin).
_PAGES_ALIAS = "{nb}"


def render_pdf(document: RequestDocument) -> bytes:
    """The request as an A4 PDF: title, author (the issuer) and creation date (`created`) in its metadata."""
    from fpdf import FPDF, FontFace

    class _RequestPDF(FPDF):
        def footer(self) -> None:
            _pdf_footer(self, family, clean(document.notice))

    pdf = _RequestPDF(format="A4")
    family, clean = use_pdf_fonts(pdf, font_dir())
    created = _created(document)
    pdf.creation_date = created  # None: no creation date (see _pdf_producer)
    pdf.set_title(clean(document.title))
    pdf.set_author(clean(document.issuer))
    pdf.set_subject(clean(" — ".join(part for part in (document.title, document.reference) if part)))
    pdf.set_creator(CREATOR)
    pdf.set_lang("fr-FR")
    pdf.alias_nb_pages(_PAGES_ALIAS)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(True, margin=_MARGIN)
    pdf.add_page()
    # Room for the footer: the notice (however many lines it wraps to) and the page number.
    pdf.set_font(family, size=_FOOTER_SIZE)
    pdf.set_auto_page_break(True, margin=_FOOTER_BOTTOM + _FOOTER_GAP + _pdf_footer_height(pdf, clean(document.notice)))

    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 8, clean(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(family, "B", _BODY_SIZE)
    header = [(f"{clean(label)} :", clean(value)) for label, value in document.header_rows()]
    label_width = max((pdf.get_string_width(label) for label, _ in header), default=0) + 2
    for label, value in header:  # values aligned after the widest label
        pdf.set_font(family, "B", _BODY_SIZE)
        pdf.cell(label_width, _LINE_HEIGHT, label)
        pdf.set_font(family, size=_BODY_SIZE)
        pdf.multi_cell(0, _LINE_HEIGHT, value, align="L", new_x="LMARGIN", new_y="NEXT")

    label_style = FontFace(family=family, emphasis="BOLD", fill_color=_LABEL_FILL)
    for title, rows in document.tables():
        # Keep a section title with at least its first rows: start a new page rather than orphan it.
        if pdf.will_page_break(8 + 4 * _LINE_HEIGHT):
            pdf.add_page()
        pdf.ln(5)
        pdf.set_font(family, "B", 13)
        pdf.multi_cell(0, 7, clean(title), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        if not rows:
            continue
        pdf.set_font(family, size=_BODY_SIZE)
        pdf.set_draw_color(*_BORDER)
        _pdf_table(pdf, [(clean(label), clean(value)) for label, value in rows], label_style)
    return bytes(pdf.output(output_producer_class=_pdf_producer(created is not None)))


def _pdf_footer(pdf: Any, family: str, notice: str) -> None:
    pdf.set_font(family, size=_FOOTER_SIZE)
    pdf.set_y(-(_FOOTER_BOTTOM + _pdf_footer_height(pdf, notice)))
    pdf.set_text_color(*_MUTED)
    if notice:
        pdf.multi_cell(0, _FOOTER_LINE, notice, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, _FOOTER_LINE, f"Page {pdf.page_no()}/{_PAGES_ALIAS}", align="R")
    pdf.set_text_color(0, 0, 0)


def _pdf_table(pdf: Any, rows: list[tuple[str, str]], label_style: Any) -> None:
    """rows as a two-column table, label | value, in the current font. fpdf2 cannot split a table row across
    pages: a value too long for one page is cut into rows that each fit (the label on the first), the first one
    filling what is left of the current page."""
    width = pdf.epw * (1 - _LABEL_SHARE) - 2 * _PADDING_X
    page_lines = _pdf_lines_within(pdf.h - pdf.t_margin - pdf.b_margin)
    pending: list[tuple[str, str]] = []
    for label, value in rows:
        lines = pdf.multi_cell(width, _LINE_HEIGHT, value, dry_run=True, output="LINES")
        if len(lines) <= page_lines:
            pending.append((label, value))
            continue
        _pdf_rows(pdf, pending, label_style)  # now pdf.y says what is left of the page
        pending = []
        first = _pdf_lines_within(pdf.h - pdf.b_margin - pdf.y)
        first = first if first >= 3 else page_lines
        parts = [lines[:first]] + [lines[start : start + page_lines] for start in range(first, len(lines), page_lines)]
        _pdf_rows(pdf, [(label if n == 0 else "", "\n".join(part)) for n, part in enumerate(parts)], label_style)
    _pdf_rows(pdf, pending, label_style)


def _pdf_lines_within(height: float) -> int:
    """How many lines of a table cell fit in height (mm), with one to spare."""
    return int((height - 2 * _PADDING_Y) / _LINE_HEIGHT) - 1


def _pdf_rows(pdf: Any, rows: list[tuple[str, str]], label_style: Any) -> None:
    if not rows:
        return
    with pdf.table(
        col_widths=(_LABEL_SHARE, 1 - _LABEL_SHARE),  # fractions of the text width
        first_row_as_headings=False,
        line_height=_LINE_HEIGHT,
        text_align="LEFT",
        v_align="TOP",
        padding=(_PADDING_Y, _PADDING_X),
    ) as grid:
        for label, value in rows:
            cells = grid.row()
            cells.cell(label, style=label_style)
            cells.cell(value)


def _pdf_footer_height(pdf: Any, notice: str) -> float:
    """The notice, as many lines as it wraps to in the footer font (the current one), and the page number."""
    pdf.set_x(pdf.l_margin)
    lines = pdf.multi_cell(0, _FOOTER_LINE, notice, dry_run=True, output="LINES") if notice else []
    return (len(lines) + 1) * _FOOTER_LINE


def _pdf_producer(dated: bool) -> Any:
    """fpdf2 always writes /CreationDate (the time of rendering by default): drop it when there is no date."""
    from fpdf.output import OutputProducer

    if dated:
        return OutputProducer

    class _Undated(OutputProducer):
        def _add_info(self) -> Any:
            info = super()._add_info()
            info.creation_date = None
            return info

    return _Undated


# --------------------------------------------------------------------------------------------------
# ODT
# --------------------------------------------------------------------------------------------------

_ODT_STAMP = "%Y-%m-%dT%H:%M:%S"


def render_odt(document: RequestDocument) -> bytes:
    """The request as an ODT (A4): paragraph and heading styles, a table per section, the notice and the page
    number in the page footer; title, author (the issuer) and dates (`created`) in meta.xml."""
    from odf import dc, meta, table, text
    from odf.opendocument import OpenDocumentText

    odt = OpenDocumentText()
    _odt_styles(odt, document.notice)
    created = _created(document)
    odt.meta.addElement(dc.Title(text=document.title))
    if document.reference:
        odt.meta.addElement(dc.Subject(text=f"{document.title} — {document.reference}"))
    odt.meta.addElement(meta.InitialCreator(text=document.issuer))
    odt.meta.addElement(dc.Creator(text=document.issuer))
    odt.meta.addElement(dc.Language(text="fr-FR"))
    if created is not None:
        stamp = created.strftime(_ODT_STAMP)
        odt.meta.addElement(meta.CreationDate(text=stamp))
        odt.meta.addElement(dc.Date(text=stamp))

    odt.text.addElement(_odt_paragraph(text.P, document.title, stylename="Title"))
    for label, value in document.header_rows():
        paragraph = text.P(stylename="Header_20_line")
        paragraph.addElement(_odt_span(f"{label} : ", "Strong"))
        _odt_add_text(paragraph, value)
        odt.text.addElement(paragraph)
    for number, (title, rows) in enumerate(document.tables(), start=1):
        odt.text.addElement(_odt_paragraph(text.H, title, stylename="Heading_20_1", outlinelevel=1))
        if not rows:
            continue
        grid = table.Table(name=f"Tableau{number}", stylename="Request_20_table")
        grid.addElement(table.TableColumn(stylename="Label_20_column"))
        grid.addElement(table.TableColumn(stylename="Value_20_column"))
        for label, value in rows:
            row = table.TableRow()
            for content, cell_style, paragraph_style in (
                (label, "Label_20_cell", "Label"),
                (value, "Value_20_cell", "Table_20_Contents"),
            ):
                cell = table.TableCell(stylename=cell_style, valuetype="string")
                cell.addElement(_odt_paragraph(text.P, content, stylename=paragraph_style))
                row.addElement(cell)
            grid.addElement(row)
        odt.text.addElement(grid)
    buffer = io.BytesIO()
    write_odt(odt, buffer)
    return normalized_zip(buffer.getvalue(), created)


def _odt_paragraph(kind: Any, content: str, **attributes: Any) -> Any:
    element = kind(**attributes)
    _odt_add_text(element, content)
    return element


def _odt_add_text(element: Any, content: str) -> None:
    """content, its newlines as line breaks and runs of spaces and tabs kept (teletype does both)."""
    from odf import teletype

    teletype.addTextToElement(element, content)


def _odt_span(content: str, style: str) -> Any:
    from odf import text

    span = text.Span(stylename=style)
    _odt_add_text(span, content)
    return span


def _odt_styles(odt: Any, notice: str) -> None:
    from odf import style, text

    def add(container: Any, name: str, family: str, *properties: Any, **attributes: Any) -> None:
        element = style.Style(name=name, family=family, **attributes)
        for item in properties:
            element.addElement(item)
        container.addElement(element)

    font = style.FontFace(name="DejaVu Sans", fontfamily="'DejaVu Sans'", fontfamilygeneric="swiss")
    odt.fontfacedecls.addElement(font)
    defaults = style.DefaultStyle(family="paragraph")
    defaults.addElement(style.TextProperties(fontname="DejaVu Sans", fontsize="10pt", language="fr", country="FR"))
    odt.styles.addElement(defaults)

    add(
        odt.styles,
        "Standard",
        "paragraph",
        style.TextProperties(fontname="DejaVu Sans", fontsize="10pt"),
        displayname="Default Paragraph Style",
    )
    add(
        odt.styles,
        "Title",
        "paragraph",
        style.ParagraphProperties(marginbottom="0.3cm"),
        style.TextProperties(fontsize="18pt", fontweight="bold"),
        parentstylename="Standard",
        nextstylename="Header_20_line",
    )
    add(
        odt.styles,
        "Header_20_line",
        "paragraph",
        style.ParagraphProperties(marginbottom="0.05cm"),
        displayname="Header line",
        parentstylename="Standard",
    )
    add(
        odt.styles,
        "Heading_20_1",
        "paragraph",
        style.ParagraphProperties(margintop="0.5cm", marginbottom="0.2cm", keepwithnext="always"),
        style.TextProperties(fontsize="13pt", fontweight="bold"),
        displayname="Heading 1",
        parentstylename="Standard",
        defaultoutlinelevel="1",
    )
    add(odt.styles, "Table_20_Contents", "paragraph", displayname="Table Contents", parentstylename="Standard")
    add(
        odt.styles,
        "Label",
        "paragraph",
        style.TextProperties(fontweight="bold"),
        parentstylename="Table_20_Contents",
    )
    add(
        odt.styles,
        "Footer",
        "paragraph",
        style.ParagraphProperties(textalign="center"),
        style.TextProperties(fontsize="8pt", color="#5a5a5a"),
        parentstylename="Standard",
    )
    add(odt.styles, "Strong", "text", style.TextProperties(fontweight="bold"), displayname="Strong Emphasis")

    border = "0.5pt solid #aaaaaa"
    add(
        odt.automaticstyles,
        "Request_20_table",
        "table",
        style.TableProperties(width="17cm", align="left", margintop="0.1cm", marginbottom="0.2cm"),
    )
    add(odt.automaticstyles, "Label_20_column", "table-column", style.TableColumnProperties(columnwidth="6.1cm"))
    add(odt.automaticstyles, "Value_20_column", "table-column", style.TableColumnProperties(columnwidth="10.9cm"))
    for name, fill in (("Label_20_cell", "#eeeeee"), ("Value_20_cell", "transparent")):
        add(
            odt.automaticstyles,
            name,
            "table-cell",
            style.TableCellProperties(
                backgroundcolor=fill, bordertop=border, borderbottom=border, padding="0.1cm", verticalalign="top"
            ),
        )

    layout = style.PageLayout(name="A4")
    layout.addElement(
        style.PageLayoutProperties(
            pagewidth="21cm",
            pageheight="29.7cm",
            printorientation="portrait",
            margintop="1.8cm",
            marginbottom="1.2cm",
            marginleft="2cm",
            marginright="2cm",
        )
    )
    footer_style = style.FooterStyle()
    footer_style.addElement(style.HeaderFooterProperties(minheight="0cm", margintop="0.4cm"))
    layout.addElement(footer_style)
    odt.automaticstyles.addElement(layout)

    master = style.MasterPage(name="Standard", pagelayoutname="A4")
    footer = style.Footer()
    if notice:
        footer.addElement(_odt_paragraph(text.P, notice, stylename="Footer"))
    pages = text.P(stylename="Footer")
    pages.addText("Page ")
    pages.addElement(text.PageNumber(selectpage="current", numformat="1", text="1"))
    pages.addText("/")
    pages.addElement(text.PageCount(text="1"))  # odfpy has no num-format for it: the page's one applies
    footer.addElement(pages)
    master.addElement(footer)
    odt.masterstyles.addElement(master)
