"""Hostile files made on demand, at their real size (never committed): what tests/engine/readers/test_limits.py
refuses and bench/bombs.py measures. Each is small on disk and huge once unpacked, expanded or extracted."""

from __future__ import annotations

import zipfile
from pathlib import Path

CHUNK = b"\0" * (1024 * 1024)


def base_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Guide", level=1)
    document.add_paragraph("Un paragraphe ordinaire.")
    document.save(str(path))
    return path


def base_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Un paragraphe ordinaire."))
    document.save(str(path))
    return path


def add_zero_member(path: Path, name: str, mebibytes: int) -> Path:
    """A member of zeros added to an archive: a few KB compressed per MiB declared."""
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(name, "w", force_zip64=True) as member,
    ):
        for _ in range(mebibytes):
            member.write(CHUNK)
    return path


def docx_with_empty_paragraphs(path: Path, millions: int) -> Path:
    """A .docx whose document.xml holds ``millions`` × about a million empty paragraphs (6 MiB each)."""
    source = base_docx(path.with_name(f"source-{path.name}"))
    paragraphs = b"<w:p/>" * (1024 * 1024)
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in original.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, original.read(item))
        head, tail = original.read("word/document.xml").split(b"<w:body>")
        with bomb.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(head + b"<w:body>")
            for _ in range(millions):
                member.write(paragraphs)
            member.write(tail)
    source.unlink()
    return path


def billion_laughs(levels: int = 8) -> str:
    """Markdown whose YAML front matter nests ``levels`` of nine aliases: 9 ** levels strings once expanded."""
    lines = ["---", "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        name, previous = chr(97 + level), chr(96 + level)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    return "\n".join([*lines, "---", "# Titre", "", "Texte."])


def shared_stream_pdf(path: Path, pages: int, lines: int) -> Path:
    """Every page draws the same content stream: a few KB of file, pages × lines of text once extracted."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 10 Tf 12 TL 50 780 Td " + b"(Demandez votre badge a l'accueil.) ' " * lines + b"ET")
    content, font_ref = writer._add_object(stream), writer._add_object(font)
    for _ in range(pages):
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Contents")] = content
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font_ref})}
        )
    with path.open("wb") as handle:
        writer.write(handle)
    return path
