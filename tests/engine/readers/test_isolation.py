"""Slow or greedy files are read in a child process that has a time budget and a memory ceiling."""

import time

import pytest

from relais.engine.readers.files import load_document
from relais.engine.readers.isolation import ReadingBudget, read_document
from relais.engine.readers.limits import MIB, ReadingLimits
from relais.engine.readers.structure import UnreadableDocument
from tests.bombs import base_docx, base_odt, docx_with_empty_paragraphs, shared_stream_pdf


def test_a_document_read_in_a_child_process_is_the_one_read_in_place(tmp_path):
    for path in (base_docx(tmp_path / "guide.docx"), base_odt(tmp_path / "guide.odt")):
        assert read_document(path) == load_document(path)


def test_a_pdf_that_reads_too_slowly_is_stopped_at_its_time_budget(tmp_path):
    # Five pages sharing one content stream: about 15 s of extraction per page, well under every size limit.
    bomb = shared_stream_pdf(tmp_path / "cinq.pdf", pages=5, lines=20_000)
    started = time.monotonic()
    with pytest.raises(UnreadableDocument, match=r"reading took more than 1 s.*RELAIS_READ_TIMEOUT") as caught:
        read_document(bomb, budget=ReadingBudget(seconds=1))
    assert time.monotonic() - started < 10  # stopped, not waited for
    assert caught.value.code == "too_slow"
    assert caught.value.french.startswith("la lecture du fichier a dépassé la limite de 1 secondes")


def test_a_file_needing_more_memory_than_the_ceiling_is_refused_as_too_large(tmp_path):
    path = docx_with_empty_paragraphs(tmp_path / "paragraphes.docx", 2)  # 12 MiB of XML, a big tree
    with pytest.raises(UnreadableDocument, match="needs more than 400 MiB of memory") as caught:
        read_document(path, budget=ReadingBudget(seconds=60, memory_bytes=400 * MIB))
    assert caught.value.code == "too_large"
    assert "plus de 400 Mo de mémoire" in caught.value.french


def test_the_limits_travel_to_the_child(tmp_path):
    path = shared_stream_pdf(tmp_path / "pages.pdf", pages=6, lines=1)
    with pytest.raises(UnreadableDocument, match="6 pages, more than the limit of 5") as caught:
        read_document(path, limits=ReadingLimits(max_pdf_pages=5))
    assert caught.value.french == "le PDF compte 6 pages, au-delà de la limite de 5 : scindez-le"


def test_text_formats_and_a_zero_budget_are_read_in_place(tmp_path, monkeypatch):
    import subprocess

    def no_child(*args, **kwargs):
        raise AssertionError("no child process expected")

    monkeypatch.setattr(subprocess, "run", no_child)
    note = tmp_path / "note.md"
    note.write_text("# Note\n\nUn paragraphe.", encoding="utf-8")
    assert read_document(note).sections[0].text == "Un paragraphe."
    assert read_document(base_docx(tmp_path / "g.docx"), budget=ReadingBudget(seconds=0)).sections
