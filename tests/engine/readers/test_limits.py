"""Hostile files are refused before they are read: office archives that unpack to too much, YAML bombs.

The bombs are made by tests/bombs.py when the tests run, never committed: here a 300 MiB zero-filled image (a few
hundred KB compressed), seven million empty paragraphs (a 42 MiB document.xml); bench/bombs.py reads them at the
attack campaign's sizes and prints the time and peak memory of each refusal.
"""

import zipfile

import pytest

from relais.engine.readers import limits
from relais.engine.readers.files import load_document, load_text
from relais.engine.readers.limits import ReadingLimits
from relais.engine.readers.structure import UnreadableDocument
from tests.bombs import (
    add_zero_member,
    base_docx,
    base_odt,
    billion_laughs,
    docx_with_empty_paragraphs,
    shared_stream_pdf,
)


def test_an_ordinary_docx_is_read(tmp_path):
    assert load_document(base_docx(tmp_path / "guide.docx")).sections[0].text == "Un paragraphe ordinaire."


def test_a_docx_hiding_a_huge_image_is_refused_before_it_is_opened(tmp_path):
    path = base_docx(tmp_path / "bombe.docx")
    add_zero_member(path, "word/media/image1.png", 300)
    assert path.stat().st_size < 2 * 1024 * 1024  # the upload itself is small
    with pytest.raises(UnreadableDocument, match=r"unpacks to 30[0-9] MiB, more than the limit of 256 MiB") as caught:
        load_document(path)
    assert caught.value.code == "too_large"
    assert "au-delà de la limite de 256 Mo" in caught.value.french  # the référent is told which limit


def test_the_unpacked_limit_is_a_setting(tmp_path):
    path = base_docx(tmp_path / "guide.docx")
    add_zero_member(path, "word/media/image1.png", 3)
    assert load_document(path).sections  # 3 MiB is fine by default
    with pytest.raises(UnreadableDocument, match="more than the limit of 2 MiB") as caught:
        load_document(path, limits=ReadingLimits(max_unpacked_bytes=2 * limits.MIB))
    assert "au-delà de la limite de 2 Mo" in caught.value.french


def test_a_docx_with_millions_of_paragraphs_is_refused(tmp_path):
    path = docx_with_empty_paragraphs(tmp_path / "paragraphes.docx", 7)  # 42 MiB of XML
    with pytest.raises(UnreadableDocument, match=r"word/document\.xml is 4[0-9] MiB of XML") as caught:
        load_document(path)
    assert caught.value.code == "too_large"


def test_an_odt_hiding_a_huge_picture_is_refused(tmp_path):
    path = base_odt(tmp_path / "bombe.odt")
    assert load_document(path).sections[0].text == "Un paragraphe ordinaire."
    add_zero_member(path, "Pictures/image.png", 300)
    with pytest.raises(UnreadableDocument, match="more than the limit of 256 MiB"):
        load_document(path)


def test_an_archive_of_too_many_parts_is_refused(tmp_path):
    path = base_docx(tmp_path / "parts.docx")
    with zipfile.ZipFile(path, "a") as archive:
        for number in range(limits.DEFAULTS.max_archive_members):
            archive.writestr(f"relais-test/part{number}.xml", b"<a/>")
    with pytest.raises(UnreadableDocument, match=f"more than the limit of {limits.DEFAULTS.max_archive_members}"):
        load_document(path)
    with pytest.raises(UnreadableDocument, match="more than the limit of 10") as caught:
        load_document(base_docx(tmp_path / "petit.docx"), limits=ReadingLimits(max_archive_members=10))
    assert "au-delà de la limite de 10" in caught.value.french


def test_yaml_anchors_and_aliases_in_front_matter_are_refused_without_being_expanded():
    assert len(billion_laughs(8)) < 600
    with pytest.raises(UnreadableDocument, match="anchors or aliases") as caught:
        load_text(billion_laughs(8))
    assert caught.value.code == "corrupt"
    assert "ancres ou des alias" in caught.value.french


def test_ordinary_front_matter_still_gives_metadata():
    loaded = load_text("---\nservice: RH & DSI\nvalid_from: 2026-01-01\n---\n# Titre\n\nTexte.")
    assert loaded.metadata["service"] == "RH & DSI" and loaded.metadata["valid_from"] == "2026-01-01"


def test_oversized_front_matter_is_refused():
    block = "---\n" + "".join(f"cle{n}: {'x' * 60}\n" for n in range(2000)) + "---\nTexte."
    with pytest.raises(UnreadableDocument, match="front matter exceeds 64 KiB") as caught:
        load_text(block)
    assert "limite de 64 Ko" in caught.value.french


def test_a_pdf_whose_pages_share_one_content_stream_stops_at_the_text_limit(tmp_path):
    small = shared_stream_pdf(tmp_path / "court.pdf", pages=2, lines=20)
    assert "Demandez votre badge" in load_document(small).sections[0].text
    scaled_down = ReadingLimits(max_extracted_chars=50_000)  # the real limit, 4 M characters, scaled down
    bomb = shared_stream_pdf(tmp_path / "bombe.pdf", pages=300, lines=500)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(UnreadableDocument, match="more than 50,000 characters of text") as caught:
        load_document(bomb, limits=scaled_down)
    assert caught.value.code == "too_large"
    assert "plus de 50\u202f000 caractères" in caught.value.french


def test_every_format_stops_at_the_text_limit():
    scaled_down = ReadingLimits(max_extracted_chars=1_000)
    with limits.applied(scaled_down):
        assert load_text("# Guide\n\n" + "Un paragraphe.\n\n" * 50).sections
        with pytest.raises(UnreadableDocument, match="more than 1,000 characters"):
            load_text("# Guide\n\n" + "Un paragraphe.\n\n" * 100)
    assert load_text("# Guide\n\n" + "Un paragraphe.\n\n" * 100).sections  # outside, the defaults again


def test_a_pdf_with_too_many_pages_is_refused_before_its_text_is_read(tmp_path):
    with pytest.raises(UnreadableDocument, match="6 pages, more than the limit of 5") as caught:
        load_document(
            shared_stream_pdf(tmp_path / "pages.pdf", pages=6, lines=1), limits=ReadingLimits(max_pdf_pages=5)
        )
    assert caught.value.french == "le PDF compte 6 pages, au-delà de la limite de 5 : scindez-le"


def test_a_pdf_whose_pages_draw_too_much_is_refused_before_any_text_is_extracted(tmp_path):
    path = shared_stream_pdf(tmp_path / "pages.pdf", pages=40, lines=1_000)  # 38 KB drawn 40 times
    assert path.stat().st_size < 50_000
    with pytest.raises(UnreadableDocument, match="draw more than 1 MiB of content"):
        load_document(path, limits=ReadingLimits(max_pdf_content_bytes=limits.MIB))
