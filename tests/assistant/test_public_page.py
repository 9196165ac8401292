"""The public chat page /citoyens/ and its document pages: no sign-in, no cookie, no JavaScript needed, the AI
disclosure and the personal-data notice on every page, sources linked to public document pages only."""

import dataclasses
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.assistant.models import Exchange
from tests.assistant import test_public_api as shared
from tests.assistant.test_public_api import AGENTS_ONLY, AGENTS_QUESTION

pytestmark = pytest.mark.django_db

# The small knowledge base (a public collection beside an agents' one) and the confident answer model.
public_knowledge, confident = shared.public_knowledge, shared.confident

DISCLOSURE = "Vous échangez avec un assistant automatique"
NOTICE = "N'indiquez pas de données personnelles"


def assert_no_cookie(response) -> None:
    assert not response.cookies and "Set-Cookie" not in response.headers, response.cookies


def links(html: str) -> list[str]:
    return re.findall(r'href="([^"#][^"]*)"', html)


def test_the_page_sets_no_cookie_and_always_shows_the_disclosure_and_the_notice(public_knowledge):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/citoyens/")
    assert response.status_code == 200
    assert_no_cookie(response)
    html = response.content.decode()
    assert DISCLOSURE in html and NOTICE in html
    # No CSRF token (it would need a cookie), no script, no sign-in: a form that posts to itself.
    assert "csrfmiddlewaretoken" not in html and "<script" not in html
    assert 'action="/citoyens/"' in html and "connexion" not in html
    # The public FAQ offers its questions as examples; nothing of the agents' FAQ.
    assert "Quels sont les horaires de l&#x27;état civil ?" in html
    assert AGENTS_QUESTION not in html


def test_a_plain_form_post_answers_in_the_page_without_any_cookie(public_knowledge, confident):
    client = Client(enforce_csrf_checks=True)  # the browser of a visitor who has no cookie at all
    response = client.post("/citoyens/", {"question": "Comment demander un acte de naissance ?"})
    assert response.status_code == 200
    assert_no_cookie(response)
    assert "no-store" in response["Cache-Control"]  # the page holds the visitor's question
    html = response.content.decode()
    assert DISCLOSURE in html and NOTICE in html
    assert "Comment demander un acte de naissance ?" in html and "acte de naissance se demande" in html
    document = public_knowledge.etat_civil.pk
    assert f'href="/citoyens/documents/{document}/"' in html and 'href="#source-0-1"' in html
    # Sources on the public pages only; no ticket, no procedure, no feedback form for a visitor.
    assert all(link.startswith(("/citoyens/", "/static/")) for link in links(html)), links(html)
    assert "Transmettre" not in html and "démarche" not in html and "Commencer" not in html
    assert Exchange.objects.get().user is None


def test_the_answer_is_shown_masked_and_nothing_is_kept_for_the_next_visit(public_knowledge):
    client = Client()
    html = client.post("/citoyens/", {"question": "Je suis au 06 12 34 56 78, horaires de l'état civil ?"})
    assert "06 12 34 56 78" not in html.content.decode() and "[TÉLÉPHONE]" in html.content.decode()
    again = client.get("/citoyens/").content.decode()
    assert "[TÉLÉPHONE]" not in again and "horaires de l&#x27;état civil ?" not in again.split("Exemples")[0]


def test_an_agents_question_abstains_without_showing_any_agents_page(public_knowledge):
    response = Client().post("/citoyens/", {"question": AGENTS_QUESTION})
    html = response.content.decode()
    assert response.status_code == 200 and "Pas de réponse fiable" in html
    assert not any(secret in html for secret in AGENTS_ONLY)
    assert f"/citoyens/documents/{public_knowledge.rtt.pk}/" not in html


def test_an_empty_question_is_refused_in_the_page(public_knowledge):
    response = Client().post("/citoyens/", {"question": "  "})
    assert response.status_code == 400 and "Écrivez votre question avant d&#x27;envoyer." in response.content.decode()
    assert_no_cookie(response)
    assert not Exchange.objects.exists()


def test_visitors_are_throttled_in_the_page_too(public_knowledge, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, ask_rate_per_ip=1)
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert client.post("/citoyens/", {"question": "Horaires ?"}).status_code == 200
    refused = client.post("/citoyens/", {"question": "Horaires ?"})
    assert refused.status_code == 429 and "Patientez une minute" in refused.content.decode()


def test_public_document_pages_show_public_documents_only(public_knowledge):
    client = Client()
    page = client.get(f"/citoyens/documents/{public_knowledge.etat_civil.pk}/")
    assert page.status_code == 200
    assert_no_cookie(page)
    html = page.content.decode()
    # The passages are rendered as on the agents' pages (assistant/rendering.py), headings as headings.
    assert "Actes d&#x27;état civil" in html and "Le guichet de l'état civil est ouvert" in html
    assert "<h2>Horaires du guichet</h2>" in html
    assert DISCLOSURE in html and NOTICE in html
    assert f'href="/citoyens/documents/{public_knowledge.etat_civil.pk}/fichier/"' in html
    original = client.get(f"/citoyens/documents/{public_knowledge.etat_civil.pk}/fichier/")
    assert original.status_code == 200 and b"acte de naissance se demande" in b"".join(original.streaming_content)
    for path in (
        f"/citoyens/documents/{public_knowledge.rtt.pk}/",
        f"/citoyens/documents/{public_knowledge.rtt.pk}/fichier/",
    ):
        hidden = client.get(path)
        assert hidden.status_code == 404 and not any(s in hidden.content.decode() for s in AGENTS_ONLY)
    assert client.get("/citoyens/documents/999999/").status_code == 404


def test_staff_see_no_agents_document_in_the_public_zone(public_knowledge):
    staff = get_user_model().objects.create_user("referent.test", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(f"/documents/{public_knowledge.rtt.pk}/").status_code == 200  # the agents' page
    assert client.get(f"/citoyens/documents/{public_knowledge.rtt.pk}/").status_code == 404
