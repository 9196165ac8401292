"""Document loading: every format, French encodings, and the failures operators must be told about."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from relais.engine.readers.encoding import decode_bytes
from relais.engine.readers.files import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, load_document, load_text
from relais.engine.readers.structure import (
    LoadedDocument,
    Section,
    UnreadableDocument,
    division_level,
    title_names_something,
)

FRENCH = "Les congés d’été, la prime de fin d’année : 150 € ; « œuvres sociales » à Belleville-sur-Loire."


def paths(doc: LoadedDocument) -> list[tuple[str, ...]]:
    return [section.heading_path for section in doc.sections]


def section(doc: LoadedDocument, *path: str) -> str:
    return next(s.text for s in doc.sections if s.heading_path == path)


def assert_unreadable(path: Path, code: str, **kwargs: int) -> UnreadableDocument:
    with pytest.raises(UnreadableDocument) as info:
        load_document(path, **kwargs)
    assert info.value.code == code, str(info.value)
    assert str(info.value)  # operators always get a message
    return info.value


# --------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------

MARKDOWN = """---
service: RH
version: 3
valid_from: 2025-01-01
valid_until: 2025-12-31
tags: [congés, RTT]
---
# Guide des congés de la commune

Ce guide s’applique à **tous les agents** de Belleville-sur-Loire.

## Congés annuels

Chaque agent bénéficie de *25 jours* ouvrés,
soit cinq fois ses obligations hebdomadaires.

- Les demandes se font dans l’application `Agora`.
- Voir la [note de service](https://intranet.belleville.fr/conges) pour le détail.

### Report des congés

Les congés non pris au 31 décembre peuvent être reportés jusqu’au 30 avril.

## Télétravail

```bash
# ceci n'est pas un titre
```

1. Deux jours par semaine au maximum.
2. Accord écrit du responsable de service.
"""


def test_markdown_title_headings_metadata_and_inline(tmp_path: Path) -> None:
    file = tmp_path / "guide-conges.md"
    file.write_text(MARKDOWN, encoding="utf-8")
    doc = load_document(file)

    assert doc.title == "Guide des congés de la commune"
    assert paths(doc) == [
        (),
        ("Congés annuels",),
        ("Congés annuels", "Report des congés"),
        ("Télétravail",),
    ]
    assert doc.metadata == {
        "service": "RH",
        "version": "3",
        "valid_from": "2025-01-01",
        "valid_until": "2025-12-31",
        "tags": "congés, RTT",
    }
    assert section(doc) == "Ce guide s’applique à tous les agents de Belleville-sur-Loire."
    assert section(doc, "Congés annuels") == (
        "Chaque agent bénéficie de 25 jours ouvrés, soit cinq fois ses obligations hebdomadaires.\n\n"
        "- Les demandes se font dans l’application Agora.\n\n"
        "- Voir la note de service (https://intranet.belleville.fr/conges) pour le détail."
    )
    teletravail = section(doc, "Télétravail")
    assert "# ceci n'est pas un titre" in teletravail  # fenced code is text, not a heading
    assert teletravail.endswith("- Deux jours par semaine au maximum.\n\n- Accord écrit du responsable de service.")


def test_markdown_title_falls_back_to_front_matter_then_stem(tmp_path: Path) -> None:
    with_meta = load_text("---\ntitle: Charte informatique\n---\n## Mots de passe\n\n12 caractères minimum.")
    assert with_meta.title == "Charte informatique"
    assert with_meta.sections == (Section(("Mots de passe",), "12 caractères minimum."),)

    file = tmp_path / "procedure_acces-vpn.markdown"
    file.write_text("Installer le client VPN fourni par la DSI.", encoding="utf-8")
    assert load_document(file).title == "Procedure acces vpn"


def test_markdown_leading_rule_is_not_front_matter() -> None:
    doc = load_text("---\nCongés\n---\nTexte du règlement.", fallback_title="Règlement")
    assert doc.metadata == {}
    assert doc.title == "Règlement"
    assert "Texte du règlement." in doc.sections[-1].text


def test_markdown_invalid_front_matter_is_corrupt(tmp_path: Path) -> None:
    file = tmp_path / "note.md"
    file.write_text("---\nservice: [RH\n---\n# Note\n\nTexte.", encoding="utf-8")
    assert_unreadable(file, "corrupt")


# --------------------------------------------------------------------------------------------------
# Plain text and HTML
# --------------------------------------------------------------------------------------------------


def test_plain_text_title_and_paragraphs(tmp_path: Path) -> None:
    file = tmp_path / "astreintes.txt"
    file.write_text(
        "Astreintes du service informatique\n\n"
        "L’agent d’astreinte est joignable\nde 18 h à 8 h.\n\n\n"
        "Il intervient à distance en priorité.\n",
        encoding="utf-8",
    )
    doc = load_document(file)
    assert doc.title == "Astreintes du service informatique"
    assert doc.sections == (
        Section((), "L’agent d’astreinte est joignable de 18 h à 8 h.\n\nIl intervient à distance en priorité."),
    )


def test_plain_text_long_first_line_uses_stem(tmp_path: Path) -> None:
    file = tmp_path / "note_rh.txt"
    file.write_text("Les agents peuvent poser leurs congés en ligne.\nSuite.", encoding="utf-8")
    doc = load_document(file)
    assert doc.title == "Note rh"
    assert doc.sections[0].text == "Les agents peuvent poser leurs congés en ligne. Suite."


HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Télétravail – Intranet</title>
<style>body { color: red }</style><script>var x = "congés";</script></head>
<body>
<header><p>Ville de Belleville-sur-Loire</p></header>
<nav><a href="/">Accueil</a></nav>
<h1>Télétravail</h1>
<p>Le télétravail est <strong>ouvert</strong> à tous les agents<br>éligibles.</p>
<h2>Conditions</h2>
<ul><li>Deux jours par semaine</li><li><p>Équipement fourni par la DSI</p></li></ul>
<h3>Matériel</h3>
<table><tr><th>Équipement</th><th>Fourni</th></tr><tr><td>Ordinateur portable</td><td>Oui</td></tr></table>
<h2>Démarches</h2>
<div>Formulaire à remplir <em>avant</em> le 15 du mois.<!-- brouillon --></div>
<blockquote>Contact : drh@belleville.fr</blockquote>
<footer>Mentions légales</footer>
</body></html>"""


def test_html_title_headings_and_blocks(tmp_path: Path) -> None:
    file = tmp_path / "teletravail.html"
    file.write_text(HTML, encoding="utf-8")
    doc = load_document(file)

    assert doc.title == "Télétravail – Intranet"
    # The <h1> is named in <title>, so it is the document title rather than a path element.
    assert paths(doc) == [(), ("Conditions",), ("Conditions", "Matériel"), ("Démarches",)]
    assert section(doc) == "Le télétravail est ouvert à tous les agents éligibles."
    full = "\n\n".join(s.text for s in doc.sections)
    assert "Ville de Belleville" not in full and "Accueil" not in full and "var x" not in full
    assert "Mentions légales" not in full and "brouillon" not in full
    assert section(doc, "Conditions") == "- Deux jours par semaine\n\n- Équipement fourni par la DSI"
    assert section(doc, "Conditions", "Matériel") == "Équipement | Fourni\n\nOrdinateur portable | Oui"
    assert section(doc, "Démarches") == ("Formulaire à remplir avant le 15 du mois.\n\nContact : drh@belleville.fr")


def test_table_rows_keep_blocks_apart_and_empty_cells_in_their_column() -> None:
    html = load_text(
        "<html><body><h1>Pièces</h1><table><tr><td><p>Carte vitale</p><p>RIB</p></td><td></td>"
        "<td><ul><li>un</li><li>deux</li></ul></td></tr><tr><td></td><td></td></tr></table></body></html>",
        suffix=".html",
    )
    assert html.sections == (Section((), "Carte vitale RIB | — | un deux"),)
    markdown = load_text("# Délais\n\n| Demande | Délai | Note |\n|---|---|---|\n| Écran |  | 5 jours |\n")
    assert markdown.sections == (Section((), "Demande | Délai | Note\n\nÉcran | — | 5 jours"),)


def test_markdown_rows_without_outer_pipes_are_a_table_one_row_a_line() -> None:
    """« Verrouiller l'écran | Super+L » line after line (GNOME's help as exported), or a GFM table written
    without its outer pipes: each line a row, never one paragraph of every row run together."""
    shortcuts = load_text("# Clavier\n\nFocaliser la notification | Super+N\nVerrouiller l’écran | Super+L\n")
    assert shortcuts.sections == (Section((), "Focaliser la notification | Super+N\n\nVerrouiller l’écran | Super+L"),)
    gfm = load_text("# Délais\n\nDemande | Délai\n--- | ---\nÉcran | 5 jours\n")
    assert gfm.sections == (Section((), "Demande | Délai\n\nÉcran | 5 jours"),)
    # A sentence with a pipe in it, then a line without one: a paragraph.
    prose = load_text("# Note\n\nChoisir A | B selon le cas\npuis valider.\n")
    assert prose.sections == (Section((), "Choisir A | B selon le cas puis valider."),)
    code = load_text("# Journaux\n\n```\nps aux | grep relais\ntail -f relais.log | less\n```\n")
    assert "\n\n" not in code.sections[0].text and "ps aux | grep relais" in code.sections[0].text


def test_html_intro_paragraph_and_h1_title_without_title_tag() -> None:
    doc = load_text(
        "<html><body><h1>Charte informatique</h1><p>Le mot de passe est <b>personnel</b>.</p>"
        "<h2>Messagerie</h2><p>Pas de transfert automatique.</p></body></html>",
        suffix=".htm",
    )
    assert doc.title == "Charte informatique"
    assert doc.sections == (
        Section((), "Le mot de passe est personnel."),
        Section(("Messagerie",), "Pas de transfert automatique."),
    )


def test_html_declared_windows_1252_charset(tmp_path: Path) -> None:
    file = tmp_path / "prime.html"
    page = '<html><head><meta charset="iso-8859-1"><title>Prime</title></head><body><p>' + FRENCH + "</p>"
    file.write_bytes(page.encode("cp1252"))
    assert load_document(file).sections[0].text == FRENCH


# --------------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------------


def make_pdf(path: Path, *, title: str | None, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)  # core font: Latin-1 text only
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    path.write_bytes(bytes(pdf.output()))
    return path


PDF_PAGES = [
    "Règlement des congés\n\n"
    "Les agents de la commune bénéficient de 25 jours de congés annuels. "
    "Le télétravail est possible à raison de deux jours par semaine.\n\n"
    "Les demandes sont déposées dans l'application RH.",
    "Les jours de fractionnement sont accordés à l'été.",
]


def test_pdf_with_metadata_title(tmp_path: Path) -> None:
    doc = load_document(make_pdf(tmp_path / "reglement.pdf", title="Règlement des congés", pages=PDF_PAGES))
    assert doc.title == "Règlement des congés"
    assert doc.metadata == {"title": "Règlement des congés"}
    assert paths(doc) == [()]
    text = doc.sections[0].text
    assert not text.startswith("Règlement des congés")  # title line is not repeated in the body
    assert "25 jours de congés annuels" in text
    assert "Le télétravail est possible à raison de deux jours par semaine." in text
    assert "\n\nLes demandes sont déposées dans l'application RH." in text
    assert text.endswith("Les jours de fractionnement sont accordés à l'été.")


def test_pdf_sentence_running_over_a_page_break_is_one_paragraph(tmp_path: Path) -> None:
    pages = [
        "Prévention\n\nChaque accident, et même chaque presque accident, doit être noté dans le",
        "registre santé et sécurité au travail, disponible dans chaque bâtiment.\n\nLe conseiller analyse.",
        "Une liste sans point final",
        "Nouvelle page qui commence une phrase.",
    ]
    text = load_document(make_pdf(tmp_path / "prevention.pdf", title="Prévention", pages=pages)).sections[0].text
    assert (
        "Chaque accident, et même chaque presque accident, doit être noté dans le registre santé et sécurité au "
        "travail, disponible dans chaque bâtiment.\n\nLe conseiller analyse." in text
    )
    # A page that opens in capitals starts a paragraph of its own, even after a line without a full stop.
    assert text.endswith("Une liste sans point final\n\nNouvelle page qui commence une phrase.")


def test_pdf_title_from_first_line(tmp_path: Path) -> None:
    doc = load_document(make_pdf(tmp_path / "scan.pdf", title=None, pages=PDF_PAGES))
    assert doc.title == "Règlement des congés"
    assert doc.metadata == {}


def test_pdf_encrypted_with_empty_user_password_opens(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=make_pdf(tmp_path / "src.pdf", title="Congés", pages=PDF_PAGES))
    writer.encrypt("", owner_password="proprietaire")
    file = tmp_path / "protege.pdf"
    writer.write(file)
    assert "25 jours de congés annuels" in load_document(file).sections[0].text


def test_pdf_encrypted_with_password(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=make_pdf(tmp_path / "src.pdf", title="Congés", pages=PDF_PAGES))
    writer.encrypt("secret")
    file = tmp_path / "secret.pdf"
    writer.write(file)
    assert_unreadable(file, "encrypted")


def test_pdf_corrupt_and_truncated(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(bytes(range(256)) * 40)
    assert_unreadable(garbage, "corrupt")

    whole = make_pdf(tmp_path / "whole.pdf", title="Congés", pages=PDF_PAGES).read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(whole[: len(whole) // 2])
    error = assert_unreadable(truncated, "corrupt")
    assert "truncated.pdf" in str(error)


def test_pdf_without_text_is_empty(tmp_path: Path) -> None:
    assert_unreadable(make_pdf(tmp_path / "blank.pdf", title=None, pages=[""]), "empty")


# --------------------------------------------------------------------------------------------------
# DOCX and ODT
# --------------------------------------------------------------------------------------------------


def test_docx_styles_lists_tables_and_core_title(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Guide RH 2025"
    document.add_paragraph("Guide du télétravail", style="Title")
    document.add_paragraph("Document validé en comité social territorial.")
    document.add_heading("Éligibilité", level=1)
    document.add_paragraph("Tous les agents titulaires et contractuels.")
    document.add_heading("Exceptions", level=2)
    document.add_paragraph("Agents d’accueil du public", style="List Bullet")
    document.add_paragraph("Agents de la police municipale", style="List Number")
    document.add_heading("Indemnités", level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Forfait", "Montant"
    table.cell(1, 0).text, table.cell(1, 1).text = "Par jour télétravaillé", "2,88 €"
    file = tmp_path / "teletravail.docx"
    document.save(file)

    doc = load_document(file)
    assert doc.title == "Guide du télétravail"
    assert doc.metadata == {"title": "Guide RH 2025"}
    assert paths(doc) == [(), ("Éligibilité",), ("Éligibilité", "Exceptions"), ("Indemnités",)]
    assert section(doc) == "Document validé en comité social territorial."
    assert section(doc, "Éligibilité", "Exceptions") == (
        "- Agents d’accueil du public\n\n- Agents de la police municipale"
    )
    assert section(doc, "Indemnités") == "Forfait | Montant\n\nPar jour télétravaillé | 2,88 €"


def test_docx_without_title_style_uses_first_heading_1(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Procédure de départ", level=1)
    document.add_paragraph("Restituer le badge et l’ordinateur à la DSI.")
    document.add_heading("Comptes", level=2)
    document.add_paragraph("Les comptes sont désactivés le dernier jour.")
    file = tmp_path / "depart.docx"
    document.save(file)

    doc = load_document(file)
    assert doc.title == "Procédure de départ"
    assert paths(doc) == [(), ("Comptes",)]


def test_docx_corrupt(tmp_path: Path) -> None:
    not_zip = tmp_path / "faux.docx"
    not_zip.write_bytes(b"Ceci n'est pas un document Word.")
    assert_unreadable(not_zip, "corrupt")

    import zipfile

    wrong_zip = tmp_path / "archive.docx"
    with zipfile.ZipFile(wrong_zip, "w") as archive:
        archive.writestr("word/document.xml", "<pas du xml")
    assert_unreadable(wrong_zip, "corrupt")

    legacy = tmp_path / "ancien.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert_unreadable(legacy, "corrupt")


def make_odt(path: Path) -> Path:
    from odf import dc, style, table, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.meta.addElement(dc.Title(text="Charte informatique (métadonnées)"))
    bold = style.Style(name="P1", family="paragraph", parentstylename="Text_20_body")
    document.automaticstyles.addElement(bold)
    body = document.text
    body.addElement(text.H(outlinelevel=1, text="Charte informatique"))
    body.addElement(text.P(stylename=bold, text="Adoptée par le conseil municipal."))
    body.addElement(text.H(outlinelevel=2, text="Mots de passe"))
    body.addElement(text.P(text="Un mot de passe d’au moins douze caractères."))
    items = text.List()
    for label in ("Ne jamais le communiquer", "Le changer en cas de doute"):
        item = text.ListItem()
        item.addElement(text.P(text=label))
        items.addElement(item)
    body.addElement(items)
    body.addElement(text.H(outlinelevel=3, text="Réinitialisation"))
    body.addElement(text.P(text="S’adresser au support de la DSI, poste 4242."))
    body.addElement(text.H(outlinelevel=2, text="Matériel"))
    grid = table.Table(name="Materiel")
    row = table.TableRow()
    for value in ("Portable", "Prêté"):
        cell = table.TableCell()
        cell.addElement(text.P(text=value))
        row.addElement(cell)
    grid.addElement(row)
    body.addElement(grid)
    document.save(str(path))
    return path


def test_odt_headings_lists_tables(tmp_path: Path) -> None:
    doc = load_document(make_odt(tmp_path / "charte.odt"))
    assert doc.title == "Charte informatique"
    assert doc.metadata == {"title": "Charte informatique (métadonnées)"}
    assert paths(doc) == [
        (),
        ("Mots de passe",),
        ("Mots de passe", "Réinitialisation"),
        ("Matériel",),
    ]
    assert section(doc) == "Adoptée par le conseil municipal."
    assert section(doc, "Mots de passe") == (
        "Un mot de passe d’au moins douze caractères.\n\n- Ne jamais le communiquer\n\n- Le changer en cas de doute"
    )
    assert section(doc, "Mots de passe", "Réinitialisation") == "S’adresser au support de la DSI, poste 4242."
    assert section(doc, "Matériel") == "Portable | Prêté"


def test_odt_corrupt(tmp_path: Path) -> None:
    file = tmp_path / "charte.odt"
    file.write_bytes(make_odt(tmp_path / "ok.odt").read_bytes()[:300])
    assert_unreadable(file, "corrupt")


# --------------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-16-le", "utf-8", "utf-8-sig"])
def test_decode_bytes_french(encoding: str) -> None:
    assert decode_bytes(FRENCH.encode(encoding)) == FRENCH


def test_decode_bytes_latin1() -> None:
    text = "Congés à l'été, réunion du comité à Noël."
    assert decode_bytes(text.encode("latin-1")) == text


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16"])
def test_text_files_in_legacy_encodings(tmp_path: Path, encoding: str) -> None:
    file = tmp_path / "prime.txt"
    file.write_bytes(f"Prime de fin d’année\n\n{FRENCH}\n".encode(encoding))
    doc = load_document(file)
    assert doc.title == "Prime de fin d’année"
    assert doc.sections == (Section((), FRENCH),)


# --------------------------------------------------------------------------------------------------
# Bad inputs and API edges
# --------------------------------------------------------------------------------------------------


def test_empty_and_whitespace_only(tmp_path: Path) -> None:
    empty = tmp_path / "vide.md"
    empty.touch()
    assert_unreadable(empty, "empty")

    blank = tmp_path / "blanc.txt"
    blank.write_text(" \n\n\t \u00a0\n", encoding="utf-8")
    assert_unreadable(blank, "empty")


@pytest.mark.parametrize("name", ["budget.xlsx", "setup.exe", "LISEZMOI"])
def test_unsupported_type(tmp_path: Path, name: str) -> None:
    file = tmp_path / name
    file.write_bytes(b"PK\x03\x04 contenu")
    error = assert_unreadable(file, "unsupported_type")
    assert ".docx" in str(error) and ".pdf" in str(error)


def test_too_large_is_checked_before_reading(tmp_path: Path) -> None:
    file = tmp_path / "gros.pdf"
    file.write_bytes(b"x" * 2048)  # not even a PDF: the size check must come first
    assert_unreadable(file, "too_large", max_bytes=1024)
    assert DEFAULT_MAX_BYTES == 50 * 1024 * 1024


def test_missing_file(tmp_path: Path) -> None:
    assert_unreadable(tmp_path / "absent.docx", "not_found")
    folder = tmp_path / "dossier.md"
    folder.mkdir()
    assert_unreadable(folder, "not_found")


def test_uppercase_suffix_is_supported(tmp_path: Path) -> None:
    file = tmp_path / "NOTE.TXT"
    file.write_text("Note de service\n\nFermeture de la mairie le 14 juillet.", encoding="utf-8")
    assert load_document(file).title == "Note de service"
    assert ".txt" in SUPPORTED_SUFFIXES


def test_load_text_rejects_binary_suffix() -> None:
    with pytest.raises(UnreadableDocument) as info:
        load_text("%PDF-1.7", suffix=".pdf")
    assert info.value.code == "unsupported_type"


def test_exception_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(UnreadableDocument("encrypted", "protégé par mot de passe")))
    assert (error.code, str(error)) == ("encrypted", "protégé par mot de passe")


# --------------------------------------------------------------------------------------------------
# Native metadata: service, version, validity and contact in each format's own place
# --------------------------------------------------------------------------------------------------

EXPECTED_METADATA = {
    "service": "DSI",
    "version": "2026-2",
    "valid_from": "2026-01-01",
    "valid_until": "2026-12-31",
    "contact": "Centre de services — poste 4400 — « assistance »",
}


def test_html_relais_meta_tags(tmp_path: Path) -> None:
    file = tmp_path / "vpn.html"
    file.write_text(
        '<html><head><meta charset="utf-8"><title>VPN</title>'
        '<meta name="relais:service" content="DSI"><meta name="Relais:Version" content="2026-2">'
        '<meta name="relais:valid_from" content="2026-01-01"><meta name="relais:valid_until" content="2026-12-31">'
        '<meta name="relais:contact" content="Centre de services — poste 4400 — « assistance »">'
        '<meta name="relais:owner" content="ignored"><meta name="relais:version" content="a second value loses">'
        '<meta name="description" content="not ours"><meta name="relais:service" content="">'
        "</head><body><h1>VPN</h1><p>Installez le client Passerelle.</p></body></html>",
        encoding="utf-8",
    )
    doc = load_document(file)
    assert doc.metadata == EXPECTED_METADATA
    assert doc.title == "VPN" and doc.sections == (Section((), "Installez le client Passerelle."),)


def test_html_without_relais_meta_has_no_metadata() -> None:
    assert load_text("<html><body><h1>Note</h1><p>Texte.</p></body></html>", suffix=".html").metadata == {}


def test_pdf_document_information_entries(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=make_pdf(tmp_path / "src.pdf", title="Règlement des congés", pages=PDF_PAGES))
    writer.add_metadata(
        {
            "/Service": "DSI",
            "/Version": "2026-2",
            "/ValidFrom": "2026-01-01",
            "/ValidUntil": "2026-12-31T00:00:00",
            "/Contact": "Centre de services — poste 4400 — « assistance »",
            "/Keywords": "congés",
        }
    )
    file = tmp_path / "reglement.pdf"
    writer.write(file)
    doc = load_document(file)
    assert doc.metadata == {"title": "Règlement des congés", **EXPECTED_METADATA}
    assert doc.title == "Règlement des congés"


GUIDE_TITLE = "Guide de la messagerie et de l'agenda partagé de la commune, version pour les agents"


def make_bookmarked_pdf(path: Path, *, meta_title: bool) -> Path:
    """Headings drawn as text and bookmarked, the way Word or LibreOffice export them."""
    from fpdf import FPDF

    pdf = FPDF()
    if meta_title:
        pdf.set_title(GUIDE_TITLE)
    pdf.add_page()

    def heading(text: str, level: int) -> None:
        pdf.start_section(text, level)  # without section title styles, only the bookmark is added
        pdf.set_font("Helvetica", "B", 20 if level == 0 else 14)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)

    heading(GUIDE_TITLE, 0)  # wraps over two lines
    pdf.multi_cell(0, 6, "Ce guide présente la messagerie des agents.", new_x="LMARGIN", new_y="NEXT")
    heading("Boîte aux lettres", 1)
    pdf.multi_cell(0, 6, "Chaque agent dispose d'une boîte de 10 Go.", new_x="LMARGIN", new_y="NEXT")
    pdf.start_section("Annexe sans texte", 2)  # a bookmark whose text is nowhere on the page
    heading("Archivage", 2)
    pdf.multi_cell(0, 6, "Les messages de plus de deux ans sont archivés.", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    heading("Agenda", 1)
    pdf.multi_cell(0, 6, "L'agenda se partage avec son équipe.", new_x="LMARGIN", new_y="NEXT")
    path.write_bytes(bytes(pdf.output()))
    return path


@pytest.mark.parametrize("meta_title", [True, False])
def test_pdf_bookmarks_give_the_headings_back(tmp_path: Path, meta_title: bool) -> None:
    doc = load_document(make_bookmarked_pdf(tmp_path / "messagerie.pdf", meta_title=meta_title))
    # The title, wrapped over two lines, is the first bookmark: it is the title, not body text.
    assert doc.title == GUIDE_TITLE
    assert paths(doc) == [(), ("Boîte aux lettres",), ("Boîte aux lettres", "Archivage"), ("Agenda",)]
    assert section(doc) == "Ce guide présente la messagerie des agents."
    assert section(doc, "Boîte aux lettres", "Archivage") == "Les messages de plus de deux ans sont archivés."
    assert section(doc, "Agenda") == "L'agenda se partage avec son équipe."


def add_docx_custom_properties(document, properties: list[tuple[str, str, str]], *, xml: str = "") -> None:
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    entries = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{pid}" name="{name}">'
        f"<vt:{kind}>{value}</vt:{kind}></property>"
        for pid, (name, kind, value) in enumerate(properties, start=2)
    )
    xml = xml or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        f'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">{entries}</Properties>'
    )
    package = document.part.package
    part = Part(
        PackURI("/docProps/custom.xml"),
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
        xml.encode(),
        package,
    )
    package.relate_to(part, RELATIONSHIP_TYPE.CUSTOM_PROPERTIES)


def test_docx_custom_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "Charte VPN"
    document.add_heading("Charte VPN", level=1)
    document.add_paragraph("Le VPN est réservé aux agents.")
    add_docx_custom_properties(
        document,
        [
            ("Service", "lpwstr", "DSI"),
            ("version", "lpwstr", "2026-2"),
            ("Valid from", "filetime", "2026-01-01T00:00:00Z"),  # a Word "Date" property
            ("valid_until", "lpwstr", "2026-12-31"),
            ("contact", "lpwstr", "Centre de services — poste 4400 — « assistance »"),
            ("Relecteur", "lpwstr", "ignored"),
        ],
    )
    file = tmp_path / "vpn.docx"
    document.save(file)
    doc = load_document(file)
    assert doc.metadata == {"title": "Charte VPN", **EXPECTED_METADATA}


def test_docx_without_or_with_damaged_custom_properties(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Note sans propriétés.")
    file = tmp_path / "note.docx"
    document.save(file)
    assert load_document(file).metadata == {}

    add_docx_custom_properties(document, [], xml="<Properties><property name='service'>")
    document.save(file)
    doc = load_document(file)
    assert doc.metadata == {} and doc.sections == (Section((), "Note sans propriétés."),)


def test_odt_user_defined_properties(tmp_path: Path) -> None:
    from odf import meta
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    for name, value, kind in [
        ("service", "DSI", "string"),
        ("Version", "2026-2", "string"),
        ("valid_from", "2026-01-01T00:00:00", "date"),  # LibreOffice "Date" field
        ("valid_until", "2026-12-31", "date"),
        ("contact", "Centre de services — poste 4400 — « assistance »", "string"),
        ("Relecteur", "ignored", "string"),
    ]:
        document.meta.addElement(meta.UserDefined(name=name, valuetype=kind, text=value))
    document.text.addElement(H(outlinelevel=1, text="Charte VPN"))
    document.text.addElement(P(text="Le VPN est réservé aux agents."))
    file = tmp_path / "vpn.odt"
    document.save(str(file))
    doc = load_document(file)
    assert doc.metadata == EXPECTED_METADATA
    assert doc.title == "Charte VPN"


@pytest.mark.parametrize(
    ("title", "names_something"),
    [
        ("Congés annuels", True),
        ("RTT", True),
        ("Note DRH 2021 03", True),
        ("F34355", False),
        ("P1030042", False),
        ("2023 03 01", False),
        ("", False),
    ],
)
def test_a_title_names_something_when_it_holds_a_word(title, names_something):
    assert title_names_something(title) is names_something


# A PDF's tables: pypdf's plain text runs cells together; the reader writes each row « cell | cell ».

JUSTIFIED = (
    "Le remboursement des nuitées se fait sur justificatif, dans la limite des plafonds suivants, qui "
    "comprennent le petit-déjeuner et sont fixés par délibération du conseil municipal. "
) * 3


def make_table_pdf(path: Path, rows: list[tuple[str, ...]], *, borders: bool) -> Path:
    """Justified prose, a table (fpdf2's bordered table, or cells side by side without space between the rows),
    then a closing sentence."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)  # core font: Latin-1 text only
    pdf.add_page()
    pdf.multi_cell(0, 6, JUSTIFIED, align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    if borders:
        with pdf.table(col_widths=(60, 50, 50)[: len(rows[0])]) as table:
            for row in rows:
                cells = table.row()
                for text in row:
                    cells.cell(text)
    else:
        for row in rows:
            for width, text in zip((60, 40, 50), row, strict=False):
                pdf.cell(width, 5, text)
            pdf.ln(5)
    pdf.ln(3)
    pdf.multi_cell(0, 6, "Ces plafonds sont revus chaque année.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    path.write_bytes(bytes(pdf.output()))
    return path


def test_pdf_table_rows_are_read_cell_by_cell(tmp_path: Path) -> None:
    rows = [
        ("Lieu de la mission", "Plafond par nuitée"),
        ("Commune de Paris", "140 euros"),
        ("Grandes villes (Lyon, Bordeaux)", "120 euros"),
    ]
    text = load_document(make_table_pdf(tmp_path / "bareme.pdf", rows, borders=True)).sections[0].text
    paragraphs = text.split("\n\n")
    assert [" | ".join(row) for row in rows] == [p for p in paragraphs if " | " in p]
    # The prose around is read as before: justified text is no table, the closing sentence stands alone.
    assert "fixés par délibération du conseil municipal. Le remboursement" in text
    assert paragraphs[-1] == "Ces plafonds sont revus chaque année."


def test_pdf_table_rows_without_space_between_them_and_with_a_wrapped_cell(tmp_path: Path) -> None:
    tight = [("Événement", "Durée", "Justificatif"), ("Mariage de l'agent", "5 jours", "Acte de mariage")]
    tight.append(("Naissance", "3 jours", "Acte de naissance"))
    text = load_document(make_table_pdf(tmp_path / "absences.pdf", tight, borders=False)).sections[0].text
    assert [" | ".join(row) for row in tight] == [p for p in text.split("\n\n") if " | " in p]
    wrapped = [("Durée du congé", "Délai", "Validation")]
    wrapped += [("Moins de 5 jours", "15 jours avant le départ, au moins", "Chef de service")]
    wrapped += [("Plus de 5 jours", "1 mois", "DRH")]
    text = load_document(make_table_pdf(tmp_path / "conges.pdf", wrapped, borders=True)).sections[0].text
    assert [" | ".join(row) for row in wrapped] == [p for p in text.split("\n\n") if " | " in p]


def test_pdf_prose_in_two_columns_is_no_table(tmp_path: Path) -> None:
    """Two columns of prose line up like a table in layout mode, but the plain text reads each column whole: no
    run of its lines holds the words of one layout line, so nothing is taken for a row."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    pdf.set_auto_page_break(False)
    pdf.multi_cell(85, 6, "Les agents à temps partiel bénéficient des mêmes droits. " * 6)
    pdf.set_xy(110, 10)
    pdf.multi_cell(85, 6, "Le compte épargne-temps reçoit les jours non pris. " * 6)
    path = tmp_path / "colonnes.pdf"
    path.write_bytes(bytes(pdf.output()))
    text = load_document(path).sections[0].text
    assert " | " not in text
    assert "Les agents à temps partiel bénéficient des mêmes droits. Les agents" in text


# A règlement's divisions written as plain paragraphs (no heading styles, a PDF without bookmarks).

REGLEMENT = [
    ("TITRE I – Le temps de travail", ""),
    ("Article 1 – Durée annuelle", "La durée annuelle du travail est de 1 607 heures pour un agent à temps complet."),
    ("Article 2 – Cycles", "Les cycles de travail sont de 35 h, 37 h 30 ou 39 h par semaine."),
    ("TITRE II – Les congés", ""),
    ("Article 3 : absence continue", "L'absence du service ne peut excéder 31 jours consécutifs."),
]
REGLEMENT_PATHS = [
    ("TITRE I – Le temps de travail", "Article 1 – Durée annuelle"),
    ("TITRE I – Le temps de travail", "Article 2 – Cycles"),
    ("TITRE II – Les congés", "Article 3 : absence continue"),
]


@pytest.mark.parametrize(
    ("paragraph", "level"),
    [
        ("TITRE II – Le temps de travail", 2),
        ("Chapitre 3 : Les congés", 3),
        ("Section 1", 4),
        ("Article premier", 6),
        ("article 12 – le compte épargne-temps", 6),
        ("Art. 4.", 6),
        # Sentences about an article, a table of contents, a word that only begins like a division: paragraphs.
        ("Article 3 du décret n° 2000-815 prévoit que la durée est de 1 607 heures.", None),
        ("L'article 3 fixe la durée du travail", None),
        ("Article 1 – Objet ........................ 3", None),
        ("Titre de séjour", None),
        ("Articles 3 et 4", None),
    ],
)
def test_a_reglement_division_written_as_a_paragraph_is_a_heading(paragraph: str, level: int | None) -> None:
    assert division_level(paragraph) == level


def test_docx_reglement_without_heading_styles_is_cut_at_its_articles(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Règlement intérieur du temps de travail", style="Title")
    document.add_paragraph("Adopté par le conseil municipal.")
    for heading, text in REGLEMENT:
        document.add_paragraph(heading)
        if text:
            document.add_paragraph(text)
    table = document.add_table(rows=2, cols=2)  # a table of the articles changed: rows, not headings
    table.cell(0, 0).text, table.cell(0, 1).text = "Article 1", "Durée annuelle"
    table.cell(1, 0).text, table.cell(1, 1).text = "Article 3", "Absence continue"
    file = tmp_path / "reglement.docx"
    document.save(file)

    doc = load_document(file)
    assert paths(doc) == [(), *REGLEMENT_PATHS]
    assert section(doc, *REGLEMENT_PATHS[2]) == (
        "L'absence du service ne peut excéder 31 jours consécutifs.\n\n"
        "Article 1 | Durée annuelle\n\nArticle 3 | Absence continue"
    )


def test_pdf_reglement_without_bookmarks_is_cut_at_its_articles(tmp_path: Path) -> None:
    lines = ["Règlement intérieur du temps de travail", "Adopté par le conseil municipal."]
    for heading, text in REGLEMENT:
        lines += [heading, text] if text else [heading]
    # A sentence that wraps onto a line beginning with « Article 5 » is no heading.
    lines.append("Les agents en cycle de 39 h relèvent, conformément à l'\nArticle 5 du présent règlement, de 23 RTT.")
    latin1 = "\n".join(lines).replace("–", "-")  # the core font writes Latin-1 only
    file = make_pdf(tmp_path / "reglement.pdf", title=None, pages=[latin1])

    doc = load_document(file)
    expected = [tuple(heading.replace("–", "-") for heading in path) for path in REGLEMENT_PATHS]
    assert doc.title == "Règlement intérieur du temps de travail"
    assert paths(doc) == [(), *expected]
    assert section(doc, *expected[0]) == REGLEMENT[1][1]
    assert section(doc, *expected[2]).endswith("conformément à l' Article 5 du présent règlement, de 23 RTT.")


# Sub-headings set by hand in bold, as many a town's document marks them, instead of a heading style.


def test_docx_paragraphs_all_in_bold_are_sub_headings(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Carte d’identité", style="Title")
    document.add_heading("Première demande", level=1)
    for text, bold in [
        ("Qui est concerné ?", True),
        ("Toute personne de nationalité française.", False),
        ("Coût", True),  # a sibling of the previous one, not under it
        ("La carte est gratuite.", False),
        ("Attention : une carte perdue se déclare d’abord.", True),  # a warning in bold: quoted like any sentence
        ("Délai", True),
        ("Il dépend de la mairie.", False),
    ]:
        document.add_paragraph().add_run(text).bold = bold
    file = tmp_path / "carte.docx"
    document.save(file)

    doc = load_document(file)
    assert paths(doc) == [
        ("Première demande", "Qui est concerné ?"),
        ("Première demande", "Coût"),
        ("Première demande", "Délai"),
    ]
    assert section(doc, "Première demande", "Coût") == (
        "La carte est gratuite.\n\nAttention : une carte perdue se déclare d’abord."
    )


def test_html_and_markdown_paragraphs_all_in_bold_are_sub_headings(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Carte d’identité</title></head><body><h2>Première demande</h2>"
        "<p><strong>Qui est concerné ?</strong></p><p>Toute personne de nationalité française.</p>"
        "<p><b>Coût</b></p><p><strong>Gratuit</strong> pour une première demande.</p></body></html>"
    )
    (tmp_path / "carte.html").write_text(page, encoding="utf-8")
    doc = load_document(tmp_path / "carte.html")
    assert paths(doc) == [("Première demande", "Qui est concerné ?"), ("Première demande", "Coût")]
    assert section(doc, "Première demande", "Coût") == "Gratuit pour une première demande."

    text = "# Carte d’identité\n\n## Première demande\n\n**Pièces à fournir**\n\nUne photo.\n\n**Attention : délai.**\n"
    (tmp_path / "carte.md").write_text(text, encoding="utf-8")
    doc = load_document(tmp_path / "carte.md")
    assert paths(doc) == [("Première demande", "Pièces à fournir")]
    assert section(doc, "Première demande", "Pièces à fournir") == "Une photo.\n\nAttention : délai."


def test_a_bold_question_of_twelve_words_is_a_heading_whatever_the_space_before_its_question_mark(
    tmp_path: Path,
) -> None:
    # French typography sets « ? » apart with a space: it is no word. The CNIL FAQ's « 3. Que faire si un organisme
    # ne respecte pas votre droit d'opposition ? » was read as a bold sentence, its section merged into the one above.
    question = "3. Que faire si un organisme ne respecte pas votre droit d’opposition ?"
    longer = "Que faire si un organisme public ne respecte pas du tout votre droit d’opposition ?"
    text = f"# Droit d’opposition\n\n**{question}**\n\nSaisissez la CNIL.\n\n**{longer}**\n\nÉcrivez-lui.\n"
    (tmp_path / "opposition.md").write_text(text, encoding="utf-8")
    doc = load_document(tmp_path / "opposition.md")
    assert paths(doc) == [(question,)]
    assert section(doc, question) == f"Saisissez la CNIL.\n\n{longer}\n\nÉcrivez-lui."


def test_odt_paragraphs_all_in_bold_are_sub_headings(tmp_path: Path) -> None:
    from odf import style, text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    bold_paragraph = style.Style(name="P1", family="paragraph")
    bold_paragraph.addElement(style.TextProperties(fontweight="bold"))
    bold_span = style.Style(name="T1", family="text")
    bold_span.addElement(style.TextProperties(fontweight="bold"))
    for automatic in (bold_paragraph, bold_span):
        document.automaticstyles.addElement(automatic)
    body = document.text
    body.addElement(text.H(outlinelevel=1, text="Carte d’identité"))
    body.addElement(text.P(stylename=bold_paragraph, text="Qui est concerné ?"))
    body.addElement(text.P(text="Toute personne de nationalité française."))
    spanned = text.P()
    spanned.addElement(text.Span(stylename=bold_span, text="Coût"))
    body.addElement(spanned)
    mixed = text.P()
    mixed.addElement(text.Span(stylename=bold_span, text="Gratuit"))
    mixed.addText(" pour une première demande.")
    body.addElement(mixed)
    file = tmp_path / "carte.odt"
    document.save(str(file))

    doc = load_document(file)
    assert paths(doc) == [("Qui est concerné ?",), ("Coût",)]
    assert section(doc, "Coût") == "Gratuit pour une première demande."
