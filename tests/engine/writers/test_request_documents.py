"""A request rendered as PDF and ODT: every label, value, trail step and notice survives, deterministically."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from odf import table, teletype, text
from odf.opendocument import load
from pypdf import PdfReader

from relais.engine.writers import request_documents
from relais.engine.writers.request_documents import RequestDocument, Section, render_odt, render_pdf

ROOT = Path(__file__).resolve().parents[3]
NOTICE = "Document de démonstration — Val-de-Brume est une commune fictive."
LONG_VALUE = (
    "Participation à la journée régionale « Sécurité des systèmes d’information des collectivités » organisée "
    "par le centre de gestion : ateliers sur la sauvegarde, la sensibilisation des agents et la gestion des "
    "incidents, suivis d’une restitution à l’équipe de la DSI dès le retour à l’hôtel de ville."
)
MULTI_LINE = "Train aller-retour : 86,40 €\nNuit d’hôtel : 95,00 €\nRepas : 2 × 20,00 €"
CREATED = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)


def make_document(**changes) -> RequestDocument:
    fields = {
        "title": "Demande d'ordre de mission",
        "reference": "OM-2026-0007",
        "issuer": "Commune de Val-de-Brume — Service RH",
        "status": "Validée",
        "sections": (
            Section(
                "Agent",
                (
                    ("Nom et prénom", "Élodie Fèvre-Lefèbvre"),
                    ("Service", "Direction des systèmes d’information"),
                    ("Grade", "Technicienne principale"),
                ),
            ),
            Section(
                "Mission",
                (
                    ("Objet de la mission", LONG_VALUE),
                    ("Lieu", "Lyon (Rhône) — Hôtel de région"),
                    ("Dates", "Du 3/12/2026 à 7 h 30 au 4/12/2026 à 19 h"),
                ),
            ),
            Section(
                "Frais prévisionnels",
                (
                    ("Détail", MULTI_LINE),
                    ("Total estimé", "221,40 €"),
                    ("Avance demandée", "Non — œuvre sociale non sollicitée, ça suffit"),
                ),
            ),
        ),
        "trail": (
            ("Responsable hiérarchique", "Approuvée par Paul Durand le 27/11/2026 — « Bon pour accord »"),
            ("Service RH", "Validée par Inès Garçon le 28/11/2026"),
        ),
        "notice": NOTICE,
        "created": CREATED,
    }
    return RequestDocument(**(fields | changes))


def squash(value: str) -> str:
    """Whitespace normalised: wrapping and newlines split lines anywhere a space was."""
    return " ".join(value.split())


def pdf_pages(data: bytes) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def odt_content(data: bytes) -> tuple[list[str], list[str], list[list[tuple[str, ...]]]]:
    """(heading texts, paragraph texts including the page footer's, rows of every table as cell texts)."""
    odt = load(io.BytesIO(data))
    headings = [teletype.extractText(heading) for heading in odt.getElementsByType(text.H)]
    paragraphs = [teletype.extractText(paragraph) for paragraph in odt.getElementsByType(text.P)]
    tables = [
        [
            tuple(teletype.extractText(cell) for cell in row.getElementsByType(table.TableCell))
            for row in grid.getElementsByType(table.TableRow)
        ]
        for grid in odt.getElementsByType(table.Table)
    ]
    return headings, paragraphs, tables


def expected_texts(document: RequestDocument) -> list[str]:
    texts = [document.title, document.reference, document.status, document.issuer, "Circuit de validation"]
    for section in document.sections:
        texts.append(section.title)
        for label, value in section.rows:
            texts += [label, value, f"{label} {value}"]  # a value sits right after its label
    for stage, outcome in document.trail:
        texts += [stage, outcome, f"{stage} {outcome}"]
    return [squash(value) for value in texts]


def test_pdf_carries_every_label_value_trail_step_and_the_notice() -> None:
    document = make_document()
    data = render_pdf(document)
    assert data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    assert len(pages) == 1
    content = pages[0]
    for expected in expected_texts(document):
        assert expected in content
    assert "Référence : OM-2026-0007" in content and "Statut : Validée" in content
    assert "221,40 € Avance demandée Non — œuvre" in content  # rows in order, French characters as written
    assert content.endswith(f"{NOTICE} Page 1/1")
    assert content.index("Agent") < content.index("Mission") < content.index("Frais prévisionnels")
    assert content.index("Frais prévisionnels") < content.index("Circuit de validation")


def test_pdf_metadata_title_author_and_creation_date() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(make_document())))
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "Demande d'ordre de mission"
    assert metadata.author == "Commune de Val-de-Brume — Service RH"
    assert metadata.creation_date == CREATED


def test_odt_carries_the_same_content_in_headings_and_a_table_per_section() -> None:
    document = make_document()
    headings, paragraphs, tables = odt_content(render_odt(document))
    assert headings == ["Agent", "Mission", "Frais prévisionnels", "Circuit de validation"]
    assert tables == [list(section.rows) for section in document.sections] + [list(document.trail)]
    assert paragraphs[:4] == [
        "Demande d'ordre de mission",
        "Référence : OM-2026-0007",
        "Statut : Validée",
        "Émetteur : Commune de Val-de-Brume — Service RH",
    ]
    assert MULTI_LINE in paragraphs  # newlines kept, as line breaks
    assert paragraphs[-2:] == [NOTICE, "Page 1/1"]  # the page footer


def test_odt_metadata_and_dates() -> None:
    with zipfile.ZipFile(io.BytesIO(render_odt(make_document()))) as package:
        names = package.namelist()
        meta = package.read("meta.xml").decode()
        stamps = {info.date_time for info in package.infolist()}
        mimetype = package.getinfo("mimetype")
    assert names[0] == "mimetype" and mimetype.compress_type == zipfile.ZIP_STORED
    assert "<dc:title>Demande d'ordre de mission</dc:title>" in meta
    assert "<dc:creator>Commune de Val-de-Brume — Service RH</dc:creator>" in meta
    assert "<meta:creation-date>2026-11-27T14:05:00</meta:creation-date>" in meta
    assert stamps == {(2026, 11, 27, 14, 5, 0)}


def test_rendering_is_deterministic() -> None:
    document = make_document()
    assert render_pdf(document) == render_pdf(make_document())
    assert render_odt(document) == render_odt(make_document())
    # Without a date: none in the files, and still the same bytes.
    undated = make_document(created=None)
    pdf = render_pdf(undated)
    assert pdf == render_pdf(undated) and b"/CreationDate" not in pdf
    odt = render_odt(undated)
    assert odt == render_odt(undated)
    with zipfile.ZipFile(io.BytesIO(odt)) as package:
        assert "creation-date" not in package.read("meta.xml").decode()


def test_same_bytes_in_another_process_and_time_zone(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from tests.engine.writers.test_request_documents import make_document; "
        "from relais.engine.writers.request_documents import render_odt, render_pdf; "
        "Path(sys.argv[1]).write_bytes(render_pdf(make_document())); "
        "Path(sys.argv[2]).write_bytes(render_odt(make_document()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242", "TZ": "Pacific/Auckland"}
    pdf, odt = tmp_path / "a.pdf", tmp_path / "a.odt"
    subprocess.run([sys.executable, "-c", script, str(pdf), str(odt)], env=env, check=True, cwd=ROOT)
    assert pdf.read_bytes() == render_pdf(make_document())
    assert odt.read_bytes() == render_odt(make_document())


def test_a_long_request_spans_pages_with_the_footer_on_each() -> None:
    rows = tuple((f"Ligne {number} — frais", f"{number},50 € réglés à l’hôtel « Le Relais »") for number in range(40))
    document = make_document(sections=(Section("Frais détaillés", rows),))
    pages = pdf_pages(render_pdf(document))
    assert len(pages) >= 2
    for number, content in enumerate(pages, start=1):
        assert content.endswith(f"{NOTICE} Page {number}/{len(pages)}")
        assert content.count(NOTICE) == 1
    everything = " ".join(pages)
    for label, value in rows:
        assert f"{label} {value}" in everything
    assert "Circuit de validation" in pages[-1]
    _, paragraphs, tables = odt_content(render_odt(document))
    assert tables[0] == list(rows) and NOTICE in paragraphs


def test_pdf_without_a_truetype_font_keeps_french_characters(monkeypatch) -> None:
    monkeypatch.setattr(request_documents, "font_dir", lambda: None)  # PDF core fonts, Windows-1252
    document = make_document(status="Validée − définitivement")  # − (minus) is not in Windows-1252
    data = render_pdf(document)
    assert b"DejaVu" not in data
    content = pdf_pages(data)[0]
    for expected in expected_texts(make_document()):
        if expected != "Validée":
            assert expected in content
    assert "Statut : Validée - définitivement" in content
    assert PdfReader(io.BytesIO(data)).metadata.title == "Demande d'ordre de mission"


@pytest.mark.parametrize("render", [render_pdf, render_odt])
def test_a_request_with_no_trail_nor_notice(render) -> None:
    document = make_document(trail=(), notice="", sections=(Section("Agent", (("Nom", "Fèvre"), ("Note", ""))),))
    data = render(document)
    if render is render_pdf:
        [content] = pdf_pages(data)
        assert "Circuit de validation" not in content and content.endswith("Nom Fèvre Note Page 1/1")
    else:
        headings, paragraphs, tables = odt_content(data)
        assert headings == ["Agent"] and tables == [[("Nom", "Fèvre"), ("Note", "")]]
        assert paragraphs[-1] == "Page 1/1" and NOTICE not in paragraphs


def test_a_value_longer_than_a_page_is_split_across_pages() -> None:
    # fpdf2 refuses a table row taller than a page: such a value continues in rows of its own, page after page.
    huge = "\n".join(f"Observation n° {number} : à revoir" for number in range(150))
    document = make_document(sections=(Section("Observations", (("Détail", huge), ("Suite", "fin"))),))
    pages = pdf_pages(render_pdf(document))
    assert len(pages) >= 3
    body = squash(" ".join(page.removesuffix(f"{NOTICE} Page {n}/{len(pages)}") for n, page in enumerate(pages, 1)))
    assert f"Détail {squash(huge)} Suite fin" in body
    assert body.index("Observations") < body.index("Observation n° 0 ") < body.index("Circuit de validation")


def test_creation_date_naive_or_zoned() -> None:
    paris = datetime(2026, 11, 27, 15, 5, tzinfo=timezone(timedelta(hours=1)))
    for created, wall_clock in ((paris, "2026-11-27T15:05:00"), (datetime(2026, 11, 27, 14, 5), "2026-11-27T14:05:00")):
        document = make_document(created=created)
        metadata = PdfReader(io.BytesIO(render_pdf(document))).metadata
        assert metadata is not None and metadata.creation_date == CREATED  # a naive date is read as UTC
        with zipfile.ZipFile(io.BytesIO(render_odt(document))) as package:
            assert f"<meta:creation-date>{wall_clock}</meta:creation-date>" in package.read("meta.xml").decode()
