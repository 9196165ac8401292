"""An upload over a limit is refused with a French message naming the limit, and nothing of it is stored;
validity dates that would make a document silently useless are refused, a future one is pointed out."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relais.knowledge.ingestion import get_or_create_collection
from relais.knowledge.models import Document
from tests.bombs import add_zero_member, base_docx, billion_laughs

pytestmark = pytest.mark.django_db
UPLOAD_URL = "/admin/knowledge/document/ajouter-des-fichiers/"


@pytest.fixture()
def admin_client(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    get_user_model().objects.create_superuser("admin.limites", "a@example.org", "motdepasse-solide-42")
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin.limites"))
    return client


def upload(client, *files) -> str:
    collection = get_or_create_collection("Limites", audience="agents", service="RH")
    response = client.post(UPLOAD_URL, {"collection": collection.pk, "files": list(files)}, follow=True)
    assert response.status_code == 200
    return response.content.decode()


def stored_files(settings) -> list[str]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_docx_bomb_is_refused_naming_the_limit_and_nothing_is_stored(admin_client, settings, tmp_path):
    bomb = add_zero_member(base_docx(tmp_path / "bombe.docx"), "word/media/image1.png", 300)
    body = upload(admin_client, SimpleUploadedFile("bombe.docx", bomb.read_bytes()))
    assert re.search(
        r"Fichier bombe.docx refusé : une fois décompressé, le fichier fait 30\d Mo, au-delà de la limite de 256 Mo",
        body,
    )
    assert not Document.objects.exists() and stored_files(settings) == []


def test_the_limit_named_is_the_configured_one(admin_client, settings, tmp_path):
    settings.RELAIS = replace(settings.RELAIS, max_unpacked_mb=2)
    document = add_zero_member(base_docx(tmp_path / "guide.docx"), "word/media/image1.png", 3)
    body = upload(admin_client, SimpleUploadedFile("guide.docx", document.read_bytes()))
    assert "au-delà de la limite de 2 Mo" in body and not Document.objects.exists()


def test_yaml_aliases_are_refused_in_french(admin_client, settings):
    body = upload(admin_client, SimpleUploadedFile("rires.md", billion_laughs(8).encode()))
    assert "Fichier rires.md refusé : l&#x27;en-tête de métadonnées utilise des ancres ou des alias YAML" in body
    assert stored_files(settings) == []


def test_too_many_passages_are_refused_before_embedding(admin_client, settings):
    settings.RELAIS = replace(settings.RELAIS, max_document_passages=3)
    paragraph = "Une phrase de la partie qui compte assez de mots pour remplir un passage. " * 12
    text = "# Guide\n\n" + "".join(f"## Partie {n}\n\n{paragraph}\n\n" for n in range(10))
    body = upload(admin_client, SimpleUploadedFile("long.md", text.encode()))
    assert re.search(r"le document donnerait \d+ passages, au-delà de la limite de 3", body)
    assert not Document.objects.exists() and stored_files(settings) == []


def test_an_end_of_validity_before_its_start_is_refused(admin_client, settings):
    text = "---\nvalid_from: 2026-09-01\nvalid_until: 2026-01-31\n---\n# Note\n\nUn paragraphe."
    body = upload(admin_client, SimpleUploadedFile("note.md", text.encode()))
    assert "Fichier note.md refusé : la fin de validité (31/01/2026) précède le début (01/09/2026)" in body
    assert not Document.objects.exists() and stored_files(settings) == []


def test_a_document_not_yet_in_force_is_accepted_with_a_warning(admin_client):
    text = "---\nvalid_from: 2099-01-01\n---\n# Note future\n\nUn paragraphe."
    body = upload(admin_client, SimpleUploadedFile("future.md", text.encode()))
    assert "1 ajouté(s)" in body
    assert (
        "Fichier future.md : pas encore en vigueur : il ne servira aux réponses qu&#x27;à partir du 01/01/2099" in body
    )
