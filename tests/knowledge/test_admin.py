"""The admin for référents: upload documents, edit the FAQ, read the exchange log."""

from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relais.assistant.models import Exchange
from relais.assistant.pipeline import ask
from relais.knowledge.ingestion import get_or_create_collection
from relais.knowledge.models import Document, FaqEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

BADGE_V1 = (
    "# Badge perdu\n\n## Que faire ?\n\nSignalez la perte de votre badge à l'accueil de l'hôtel de ville, poste 4100.\n"
)
BADGE_V2 = BADGE_V1.replace("4100", "4111")


@pytest.fixture()
def referent():
    client = Client()
    assert client.login(username="referent.rh", password="valdebrume-demo")
    return client


def upload(client, *files, **fields):
    collection = get_or_create_collection("rh-admin-test", audience="agents", service="RH")
    data = {"collection": collection.pk, "files": list(files), **fields}
    return client.post("/admin/knowledge/document/ajouter-des-fichiers/", data, follow=True)


def test_agent_cannot_enter_the_admin():
    client = Client()
    client.login(username="agent.demo", password="valdebrume-demo")
    assert client.get("/admin/").status_code == 302


def test_referent_sees_documents_faq_and_the_exchange_log(referent):
    page = referent.get("/admin/").content.decode()
    assert all(name in page for name in ["Documents", "Entrées de FAQ", "Échanges", "Avis"])
    assert "Ajouter des documents" in referent.get("/admin/knowledge/document/").content.decode()


def test_upload_ingests_then_a_new_version_replaces_it(referent):
    response = upload(
        referent, SimpleUploadedFile("badge-perdu.md", BADGE_V1.encode()), version="1", valid_from="2026-01-01"
    )
    assert "Ingestion terminée : 1 ajouté(s)" in response.content.decode()
    document = Document.objects.get(title="Badge perdu")
    assert document.version == "1" and str(document.valid_from) == "2026-01-01" and document.passages.count() == 1
    response = upload(referent, SimpleUploadedFile("badge-perdu.md", BADGE_V2.encode()))
    assert "1 mis à jour" in response.content.decode()
    document.refresh_from_db()
    assert document.revision == 2 and "4111" in document.passages.get().text


def test_unreadable_upload_is_refused_in_french_and_keeps_the_previous_version(referent):
    upload(referent, SimpleUploadedFile("badge-perdu.md", BADGE_V1.encode()))
    response = upload(
        referent, SimpleUploadedFile("badge-perdu.md", b""), SimpleUploadedFile("note.pdf", b"%PDF-1.4 broken")
    )
    body = response.content.decode()
    assert "2 refusé(s)" in body and "Fichier note.pdf refusé : fichier illisible ou endommagé" in body
    document = Document.objects.get(title="Badge perdu")
    assert "4100" in document.passages.get().text and Path(document.source).read_text(encoding="utf-8") == BADGE_V1
    assert not Document.objects.filter(source__endswith="note.pdf").exists()


def test_a_new_version_refused_for_its_metadata_leaves_the_stored_original_as_it_was(referent):
    upload(referent, SimpleUploadedFile("badge-perdu.md", BADGE_V1.encode()))
    refused = "---\nvalid_from: bientôt\n---\n" + BADGE_V2
    body = upload(referent, SimpleUploadedFile("badge-perdu.md", refused.encode())).content.decode()
    assert "refusé : métadonnées invalides" in body
    document = Document.objects.get(title="Badge perdu")
    assert document.revision == 1 and "4100" in document.passages.get().text
    assert Path(document.source).read_text(encoding="utf-8") == BADGE_V1  # the file on disk too
    served = b"".join(referent.get(f"/documents/{document.pk}/fichier/").streaming_content).decode()
    assert served == BADGE_V1
    assert [p.name for p in Path(document.source).parent.iterdir() if p.name.startswith(".")] == []


def test_a_very_long_file_name_is_shortened_and_leaves_no_temporary_file(referent):
    body = upload(referent, SimpleUploadedFile("é" * 130 + ".md", BADGE_V1.encode())).content.decode()
    assert "1 ajouté(s)" in body
    document = Document.objects.get(title="Badge perdu")
    stored = Path(document.source)
    assert (
        stored.suffix == ".md" and len(stored.name.encode()) <= 150 and stored.read_text(encoding="utf-8") == BADGE_V1
    )
    assert [p.name for p in stored.parent.iterdir() if p.name.startswith(".")] == []


def test_upload_form_errors_are_in_french(referent):
    response = upload(referent, valid_from="2026-05-01", valid_until="2026-01-01")
    body = response.content.decode()
    assert "Choisissez au moins un fichier." in body and "La fin de validité précède son début." in body


def test_exchange_log_is_read_only(referent):
    ask("Comment configurer le VPN ?")
    exchange = Exchange.objects.latest("pk")
    assert referent.get(f"/admin/assistant/exchange/{exchange.pk}/change/").status_code == 200
    assert referent.post(f"/admin/assistant/exchange/{exchange.pk}/change/", {"question": "x"}).status_code == 403
    assert referent.get("/admin/assistant/exchange/add/").status_code == 403
    exchange.refresh_from_db()
    assert exchange.question == "Comment configurer le VPN ?"


def test_faq_phrasings_edited_in_the_admin_are_re_embedded_and_matched(referent):
    entry = FaqEntry.objects.get(question="Comment demander un ordre de mission ?")
    phrasings = "\n".join([*entry.phrasings, "paperasse pour aller au congrès des bibliothécaires"])
    response = referent.post(
        f"/admin/knowledge/faqentry/{entry.pk}/change/",
        {
            "collection": entry.collection_id,
            "question": entry.question,
            "phrasings_text": phrasings,
            "answer": entry.answer,
            "source_document": entry.source_document_id,
            "service": entry.service,
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert len(entry.phrasings) == len(phrasings.splitlines())
    assert np.frombuffer(entry.embeddings, dtype=np.float32).size == 384 * (len(entry.phrasings) + 1)
    result = ask("paperasse pour aller au congrès des bibliothécaires", log=False)
    assert result.answer.mode == "faq" and result.answer.text == entry.answer


def test_a_referent_maintains_only_their_own_service():
    dsi = Client()
    assert dsi.login(username="referent.dsi", password="valdebrume-demo")
    rh_document = Document.objects.filter(service="RH").first()
    dsi_document = Document.objects.filter(service="DSI").first()
    listing = dsi.get("/admin/knowledge/document/").content.decode()
    escaped = {d.pk: d.title.replace("'", "&#x27;") for d in (rh_document, dsi_document)}
    assert escaped[dsi_document.pk] in listing and escaped[rh_document.pk] not in listing
    assert dsi.get(f"/admin/knowledge/document/{rh_document.pk}/change/").status_code == 302  # « not found » redirect
    rh_entry = FaqEntry.objects.filter(service="RH").first()
    assert dsi.get(f"/admin/knowledge/faqentry/{rh_entry.pk}/change/").status_code == 302
    get_or_create_collection("rh-only", audience="agents", service="RH")
    get_or_create_collection("dsi-only", audience="agents", service="DSI")
    form = dsi.get("/admin/knowledge/document/ajouter-des-fichiers/").content.decode()
    assert "dsi-only" in form and "rh-only" not in form
