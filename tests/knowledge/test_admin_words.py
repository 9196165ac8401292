"""The words a référent reads in the knowledge admin, and a label on every control they fill in.

Each page is fetched as the RH référent and read back as HTML: the visible text (labels, help texts, column
headers, filters, actions) holds no developer word, and every input, list and text area has a name a screen
reader reads out (RGAA 11.1).
"""

from __future__ import annotations

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from relais.accounts.models import Profile
from relais.accounts.roles import REFERENT_RH, ensure_groups
from relais.knowledge.models import Collection, Document, FaqEntry, Passage

pytestmark = pytest.mark.django_db

DEVELOPER_WORDS = ["empreinte", "version du lecteur", "source document", "chemin des titres", "content_hash"]


@pytest.fixture()
def referent() -> Client:
    user = get_user_model().objects.create_user("referent.rh", is_staff=True)
    user.groups.add(ensure_groups()[REFERENT_RH])
    Profile.objects.create(user=user, service="RH")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture()
def objects() -> dict:
    rh = Collection.objects.create(name="Ressources humaines", service="RH")
    dsi = Collection.objects.create(name="Informatique", service="DSI")
    document = Document.objects.create(
        collection=rh, source="/depot/conges.md", title="Congés annuels", service="RH", content_hash="ab" * 32,
        size_bytes=12_345, file_format="md", ingested_at=timezone.now(),
    )  # fmt: skip
    Document.objects.create(
        collection=dsi, source="/depot/mdp.md", title="Mots de passe", service="DSI", content_hash="cd" * 32,
        ingested_at=timezone.now(),
    )  # fmt: skip
    Passage.objects.create(document=document, position=0, section_path=["Congés", "Report"], text="…", embedding=b"")
    entry = FaqEntry.objects.create(
        collection=rh, question="Combien de jours ?", answer="25.", service="RH", source_document=document
    )
    return {"collection": rh, "document": document, "faq": entry}


PAGES = ["collections", "collection", "new collection", "documents", "document", "upload", "faq", "faq entry",
         "new faq entry"]  # fmt: skip


def pages(objects: dict) -> dict[str, str]:
    return {
        "collections": "/admin/knowledge/collection/",
        "collection": f"/admin/knowledge/collection/{objects['collection'].pk}/change/",
        "new collection": "/admin/knowledge/collection/add/",
        "documents": "/admin/knowledge/document/",
        "document": f"/admin/knowledge/document/{objects['document'].pk}/change/",
        "upload": "/admin/knowledge/document/ajouter-des-fichiers/",
        "faq": "/admin/knowledge/faqentry/",
        "faq entry": f"/admin/knowledge/faqentry/{objects['faq'].pk}/change/",
        "new faq entry": "/admin/knowledge/faqentry/add/",
    }


def read(client: Client, url: str) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, url
    page = lxml.html.fromstring(response.content.decode())
    for node in page.xpath("//script | //style"):
        node.drop_tree()
    return page


def visible_text(page: lxml.html.HtmlElement) -> str:
    """What a reader meets: the text, and the alternatives and titles a screen reader reads out."""
    words = [page.text_content(), *page.xpath("//@alt | //@title | //@aria-label | //@placeholder")]
    return " ".join(" ".join(words).split()).lower()


def accessible_name(page: lxml.html.HtmlElement, control: lxml.html.HtmlElement) -> str:
    def text(node) -> str:
        return " ".join([node.text_content(), *node.xpath(".//img/@alt")]).strip()

    if control.get("aria-label"):
        return control.get("aria-label")
    if control.get("aria-labelledby"):
        return " ".join(text(page.get_element_by_id(i)) for i in control.get("aria-labelledby").split())
    labels = page.xpath(f'//label[@for="{control.get("id")}"]') if control.get("id") else []
    labels += control.xpath("ancestor::label")
    return " ".join(text(label) for label in labels).strip() or control.get("title", "")


@pytest.mark.parametrize("name", PAGES)
def test_no_developer_word_on_the_admin_pages(referent, objects, name):
    text = visible_text(read(referent, pages(objects)[name]))
    assert [word for word in DEVELOPER_WORDS if word in text] == []


@pytest.mark.parametrize("name", PAGES)
def test_every_control_has_a_label(referent, objects, name):
    page = read(referent, pages(objects)[name])
    controls = page.xpath(
        '//input[not(@type="hidden") and not(@type="submit") and not(@type="button")] | //select | //textarea'
    )
    assert controls
    names = {lxml.html.tostring(c, encoding=str)[:120]: accessible_name(page, c).lower() for c in controls}
    assert [control for control, name in names.items() if not name] == []
    assert [name for name in names.values() if any(word in name for word in DEVELOPER_WORDS)] == []


def column_headers(page: lxml.html.HtmlElement) -> list[str]:
    return [" ".join(th.text_content().split()) for th in page.xpath('//table[@id="result_list"]/thead/tr/th')][1:]


def test_list_columns_and_filters_speak_french(referent, objects):
    documents = read(referent, "/admin/knowledge/document/")
    assert column_headers(documents) == [
        "Titre", "Collection", "Service propriétaire", "Version", "En vigueur à partir du", "En vigueur jusqu'au",
        "Format du fichier", "Mis à jour dans Relais le",
    ]  # fmt: skip
    filters = [" ".join(h.text_content().split()) for h in documents.xpath('//nav[@id="changelist-filter"]//summary')]
    assert filters[0] == "Par validité" and "Par service propriétaire" in filters
    actions = [" ".join(o.text_content().split()) for o in documents.xpath('//select[@name="action"]/option')]
    assert actions == ["---------", "Supprimer les documents sélectionnés (et leurs passages)"]
    faq = read(referent, "/admin/knowledge/faqentry/")
    assert column_headers(faq) == [
        "Question", "Collection", "Service", "Document source", "Proposée en exemple", "Modifiée le",
    ]  # fmt: skip


def test_the_document_page_folds_the_technical_fields_away(referent, objects):
    page = read(referent, f"/admin/knowledge/document/{objects['document'].pk}/change/")
    folded = page.xpath('//details[summary[normalize-space()="Informations techniques"]]')
    assert len(folded) == 1 and folded[0].get("open") is None
    assert "Contrôle d'intégrité" in folded[0].text_content() and "Lecture du fichier" in folded[0].text_content()
    fieldsets = page.xpath("//fieldset")
    assert "Contrôle d'intégrité" not in fieldsets[0].text_content()
    assert "Taille du fichier : 12,1 Kio" in " ".join(page.text_content().split())  # not in bytes
    passages = page.xpath('//div[contains(@class, "inline-group")]')[0]
    headers = [" ".join(th.text_content().split()) for th in passages.xpath(".//thead//th")]
    assert [h for h in headers if h] == ["N°", "Partie du document", "Texte de l'extrait"]
    assert "Congés > Report" in passages.text_content()


def test_the_source_document_is_a_plain_labelled_list_of_the_referents_documents(referent, objects):
    page = read(referent, "/admin/knowledge/faqentry/add/")
    select = page.xpath('//select[@name="source_document"]')[0]
    assert "admin-autocomplete" not in (select.get("class") or "")  # select2's box has no accessible name
    assert " ".join(accessible_name(page, select).split()) == "Document source :"
    assert [o.text_content() for o in select.xpath("option")] == ["---------", "Congés annuels"]
