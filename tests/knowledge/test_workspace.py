"""The référents' workspace (/referents/): who sees which service, and what a service's page shows.

Documents by validity (the edges of each group on a fixed day), FAQ entries, open knowledge gaps and the latest
feedback, each read back from the page's HTML; and a page whose number of queries does not grow with the service.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from relais.accounts.models import Profile
from relais.accounts.roles import AGENT, PILOTAGE, REFERENT_DSI, REFERENT_RH, ensure_groups
from relais.assistant.models import Conversation, Exchange, Feedback
from relais.engine.measure.knowledge_gaps import Gap, GapItem
from relais.insights.gaps import embed_questions
from relais.knowledge import workspace
from relais.knowledge.models import Collection, Document, FaqEntry

pytestmark = pytest.mark.django_db

TODAY = date(2026, 1, 31)  # a fixed day for the document groups; the window below ends on 2 March 2026
WINDOW = 30
# title → (valid_from, valid_until, the group it belongs to on TODAY)
EDGES = {
    "Note de service expirée hier": (None, date(2026, 1, 30), "expires"),
    "Règlement qui expire aujourd'hui": (None, TODAY, "expire-bientot"),
    "Circulaire au dernier jour de la fenêtre": (date(2026, 1, 1), date(2026, 3, 2), "expire-bientot"),
    "Guide au lendemain de la fenêtre": (None, date(2026, 3, 3), "en-vigueur"),
    "Charte sans date": (None, None, "en-vigueur"),
    "Barème en vigueur depuis aujourd'hui": (TODAY, None, "en-vigueur"),
    "Barème de demain": (date(2026, 2, 1), None, "a-venir"),
}


def make_document(collection: Collection, title: str, service: str, valid_from=None, valid_until=None) -> Document:
    return Document.objects.create(
        collection=collection,
        source=f"/depot/{title}.md",
        title=title,
        service=service,
        content_hash=title,
        valid_from=valid_from,
        valid_until=valid_until,
        ingested_at=timezone.now(),
    )


def make_user(username: str, group: str | None, service: str = "", **flags):
    user = get_user_model().objects.create_user(username, **flags)
    if group:
        user.groups.add(ensure_groups()[group])
    if service:
        Profile.objects.create(user=user, service=service)
    return user


@pytest.fixture()
def world():
    """RH and DSI each with a collection, documents and a FAQ entry; a référent of each, an agent, a digital
    lead and an administrator."""
    rh = Collection.objects.create(name="Ressources humaines", service="RH")
    dsi = Collection.objects.create(name="Informatique", service="DSI")
    documents = {title: make_document(rh, title, "RH", start, end) for title, (start, end, _) in EDGES.items()}
    documents["DSI"] = make_document(dsi, "Mots de passe", "DSI")
    faq = {
        "RH": FaqEntry.objects.create(
            collection=rh,
            question="Combien de jours de congés ?",
            answer="25 jours.",
            service="RH",
            source_document=documents["Charte sans date"],
        ),
        "DSI": FaqEntry.objects.create(collection=dsi, question="Mot de passe oublié ?", answer="…", service="DSI"),
    }
    make_user("referent.rh", REFERENT_RH, "RH", is_staff=True)
    make_user("referent.dsi", REFERENT_DSI, "DSI", is_staff=True)
    make_user("agent.demo", AGENT, "Médiathèque")
    make_user("pilotage.demo", PILOTAGE, "Direction générale", is_staff=True)
    get_user_model().objects.create_superuser("admin", "admin@valdebrume.example", None)
    return {"documents": documents, "faq": faq}


@pytest.fixture()
def fixed_day(monkeypatch, settings):
    """The page's today is TODAY and the expiry window WINDOW days, whatever the machine's date and settings."""
    settings.RELAIS = dataclasses.replace(settings.RELAIS, expiring_days=WINDOW)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(get_user_model().objects.get(username=username))
    return client


def html(response) -> lxml.html.HtmlElement:
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def texts(page: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in page.xpath(xpath)]


def first_cells(page: lxml.html.HtmlElement, table_id: str) -> list[str]:
    return texts(page, f'//table[@id="{table_id}"]/tbody/tr/td[1]/span[@class="title"]')


# ---------------------------------------------------------------- access


def test_a_referent_lands_on_their_service_and_sees_only_it(world):
    client = client_for("referent.rh")
    response = client.get("/referents/")
    assert response.status_code == 302 and response.url == "/referents/RH/"
    page = html(client.get("/referents/RH/"))
    assert texts(page, "//h1") == ["Espace des référents : service RH"]
    body = page.text_content()
    assert "Combien de jours de congés ?" in body and "Charte sans date" in body
    assert "Mots de passe" not in body and "Mot de passe oublié ?" not in body
    refused = client.get("/referents/DSI/")
    assert refused.status_code == 403 and "Accès refusé" in refused.content.decode()


@pytest.mark.parametrize("username", ["agent.demo", "pilotage.demo"])
def test_who_maintains_no_documents_gets_the_french_403_page(world, username):
    client = client_for(username)
    for url in ("/referents/", "/referents/RH/", "/referents/DSI/"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "<h1>Accès refusé</h1>" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in(world):
    response = client_for(None).get("/referents/RH/")
    assert response.status_code == 302 and response.url.startswith("/connexion/")


def test_an_administrator_chooses_among_every_service(world):
    client = client_for("admin")
    page = html(client.get("/referents/"))
    links = dict(zip(texts(page, "//main//li/a"), page.xpath("//main//li/a/@href"), strict=True))
    assert links == {"Service DSI": "/referents/DSI/", "Service RH": "/referents/RH/"}
    assert "Mots de passe" in html(client.get("/referents/DSI/")).text_content()
    assert client.get("/referents/Inconnu/").status_code == 404


# ---------------------------------------------------------------- documents


def test_documents_are_grouped_by_validity_at_the_edges_of_each_group(world, fixed_day):
    page = html(client_for("referent.rh").get("/referents/RH/"))
    for slug in ("en-vigueur", "expire-bientot", "expires", "a-venir"):
        expected = [title for title, (_, _, group) in EDGES.items() if group == slug]
        assert sorted(first_cells(page, slug)) == sorted(expected), slug
    # The most urgent first: the expiring documents by their last day.
    assert first_cells(page, "expire-bientot") == [
        "Règlement qui expire aujourd'hui",
        "Circulaire au dernier jour de la fenêtre",
    ]
    headings = texts(page, "//h3")
    assert headings == ["En vigueur (3)", "Expire bientôt (2)", "Expirés (1)", "Pas encore en vigueur (1)"]
    assert "dans les 30 jours" in page.text_content()


def test_dates_are_written_in_french_and_each_document_links_to_its_admin_page(world, fixed_day):
    page = html(client_for("referent.rh").get("/referents/RH/"))
    rows = {
        " ".join(tr.xpath('td[1]/span[@class="title"]')[0].text_content().split()): texts(tr, "td")
        for tr in page.xpath("//table[not(@id='tableau-faq')]/tbody/tr")
    }
    assert rows["Circulaire au dernier jour de la fenêtre"][:2] == [
        "Circulaire au dernier jour de la fenêtre collection Ressources humaines, version 1",
        "du 1er janvier 2026 au 2 mars 2026",
    ]
    assert rows["Note de service expirée hier"][1] == "jusqu'au 30 janvier 2026"
    assert rows["Barème de demain"][1] == "à partir du 1er février 2026, sans date de fin"
    assert rows["Charte sans date"][1] == "sans date de début ni de fin"
    document = world["documents"]["Barème de demain"]
    link = page.xpath(f'//table[@id="a-venir"]//a[@href="/admin/knowledge/document/{document.pk}/change/"]')
    assert [" ".join(a.text_content().split()) for a in link] == ["Modifier le document « Barème de demain »"]


def test_the_admin_filter_and_the_page_draw_the_same_groups(world, fixed_day):
    """The database filter (the admin's « Validité ») and the page's grouping agree on every edge."""
    documents = Document.objects.filter(service="RH")
    for validity in ("in_force", "expiring", "expired", "upcoming"):
        in_database = set(documents.filter(workspace.validity_filter(validity, TODAY, WINDOW)))
        in_python = {d for d in documents if workspace.validity_of(d, TODAY, WINDOW) == validity}
        assert in_database == in_python and in_database, validity


def test_the_window_is_the_setting(world, fixed_day, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, expiring_days=0)
    page = html(client_for("referent.rh").get("/referents/RH/"))
    assert first_cells(page, "expire-bientot") == ["Règlement qui expire aujourd'hui"]
    assert "Circulaire au dernier jour de la fenêtre" in first_cells(page, "en-vigueur")


# ---------------------------------------------------------------- FAQ, gaps, feedback


def test_the_faq_entries_show_their_source_and_an_edit_link(world):
    page = html(client_for("referent.rh").get("/referents/RH/"))
    entry = world["faq"]["RH"]
    row = texts(page, '//table[@id="tableau-faq"]/tbody/tr/td')
    assert row[0].startswith("Combien de jours de congés ? modifiée le ") and row[1] == "Charte sans date"
    assert row[2] == "Modifier l'entrée « Combien de jours de congés ? »"
    assert page.xpath('//table[@id="tableau-faq"]//a/@href') == [f"/admin/knowledge/faqentry/{entry.pk}/change/"]
    # A new entry goes by default where the service keeps its documents.
    add = urlparse(page.xpath('//a[normalize-space()="Ajouter une entrée de FAQ"]/@href')[0])
    assert add.path == "/admin/knowledge/faqentry/add/"
    assert parse_qs(add.query) == {"service": ["RH"], "collection": [str(entry.collection_id)]}


def exchange(question: str, service: str, mode: str = "extractive", when: datetime | None = None) -> Exchange:
    conversation = Conversation.objects.create()
    row = Exchange.objects.create(
        conversation=conversation, question=question, search_query=question, answer="…", mode=mode,
        confidence=0.5, latency_ms=10, service=service,
    )  # fmt: skip
    if when:
        Exchange.objects.filter(pk=row.pk).update(created_at=when)
    return row


def test_the_open_gaps_of_the_service_offer_a_prefilled_faq_entry(world):
    recently = timezone.now() - timedelta(days=2)
    for k, question in enumerate(
        [
            "prime de fin d'année des agents ?",
            "la prime de fin d'année des agents",
            "prime de fin d'année des agents municipaux",
        ]
    ):
        exchange(question, "RH", mode="none", when=recently + timedelta(hours=k))
    exchange("imprimante bloquée au deuxième étage", "DSI", mode="none", when=recently)
    exchange("imprimante du deuxième étage bloquée", "DSI", mode="none", when=recently)
    embed_questions.call()  # the worker's job: the pages never embed (insights/gaps.py)
    page = html(client_for("referent.rh").get("/referents/RH/"))
    gaps = page.xpath('//ol[@class="workspace-gaps"]/li')
    assert len(gaps) == 1
    text = " ".join(gaps[0].text_content().split())
    assert "prime de fin d'année" in text and "3 questions" in text and "imprimante" not in page.text_content()
    link = gaps[0].xpath(".//a")[0]
    assert " ".join(link.text_content().split()).startswith("Créer une entrée de FAQ pour « ")
    query = parse_qs(urlparse(link.get("href")).query)
    assert urlparse(link.get("href")).path == "/admin/knowledge/faqentry/add/"
    assert query["service"] == ["RH"] and "prime de fin d'année" in query["question"][0]


def test_gaps_closed_are_left_out_and_the_most_frequent_are_shown(monkeypatch):
    def gap(label: str, status: str) -> Gap:
        item = GapItem(label, label, "abstention", timezone.now(), "RH")
        return Gap([item, item], [label], [label], "RH", centroid=None, status=status)

    found = [gap("fermée", "fermee"), gap("en voie", "en_voie")] + [gap(f"ouverte {k}", "ouverte") for k in range(12)]
    monkeypatch.setattr(workspace, "_gap_finder", (lambda service: found, lambda g: f"/faq?{g.label}"))
    shown, more = workspace.open_gaps("RH", can_add_faq=True)
    assert [line.gap.label for line in shown] == ["en voie"] + [f"ouverte {k}" for k in range(9)]
    assert more == 3 and shown[0].faq_url == "/faq?en voie"
    shown, _ = workspace.open_gaps("RH", can_add_faq=False)
    assert {line.faq_url for line in shown} == {""}


def test_the_latest_feedback_on_the_services_answers_is_shown(world):
    start = timezone.now() - timedelta(days=1)
    for k in range(11):  # with the 👎 below, twelve opinions: the two oldest are left out
        row = exchange(f"Question RH numéro {k}", "RH")
        Feedback.objects.create(exchange=row, rating="up")
        Feedback.objects.filter(exchange=row).update(created_at=start + timedelta(minutes=k))
    down = exchange("Combien de jours pour un déménagement ?", "RH")
    Feedback.objects.create(
        exchange=down, rating="down", reason="incomplete", comment="Il manque le cas des contractuels."
    )
    other = exchange("Réinitialiser mon mot de passe", "DSI")
    Feedback.objects.create(exchange=other, rating="down", comment="Lien cassé.")
    page = html(client_for("referent.rh").get("/referents/RH/"))
    notes = page.xpath('//ul[@class="workspace-feedback"]/li')
    assert len(notes) == workspace.FEEDBACK_SHOWN == 10
    first = " ".join(notes[0].text_content().split())
    assert first.startswith("👎 Pas utile, le ") and "— La réponse est incomplète" in first
    assert "« Combien de jours pour un déménagement ? »" in first and "Il manque le cas des contractuels." in first
    assert notes[0].xpath(".//a/@href") == [f"/admin/assistant/exchange/{down.pk}/change/"]
    rest = [" ".join(n.text_content().split()) for n in notes[1:]]
    assert all(note.startswith("👍 Utile, le ") for note in rest)
    questions = texts(page, '//ul[@class="workspace-feedback"]/li/p[2]')
    assert questions[1:] == [f"Question : « Question RH numéro {k} »" for k in range(10, 1, -1)]
    assert "Lien cassé" not in page.text_content()


def test_without_the_apps_that_report_them_the_page_says_gaps_and_feedback_are_unavailable(world, monkeypatch):
    monkeypatch.setattr(workspace, "_gap_finder", None)
    monkeypatch.setattr(workspace, "_feedback_finder", None)
    body = html(client_for("referent.rh").get("/referents/RH/")).text_content()
    assert "Les questions restées sans réponse ne sont pas disponibles" in body
    assert "Les avis des agents ne sont pas disponibles" in body


# ---------------------------------------------------------------- queries


def grow(first: int, count: int) -> None:
    """More of everything the page lists, each with what it shows (collection, source document, question)."""
    rh = Collection.objects.get(name="Ressources humaines")
    for k in range(first, first + count):
        document = make_document(rh, f"Document ajouté {k}", "RH", valid_until=TODAY + timedelta(days=k))
        FaqEntry.objects.create(
            collection=rh, question=f"Question ajoutée {k} ?", answer="…", service="RH", source_document=document
        )
        Feedback.objects.create(exchange=exchange(f"Autre question {k}", "RH"), rating="up", comment="Merci.")


def test_the_number_of_queries_does_not_grow_with_the_service(world, fixed_day, django_assert_max_num_queries):
    client = client_for("referent.rh")
    grow(0, 1)
    client.get("/referents/RH/")  # sessions, content types: what the first request of a process reads once
    cache.clear()  # the gaps are computed again on both requests (their data changes in between)
    with CaptureQueriesContext(connection) as small:
        html(client.get("/referents/RH/"))
    grow(1, 15)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = html(client.get("/referents/RH/"))
    assert len(page.xpath('//table[@id="tableau-faq"]/tbody/tr')) == 17
    assert len(page.xpath('//ul[@class="workspace-feedback"]/li')) == workspace.FEEDBACK_SHOWN
