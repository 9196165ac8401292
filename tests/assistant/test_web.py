"""The chat pages, through Django's test client, on the demo knowledge."""

import re

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.assistant.models import Exchange, Feedback
from relais.assistant.templatetags.chat import passage_html
from relais.config import Config
from relais.demo import town
from relais.knowledge.index import get_passage_index
from relais.knowledge.models import Document, FaqEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

ORDRE_DE_MISSION = "Comment je fais pour partir en formation à Montpellier, il me faut un ordre de mission ?"
CANTINE = "Quel est le menu de la cantine demain ?"


@pytest.fixture()
def agent(client):
    assert client.login(username="agent.demo", password="valdebrume-demo")
    return client


def ask(client, question, conversation="", fragment=False):
    headers = {"X-Relais-Fragment": "1"} if fragment else {}
    return client.post("/poser/", {"question": question, "conversation": conversation}, headers=headers)


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")
    page = client.get("/connexion/").content.decode()
    assert '<html lang="fr">' in page and "Connexion à Relais" in page and f"Mairie de {town.TOWN_NAME}" in page
    assert town.SETTINGS["town_notice"] in page  # the demo's settings, as tests/settings.py sets them


def test_the_product_defaults_name_no_town(client, settings):
    settings.RELAIS = Config()  # what a commune gets before it sets RELAIS_TOWN_*
    page = client.get("/connexion/").content.decode()
    assert "<title>Connexion</title>" in page and "Mairie de" not in page and "<img" not in page
    assert "Relais, logiciel libre.</p>" in page and "la mairie pour les questions RH" in page
    assert client.get("/logo").status_code == 404


def test_wrong_password_gets_a_french_error(client):
    response = client.post("/connexion/", {"username": "agent.demo", "password": "faux"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_chat_page_shows_the_ai_notice_and_the_question_form(agent):
    page = agent.get("/").content.decode()
    assert "Assistant d'intelligence artificielle." in page and "peuvent contenir des erreurs" in page
    assert 'role="log"' in page and 'aria-live="polite"' in page
    assert '<label for="id_question">Votre question</label>' in page


def test_question_is_answered_with_expandable_citations(agent):
    response = ask(agent, ORDRE_DE_MISSION)
    assert response.status_code == 302
    match = re.fullmatch(r"/conversations/(\d+)/#echange-(\d+)", response["Location"])
    assert match
    page = agent.get(f"/conversations/{match[1]}/").content.decode()
    exchange = Exchange.objects.get(pk=match[2])
    assert exchange.user.username == "agent.demo" and exchange.mode in {"faq", "extractive"}
    assert "Ordre de mission" in exchange.citations[0]["document"]
    assert f'id="echange-{exchange.pk}"' in page and "<details>" in page
    # the cited passage is there to expand (formatted: assistant/rendering.py), and a link opens the document
    assert f'<blockquote class="passage">{passage_html(exchange.citations[0]["text"])}</blockquote>' in page
    assert f'href="/documents/{exchange.citations[0]["document_id"]}/"' in page


def test_fragment_request_returns_only_the_new_exchange(agent):
    response = ask(agent, "Comment changer mon mot de passe ?", fragment=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<article class="exchange"') and "<html" not in body
    assert re.fullmatch(r"/conversations/\d+/", response["X-Relais-Conversation"])


def test_unanswerable_question_shows_the_abstention_and_a_contact(agent):
    response = ask(agent, CANTINE, fragment=True)
    body = response.content.decode()
    assert "Je n&#x27;ai pas trouvé de réponse fiable dans la documentation." in body
    assert "Qui contacter" in body and "poste" in body


def test_a_curated_answer_shows_the_faq_question_it_answers(agent):
    # Asked differently, the closest FAQ entry names the same things: the agent sees which question the validated
    # answer answers.
    page = ask(agent, "Quelle est la participation de la commune à la prévoyance ?", fragment=True).content.decode()
    entry = "Combien la commune verse-t-elle pour ma mutuelle et ma prévoyance ?"
    assert "Réponse validée par le service" in page and f"Réponse à la question : « {entry} »" in page
    exchange = Exchange.objects.latest("created_at")
    assert exchange.mode == "faq" and exchange.faq_question == entry
    extract = ask(agent, "Comment renvoyer ma ligne fixe vers mon portable professionnel ?", fragment=True)
    assert "Réponse à la question" not in extract.content.decode()


def test_a_curated_answer_to_a_neighbouring_question_is_not_given(agent):
    # The entry « Combien de jours de congés annuels ai-je ? » is close, but says nothing of consecutive days: the
    # page answers, not the entry (extractive.same_question).
    page = ask(agent, "Combien de jours de congé consécutifs puis-je prendre au maximum ?", fragment=True)
    assert "Réponse à la question" not in page.content.decode()
    assert Exchange.objects.latest("created_at").mode == "extractive"


def test_a_curated_answer_that_says_less_than_the_documentation_is_followed_by_the_extract(agent):
    question = "Qui peut adhérer au comité des œuvres sociales ?"
    cos = Document.objects.get(title__startswith="Action sociale")
    embedder = get_passage_index().embedder
    FaqEntry.objects.create(  # the question as a phrasing of an entry whose validated answer says less than the page
        collection=cos.collection,
        question="Le COS, c'est quoi ?",
        phrasings=[question],
        answer="Le COS du personnel est ouvert aux agents de la commune.",
        source_document=cos,
        embeddings=embedder.embed_queries(["Le COS, c'est quoi ?", question]).astype(np.float32).tobytes(),
        embedder=embedder.name,
    )
    page = ask(agent, question, fragment=True).content.decode()
    assert "Réponse à la question : « Le COS, c&#x27;est quoi ? »" in page
    # The curated text does not say who may join: the closest sentences follow, marked as such, cited apart.
    assert "Extrait de la documentation, non validé par le service :" in page
    assert "titulaires et stagiaires" in page and page.count("<li>\n        <details>") >= 2


def test_a_curated_answer_to_another_kind_of_question_is_not_given(agent):
    # « Qui paie… ? » is not « Comment demander un logiciel ou du matériel ? »: the page answers, not its FAQ entry.
    page = ask(agent, "Qui paie un logiciel métier demandé par mon service ?", fragment=True).content.decode()
    assert "Réponse à la question : « Comment demander un logiciel ou du matériel ? »" not in page
    assert "budget du service demandeur" in page


def test_an_unsure_extract_is_shown_as_to_check_with_a_contact(agent):
    body = ask(agent, "Le billet de train est-il remboursé en première classe ?", fragment=True).content.decode()
    assert "Extrait le plus proche de la documentation, à vérifier" in body and "answer-to-check" in body
    assert "ne correspond peut-être pas exactement à votre question" in body
    assert "Qui contacter :</strong> Service RH, pôle Missions — poste 4214" in body
    sure = ask(agent, "Comment activer l'application Clé Brume lors de ma première connexion ?", fragment=True)
    assert "Extrait de la documentation" in sure.content.decode() and "à vérifier" not in sure.content.decode()


def test_follow_up_stays_in_the_same_conversation(agent):
    first = ask(agent, "Combien de jours de télétravail par semaine ?")
    conversation = re.search(r"/conversations/(\d+)/", first["Location"])[1]
    second = ask(agent, "et pour les agents à temps partiel ?", conversation=conversation)
    assert f"/conversations/{conversation}/" in second["Location"]
    exchanges = Exchange.objects.filter(conversation_id=conversation).order_by("pk")
    assert [e.question for e in exchanges] == [
        "Combien de jours de télétravail par semaine ?",
        "et pour les agents à temps partiel ?",
    ]
    assert "télétravail" in exchanges[1].search_query
    history = agent.get("/").content.decode()
    assert "Combien de jours de télétravail par semaine ?" in history  # listed under « Mes conversations »


@pytest.mark.parametrize(
    ("question", "message"),
    [("   ", "Écrivez votre question avant d&#x27;envoyer."), ("x" * 1001, "Votre question est trop longue")],
)
def test_bad_question_gets_a_french_error_and_logs_nothing(agent, question, message):
    before = Exchange.objects.count()
    response = ask(agent, question)
    assert response.status_code == 400 and message in response.content.decode()
    assert Exchange.objects.count() == before


def test_someone_elses_conversation_is_not_reachable(agent, client):
    first = ask(agent, "Comment configurer le VPN ?")
    conversation = re.search(r"/conversations/(\d+)/", first["Location"])[1]
    other = Client()
    assert other.login(username="referent.rh", password="valdebrume-demo")
    assert other.get(f"/conversations/{conversation}/").status_code == 404
    response = ask(other, "et sur mon téléphone ?", conversation=conversation)
    assert response.status_code == 400 and "ne vous appartient pas" in response.content.decode()


def test_thumbs_up_then_down_with_a_reason(agent):
    ask(agent, ORDRE_DE_MISSION)
    exchange = Exchange.objects.latest("pk")
    response = agent.post(f"/echanges/{exchange.pk}/avis/", {"rating": "up"}, headers={"X-Relais-Fragment": "1"})
    assert (
        response.status_code == 200 and "Merci, votre avis est enregistré : réponse utile" in response.content.decode()
    )
    assert 'value="up" class="rate" aria-pressed="true"' in response.content.decode()
    agent.post(
        f"/echanges/{exchange.pk}/avis/", {"rating": "down", "reason": "incomplete", "comment": "Il manque le délai"}
    )
    feedback = Feedback.objects.get(exchange=exchange)
    assert (feedback.rating, feedback.reason, feedback.comment) == ("down", "incomplete", "Il manque le délai")
    assert Feedback.objects.filter(exchange=exchange).count() == 1


def test_feedback_is_checked(agent):
    ask(agent, ORDRE_DE_MISSION)
    exchange = Exchange.objects.latest("pk")
    assert agent.post(f"/echanges/{exchange.pk}/avis/", {"rating": "bof"}).status_code == 400
    other = Client()
    other.force_login(get_user_model().objects.get(username="referent.dsi"))
    assert other.post(f"/echanges/{exchange.pk}/avis/", {"rating": "up"}).status_code == 404
    assert not Feedback.objects.filter(exchange=exchange).exists()


def test_document_page_and_original_file(agent):
    ask(agent, ORDRE_DE_MISSION)
    citation = Exchange.objects.latest("pk").citations[0]
    page = agent.get(f"/documents/{citation['document_id']}/").content.decode()
    assert "Ordre de mission" in page and "Version" in page and "RH" in page
    original = agent.get(f"/documents/{citation['document_id']}/fichier/")
    assert original.status_code == 200 and len(b"".join(original.streaming_content)) > 1000


def test_an_html_original_is_downloaded_sandboxed_and_a_pdf_shown(agent):
    from relais.knowledge.models import Document

    html = Document.objects.filter(source__endswith=".html").first()
    response = agent.get(f"/documents/{html.pk}/fichier/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox" and response["X-Content-Type-Options"] == "nosniff"
    pdf = Document.objects.filter(source__endswith=".pdf").first()
    response = agent.get(f"/documents/{pdf.pk}/fichier/")
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" not in response.get("Content-Security-Policy", "")  # the PDF viewer runs


def test_logo_is_served(client):
    response = client.get("/logo")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_posting_without_the_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)
    client.login(username="agent.demo", password="valdebrume-demo")
    assert client.post("/poser/", {"question": "VPN ?"}).status_code == 403


def test_asking_too_often_is_refused_in_french_with_429(agent, settings):
    from dataclasses import replace

    # The counts live in the shared database cache (operations.CacheEntry): the test's rollback empties it.
    settings.RELAIS = replace(settings.RELAIS, ask_rate_per_user=2)
    assert ask(agent, "Comment configurer le VPN ?").status_code == 302
    assert ask(agent, "Comment configurer le VPN ?").status_code == 302
    before = Exchange.objects.count()
    refused = ask(agent, "Comment configurer le VPN ?", fragment=True)
    assert refused.status_code == 429 and "Patientez une minute" in refused.content.decode()
    assert Exchange.objects.count() == before


def test_security_headers(agent):
    response = agent.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_source_s_validity_reads_as_a_french_date(agent):
    from relais.knowledge.models import Document

    response = ask(agent, ORDRE_DE_MISSION)
    exchange = Exchange.objects.get(pk=re.search(r"echange-(\d+)", response["Location"])[1])
    Document.objects.filter(pk=exchange.citations[0]["document_id"]).update(valid_from="2025-01-01")
    exchange.citations[0]["valid_from"] = "2025-01-01"
    exchange.save(update_fields=["citations"])
    page = agent.get(f"/conversations/{exchange.conversation_id}/").content.decode()
    assert "en vigueur depuis le 1er janvier 2025" in page and "2025-01-01" not in page


def test_french_date_filter():
    from datetime import date

    from relais.assistant.templatetags.french_dates import french_date

    assert french_date("2025-03-14") == "14 mars 2025"
    assert french_date(date(2026, 1, 1)) == "1er janvier 2026"
    assert french_date("bientôt") == "bientôt" and french_date(None) == ""
