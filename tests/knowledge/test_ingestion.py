from datetime import date
from pathlib import Path

import pytest
from fpdf import FPDF
from pypdf import PdfReader, PdfWriter

from relais.engine.search.hybrid_index import SearchFilters
from relais.knowledge.index import get_passage_index
from relais.knowledge.ingestion import Ingestor, get_or_create_collection
from relais.knowledge.models import Document, Passage

pytestmark = pytest.mark.django_db

CONGES = """---
service: RH
version: "2026-1"
valid_from: 2026-01-01
---
# Congés annuels

## Droits

Chaque agent a droit à des congés annuels égaux à cinq fois ses obligations hebdomadaires de service.

## Demande

La demande de congés se fait dans le logiciel de gestion des temps, quinze jours à l'avance.
"""

VPN = """# Accès VPN

Pour travailler à distance, installez le client VPN fourni par la DSI et connectez-vous avec votre compte.
"""


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def pdf_bytes(text: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def encrypted_pdf(tmp_path: Path) -> bytes:
    tmp_path = tmp_path / "build"
    tmp_path.mkdir()
    plain = write(tmp_path, "plain.pdf", pdf_bytes("Note confidentielle sur les astreintes."))
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    out = tmp_path / "enc.pdf"
    with out.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return out.read_bytes()


def search_titles(query: str, **filters) -> list[str]:
    results = get_passage_index().search(query, filters=SearchFilters(**filters), k=5)
    return [r.document.title for r in results]


@pytest.fixture()
def rh():
    return get_or_create_collection("rh-test", audience="agents", service="RH")


def test_ingest_is_idempotent_and_searchable(tmp_path, rh):
    write(tmp_path, "conges.md", CONGES)
    write(tmp_path, "vpn.md", VPN)
    first = Ingestor(rh).ingest([tmp_path])
    assert first.counts() == {"added": 2, "updated": 0, "unchanged": 0, "removed": 0, "failed": 0}
    doc = Document.objects.get(title="Congés annuels")
    assert (doc.service, doc.version, doc.valid_from) == ("RH", "2026-1", date(2026, 1, 1))
    # Both sections are too small to stand alone: one passage, sub-headings kept in its text.
    [passage] = doc.passages.all()
    assert passage.section_path == [] and passage.text.split("\n\n")[2] == "Demande"
    second = Ingestor(rh).ingest([tmp_path])
    assert second.counts()["unchanged"] == 2 and second.counts()["added"] == 0
    assert search_titles("comment me connecter au VPN en télétravail")[0] == "Accès VPN"


def test_a_new_reader_version_rereads_unchanged_files(tmp_path, rh, monkeypatch):
    from relais.engine.readers import files

    write(tmp_path, "vpn.md", VPN)  # no version in the file: its revision is shown
    Ingestor(rh).ingest([tmp_path])
    assert len(Ingestor(rh).ingest([tmp_path]).unchanged) == 1
    newer = files.READER_VERSION + 1
    monkeypatch.setattr(files, "READER_VERSION", newer)
    again = Ingestor(rh).ingest([tmp_path])
    assert len(again.updated) == 1 and not again.unchanged and Document.objects.filter(collection=rh).count() == 1
    document = Document.objects.get(collection=rh)
    # Re-read, not changed: same revision and version, and the hash is still the file's own.
    assert document.revision == 1 and document.version == "1"
    assert document.reader_version == newer and len(document.content_hash) == 64
    assert len(Ingestor(rh).ingest([tmp_path]).unchanged) == 1


def test_changed_file_replaces_its_passages(tmp_path, rh):
    path = write(tmp_path, "conges.md", CONGES)
    Ingestor(rh).ingest([path])
    doc = Document.objects.get()
    old_ids = set(doc.passages.values_list("id", flat=True))
    write(tmp_path, "conges.md", CONGES.replace("quinze jours", "un mois"))
    summary = Ingestor(rh).ingest([path])
    assert summary.updated == [str(path.resolve())]
    doc.refresh_from_db()
    assert doc.revision == 2
    assert not old_ids & set(doc.passages.values_list("id", flat=True))
    assert "un mois" in " ".join(doc.passages.values_list("text", flat=True))
    hit = get_passage_index().search("délai pour demander ses congés", k=1)[0]
    assert "un mois" in hit.passage.text


def test_prune_deletes_documents_whose_file_is_gone(tmp_path, rh):
    write(tmp_path, "conges.md", CONGES)
    vpn = write(tmp_path, "vpn.md", VPN)
    Ingestor(rh).ingest([tmp_path])
    vpn.unlink()
    summary = Ingestor(rh).ingest([tmp_path], prune=True)
    assert summary.removed == [str(vpn.resolve())]
    assert list(Document.objects.values_list("title", flat=True)) == ["Congés annuels"]
    assert "Accès VPN" not in search_titles("client VPN")


def test_document_outside_validity_is_never_returned(tmp_path, rh):
    expired = CONGES.replace("valid_from: 2026-01-01", "valid_from: 2020-01-01\nvalid_until: 2021-12-31")
    write(tmp_path, "ancien.md", expired.replace("# Congés annuels", "# Anciens congés"))
    future = CONGES.replace("valid_from: 2026-01-01", "valid_from: 2999-01-01")
    write(tmp_path, "futur.md", future.replace("# Congés annuels", "# Congés futurs"))
    write(tmp_path, "vpn.md", VPN)
    Ingestor(rh).ingest([tmp_path])
    titles = search_titles("congés annuels demande")
    assert "Anciens congés" not in titles and "Congés futurs" not in titles
    assert "Anciens congés" in search_titles("congés annuels demande", on_date=date(2021, 6, 1))


def test_bad_inputs_are_reported_and_the_rest_is_ingested(tmp_path, rh):
    source = tmp_path / "docs"
    source.mkdir()
    pdf = encrypted_pdf(tmp_path)
    tmp_path = source
    write(tmp_path, "conges.md", CONGES)
    write(tmp_path, "corrompu.pdf", b"%PDF-1.4 this is not really a pdf \x00\x01\x02")
    write(tmp_path, "chiffre.pdf", pdf)
    write(tmp_path, "vide.txt", "")
    write(tmp_path, "tableur.xlsx", b"PK\x03\x04 not supported")
    write(tmp_path, "latin1.txt", "Télétravail\n\nLes agents éligibles déposent leur demande.".encode("cp1252"))
    write(tmp_path, "date.md", "---\nvalid_until: demain\n---\n# Note\n\nTexte.")
    summary = Ingestor(rh).ingest([tmp_path])
    codes = {Path(f.source).name: f.code for f in summary.failed}
    assert codes == {
        "corrompu.pdf": "corrupt",
        "chiffre.pdf": "encrypted",
        "vide.txt": "empty",
        "tableur.xlsx": "unsupported_type",
        "date.md": "bad_metadata",
    }
    assert all(f.reason for f in summary.failed)
    assert sorted(Document.objects.values_list("title", flat=True)) == ["Congés annuels", "Télétravail"]
    assert "éligibles" in Passage.objects.get(document__title="Télétravail").text


def test_file_over_the_size_limit_is_skipped(tmp_path, rh, settings):
    from dataclasses import replace

    settings.RELAIS = replace(settings.RELAIS, max_upload_mb=1)
    write(tmp_path, "gros.txt", "Règlement intérieur. " * 60_000)  # ~1.2 MB
    summary = Ingestor(rh).ingest([tmp_path])
    assert [(Path(f.source).name, f.code) for f in summary.failed] == [("gros.txt", "too_large")]
    assert not Document.objects.exists()


def test_failure_while_storing_leaves_the_previous_version(tmp_path, rh, monkeypatch):
    path = write(tmp_path, "conges.md", CONGES)
    Ingestor(rh).ingest([path])
    before = list(Passage.objects.values_list("id", "text"))
    write(tmp_path, "conges.md", CONGES.replace("quinze jours", "trois semaines"))

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Passage.objects, "bulk_create", broken_bulk_create)
    summary = Ingestor(rh).ingest([path])
    assert [f.code for f in summary.failed] == ["internal_error"]
    assert list(Passage.objects.values_list("id", "text")) == before
    assert Document.objects.get().revision == 1
    assert "quinze jours" in get_passage_index().search("délai congés", k=1)[0].passage.text


def test_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="Unknown audience 'citoyens'"):
        get_or_create_collection("x", audience="citoyens")


def test_warm_up_loads_the_index_before_any_question(tmp_path, rh):
    from relais.knowledge.index import get_passage_index, reset_passage_index, warm_up
    from relais.knowledge.models import IndexGeneration

    write(tmp_path, "vpn.md", VPN)
    Ingestor(rh).ingest([tmp_path])
    reset_passage_index()
    warm_up()
    assert get_passage_index()._generation == IndexGeneration.current()


def test_idf_of_an_index_never_searched_counts_the_stored_passages(tmp_path, rh):
    from relais.knowledge.index import get_passage_index, reset_passage_index

    write(tmp_path, "conges.md", CONGES)
    write(tmp_path, "vpn.md", VPN)
    Ingestor(rh).ingest([tmp_path])
    reset_passage_index()  # a fresh process: nothing searched yet
    index = get_passage_index()
    # Two passages, « vpn » in one of them: a term no passage contains is rarer. A never-loaded
    # index would call every term equally rare.
    assert index.idf("vpn") < index.idf("cantin")


def test_deleting_a_collection_or_changing_its_audience_is_seen_by_the_index(tmp_path, rh):
    from relais.engine.search.hybrid_index import SearchFilters
    from relais.knowledge.index import get_passage_index

    write(tmp_path, "vpn.md", VPN)
    Ingestor(rh).ingest([tmp_path])
    index = get_passage_index()
    agents = SearchFilters(audiences=frozenset({"agents"}))
    assert index.search("VPN", filters=agents, k=3)
    rh.audience = "public"
    rh.save()  # as the admin does
    assert index.search("VPN", filters=agents, k=3) == []
    other = get_or_create_collection("dsi-test", audience="public")
    (tmp_path / "autre").mkdir()
    write(tmp_path / "autre", "vpn-bis.md", VPN.replace("VPN", "VPN (copie)"))
    Ingestor(other).ingest([tmp_path / "autre"])
    index.search("VPN", k=1)  # loaded with both collections
    rh.delete()  # cascades to documents and passages, bypassing delete_documents
    [hit] = index.search("VPN", k=1)  # a stale index would spend its one slot on a deleted passage
    assert hit.document.collection == other


def test_a_title_that_is_only_a_file_code_is_not_compared_with_questions(tmp_path, rh):
    """A file without a heading is titled by its name: « F34355 » says nothing, so the index lets the first
    passage stand in for the title (answers-dev: half the questions were abstained on with such titles)."""
    from relais.knowledge.index import _entry

    write(tmp_path, "F34355.md", "La médiation familiale aide à régler un conflit familial à l'amiable.\n")
    write(tmp_path, "conges-annuels.md", "Chaque agent a droit à cinq semaines de congés annuels.\n")
    Ingestor(rh).ingest([tmp_path])
    coded = Passage.objects.get(document__title="F34355")
    named = Passage.objects.get(document__title="Conges annuels")
    assert coded.document.title_vector() is not None  # still stored: only the index leaves it aside
    assert _entry(coded).title_embedding is None
    assert _entry(named).title_embedding is not None
