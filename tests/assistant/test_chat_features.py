"""The chat as people now expect it: example questions, follow-ups, edit and resend, copy, and conversations named,
renamed, deleted (with the retention rules), searched and grouped by day. All of it works without JavaScript:
these tests use plain forms and links, as a browser without the script would.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from relais.assistant.models import Conversation, Exchange, UsageCounter, title_from
from relais.assistant.suggestions import follow_ups
from relais.assistant.templatetags.french_dates import french_date
from relais.helpdesk.models import Status, Ticket
from relais.knowledge.models import Collection, Document, FaqEntry, Passage
from relais.operations.retention import purge

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-42"


def sign_in(username: str) -> Client:
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture()
def agent() -> Client:
    return sign_in("agent.test")


@pytest.fixture()
def other() -> Client:
    return sign_in("agent.autre")


def conversation_of(user, *questions: str, days_ago: int = 0, **exchange) -> Conversation:
    conversation = Conversation.objects.create(user=user)
    when = timezone.now() - timedelta(days=days_ago)
    for question in questions:
        Exchange.objects.create(
            conversation=conversation,
            user=user,
            question=question,
            search_query=question,
            answer=exchange.get("answer", "Une réponse."),
            mode=exchange.get("mode", "extractive"),
            confidence=0.8,
            latency_ms=1.0,
            citations=exchange.get("citations", []),
            suggestions=exchange.get("suggestions", []),
            retrieved=exchange.get("retrieved", []),
            faq_question=exchange.get("faq_question", ""),
            personal_situation=exchange.get("personal_situation", ""),
        )
    Exchange.objects.filter(conversation=conversation).update(created_at=when)
    Conversation.objects.filter(pk=conversation.pk).update(created_at=when)
    return conversation


def page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def sidebar(html: str) -> str:
    return html.split('<nav class="history"')[1].split("</nav>")[0]


def asked_buttons(html: str) -> list[str]:
    """The questions offered as buttons that ask them (a POST form to /poser/ with the question, no script)."""
    forms = re.findall(r'<form method="post" action="/poser/" class="ask-suggestion">(.*?)</form>', html, re.S)
    questions = []
    for form in forms:
        hidden = re.search(r'name="question" value="([^"]*)"', form)[1]
        button = re.search(r'<button type="submit" class="suggestion">([^<]*)</button>', form)[1]
        assert hidden == button  # what the button says is what it asks
        questions.append(unescape(button))
    return questions


# Conversations: named, grouped by day, searched


def test_a_title_is_the_first_question_cut_on_a_word():
    assert title_from("Comment poser un jour de RTT ?") == "Comment poser un jour de RTT ?"
    long = (
        "Comment je fais pour partir en formation à Montpellier la semaine prochaine, il me faut un ordre de mission ?"
    )
    title = title_from(long, limit=60)
    assert title == "Comment je fais pour partir en formation à Montpellier la…"
    assert len(title) <= 60 and long.startswith(title[:-1])


def test_the_sidebar_names_conversations_and_groups_them_by_day(agent):
    today = conversation_of(agent.user, "Comment poser un jour de RTT ?", "et pour les contractuels ?")
    yesterday = conversation_of(agent.user, "J'ai oublié mon mot de passe", days_ago=1)
    older = conversation_of(agent.user, "Combien de jours de télétravail par semaine ?", days_ago=10)
    html = sidebar(page(agent))
    days = [unescape(d) for d in re.findall(r'<h3 class="history-day"[^>]*>([^<]*)</h3>', html)]
    day = timezone.localdate() - timedelta(days=10)
    label = french_date(day).removesuffix(f" {day.year}") if day.year == timezone.localdate().year else french_date(day)
    assert days == ["Aujourd'hui", "Hier", label]
    links = re.findall(r'<a href="/conversations/(\d+)/"[^>]*>([^<]*)</a>', html)
    assert links == [
        (str(today.pk), "Comment poser un jour de RTT ?"),
        (str(yesterday.pk), "J&#x27;ai oublié mon mot de passe"),
        (str(older.pk), "Combien de jours de télétravail par semaine ?"),
    ]


def test_search_finds_names_and_questions_of_ones_own_conversations_only(agent, other):
    rtt = conversation_of(agent.user, "Comment poser un jour de RTT ?", "Et le télétravail le vendredi ?")
    named = conversation_of(agent.user, "Question sans rapport")
    Conversation.objects.filter(pk=named.pk).update(title="Mon télétravail")
    conversation_of(agent.user, "J'ai oublié mon mot de passe")
    conversation_of(other.user, "Le télétravail pour moi aussi ?")
    html = sidebar(page(agent, "/?q=T%C3%A9l%C3%A9travail"))
    assert "2 conversations pour « Télétravail »" in html
    found = re.findall(r'<a href="/conversations/(\d+)/"', html)
    assert sorted(found) == sorted([str(rtt.pk), str(named.pk)])
    assert "moi aussi" not in html and "mot de passe" not in html
    assert "Aucune conversation pour « cantine »" in sidebar(page(agent, "/?q=cantine"))


def test_renaming_a_conversation(agent):
    conversation = conversation_of(agent.user, "Comment poser un jour de RTT ?")
    response = agent.post(f"/conversations/{conversation.pk}/renommer/", {"title": "  Mes RTT 2026 "})
    assert response.status_code == 302 and response["Location"] == f"/conversations/{conversation.pk}/"
    conversation.refresh_from_db()
    assert conversation.title == "Mes RTT 2026"
    html = page(agent, response["Location"])
    assert '<h1 id="titre-conversation">Mes RTT 2026</h1>' in html and "<title>Mes RTT 2026" in html
    assert ">Mes RTT 2026</a>" in sidebar(html)
    assert "Conversation renommée « Mes RTT 2026 »." in html
    empty = agent.post(f"/conversations/{conversation.pk}/renommer/", {"title": " "})
    assert empty.status_code == 400 and "Donnez un nom à la conversation." in empty.content.decode()
    conversation.refresh_from_db()
    assert conversation.title == "Mes RTT 2026"


def test_deleting_asks_for_confirmation_then_hides_and_the_retention_purge_erases(agent, settings):
    conversation = conversation_of(agent.user, "Comment poser un jour de RTT ?", "et pour les contractuels ?")
    confirm = page(agent, f"/conversations/{conversation.pk}/supprimer/")
    assert "Supprimer la conversation « Comment poser un jour de RTT ? » ?" in confirm
    assert f"({settings.RELAIS.retention_days} jours)" in confirm
    assert Conversation.objects.get(pk=conversation.pk).hidden_at is None  # the page alone deletes nothing
    response = agent.post(f"/conversations/{conversation.pk}/supprimer/")
    assert response.status_code == 302 and response["Location"] == "/"
    html = page(agent)
    assert "Conversation « Comment poser un jour de RTT ? » supprimée." in html
    assert "RTT" not in sidebar(html)
    assert agent.get(f"/conversations/{conversation.pk}/").status_code == 404
    assert agent.post("/poser/", {"question": "et ensuite ?", "conversation": conversation.pk}).status_code == 400
    # Kept for the measurement until the retention period ends, then erased, its counts kept anonymously.
    assert Exchange.objects.filter(conversation=conversation).count() == 2
    later = timezone.now() + timedelta(days=settings.RELAIS.retention_days + 1)
    purge(now=later)
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert sum(UsageCounter.objects.values_list("exchanges", flat=True)) == 2


def test_a_conversation_with_an_open_ticket_cannot_be_deleted(agent):
    conversation = conversation_of(agent.user, "Mon badge ne marche plus")
    ticket = Ticket.objects.create(
        requester=agent.user, service="DSI", title="Badge", description="Mon badge", conversation=conversation
    )
    confirm = page(agent, f"/conversations/{conversation.pk}/supprimer/")
    assert "ne peut pas être supprimée tant que la demande" in confirm and "Badge" in confirm
    assert 'action="/conversations/' not in confirm.split("<main")[1]  # no delete button
    assert agent.post(f"/conversations/{conversation.pk}/supprimer/").status_code == 409
    assert Conversation.objects.get(pk=conversation.pk).hidden_at is None
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.CLOSED)
    assert agent.post(f"/conversations/{conversation.pk}/supprimer/").status_code == 302


def test_another_users_conversation_is_not_found(agent, other):
    theirs = conversation_of(other.user, "Ma question à moi")
    exchange = theirs.exchanges.get()
    for url in ("", "renommer/", "supprimer/"):
        assert agent.get(f"/conversations/{theirs.pk}/{url}").status_code == 404
        assert agent.post(f"/conversations/{theirs.pk}/{url}", {"title": "Volée"}).status_code in {404, 405}
    assert agent.post(f"/echanges/{exchange.pk}/avis/", {"rating": "up"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "" and theirs.hidden_at is None


def test_the_api_lists_names_and_leaves_out_deleted_conversations(agent):
    kept = conversation_of(agent.user, "Comment poser un jour de RTT ?")
    gone = conversation_of(agent.user, "Question à oublier")
    Conversation.objects.filter(pk=kept.pk).update(title="Mes RTT")
    agent.post(f"/conversations/{gone.pk}/supprimer/")
    listed = json.loads(agent.get("/api/v1/conversations").content)
    assert [(c["id"], c["title"], c["first_question"]) for c in listed] == [
        (kept.pk, "Mes RTT", "Comment poser un jour de RTT ?")
    ]
    assert agent.get(f"/api/v1/conversations/{gone.pk}").status_code == 404


# Edit and resend, copy


def test_edit_puts_the_question_back_in_the_form_and_resending_continues_the_conversation(agent):
    conversation = conversation_of(agent.user, "Comment poser un jour de RTT ?")
    html = page(agent, f"/conversations/{conversation.pk}/")
    link = re.search(r'<a class="edit-question" href="([^"]+)"', html)[1].replace("&amp;", "&")
    assert link == f"/conversations/{conversation.pk}/?question={quote('Comment poser un jour de RTT ?')}#id_question"
    form = page(agent, link.split("#")[0])
    assert re.search(r"<textarea name=\"question\"[^>]* autofocus>Comment poser un jour de RTT \?</textarea>", form)
    assert f'name="conversation" value="{conversation.pk}"' in form
    response = agent.post("/poser/", {"question": "Comment poser deux jours de RTT ?", "conversation": conversation.pk})
    assert response.status_code == 302
    assert list(conversation.exchanges.order_by("pk").values_list("question", flat=True)) == [
        "Comment poser un jour de RTT ?",
        "Comment poser deux jours de RTT ?",
    ]


def test_the_copy_button_carries_the_answer_and_its_sources_and_waits_for_the_script(agent):
    citations = [{"document_id": 1, "document": "Congés annuels", "section": ["RTT", "Poser un jour"], "text": "…"}]
    conversation = conversation_of(agent.user, "Comment poser un jour de RTT ?", answer="Dans le portail. [1]",
                                   citations=citations)  # fmt: skip
    html = page(agent, f"/conversations/{conversation.pk}/")
    button = re.search(r'<button type="button" class="button-small copy-answer" data-copy="([^"]*)" hidden>', html)
    assert button, "the copy button is there, hidden until relais.js shows it (it needs the script)"
    assert button[1] == "Dans le portail. [1]\n\nSources :\n[1] Congés annuels › RTT › Poser un jour"
    assert 'id="etat" role="status"' in html  # where the script says « Copié » (polite), besides the button


# Example questions on an empty chat


@pytest.fixture()
def faq():
    rh = Collection.objects.create(name="FAQ RH", service="RH")
    dsi = Collection.objects.create(name="FAQ DSI", service="DSI")
    public = Collection.objects.create(name="FAQ usagers", service="RH", audience="public")
    entries = {}
    for collection, questions in (
        (rh, ["Comment poser un jour de RTT ?", "Comment demander un ordre de mission ?",
              "Qui contacter pour ma paie ?", "Combien de jours de congés ?"]),
        (dsi, ["J'ai oublié mon mot de passe", "Comment imprimer ?"]),
        (public, ["Horaires de la mairie ?"]),
    ):  # fmt: skip
        for question in questions:
            entries[question] = FaqEntry.objects.create(
                collection=collection, question=question, answer="Réponse validée.", service=collection.service
            )
    return entries


def served(question: str, times: int) -> None:
    user = get_user_model().objects.create_user(f"demandeur.{abs(hash(question))}")
    for _ in range(times):
        conversation_of(user, question, mode="faq", faq_question=question)


def examples(html: str) -> dict[str, list[str]]:
    section = html.split('<section class="examples"')[1].split("</section>")[0]
    groups = re.split(r'<h3 class="examples-service"[^>]*>', section)[1:]
    return {group.split("</h3>")[0]: asked_buttons(group) for group in groups}


def test_the_empty_chat_offers_each_services_most_asked_faq_by_default(agent, faq):
    served("Qui contacter pour ma paie ?", 3)
    served("Comment demander un ordre de mission ?", 2)
    served("Comment imprimer ?", 1)
    assert examples(page(agent)) == {
        "DSI": ["Comment imprimer ?", "J'ai oublié mon mot de passe"],
        "RH": [
            "Qui contacter pour ma paie ?",
            "Comment demander un ordre de mission ?",
            "Combien de jours de congés ?",
        ],
    }


def test_the_referents_choice_replaces_the_default_for_their_service(agent, faq):
    served("Qui contacter pour ma paie ?", 3)
    for question in ("Comment poser un jour de RTT ?", "Combien de jours de congés ?"):
        FaqEntry.objects.filter(pk=faq[question].pk).update(example=True)
    shown = examples(page(agent))
    assert shown["RH"] == ["Combien de jours de congés ?", "Comment poser un jour de RTT ?"]
    assert shown["DSI"] == ["Comment imprimer ?", "J'ai oublié mon mot de passe"]  # still the default
    assert "Horaires de la mairie" not in page(agent)  # the public's FAQ is not the agents'


def test_an_example_is_asked_by_its_button_without_javascript(agent, faq):
    response = agent.post("/poser/", {"question": asked_buttons(page(agent))[0]})
    assert response.status_code == 302
    exchange = Exchange.objects.get(user=agent.user)
    assert exchange.question == "Comment imprimer ?"  # DSI comes first, then RH: services by name
    assert '<section class="examples"' not in page(agent, response["Location"].split("#")[0])  # not empty anymore


def test_a_referent_marks_an_example_in_the_admin_of_their_service_only(faq):
    from relais.accounts.models import Profile
    from relais.accounts.roles import REFERENT_RH, ensure_groups

    referent = get_user_model().objects.create_user("referent.test", password=PASSWORD, is_staff=True)
    referent.groups.add(ensure_groups()[REFERENT_RH])
    Profile.objects.update_or_create(user=referent, defaults={"service": "RH"})
    client = Client()
    client.force_login(referent)
    entry = faq["Comment poser un jour de RTT ?"]
    form = client.get(f"/admin/knowledge/faqentry/{entry.pk}/change/").content.decode()
    assert 'name="example"' in form and "proposée en exemple" in form.lower()
    assert client.get(f"/admin/knowledge/faqentry/{faq['Comment imprimer ?'].pk}/change/").status_code in {302, 404}


# Follow-up suggestions under an answer


@pytest.fixture()
def mission():
    collection = Collection.objects.create(name="Documents RH", service="RH")
    document = Document.objects.create(
        collection=collection,
        source="/tmp/om.md",
        title="Ordre de mission",
        content_hash="x",
        ingested_at=timezone.now(),
    )
    # As the reader stores them: the document's title is not a level; a passage may hold several sections (none).
    sections = [[], ["Quand faut-il un ordre de mission ?"], ["Délais à respecter"], ["Le circuit de validation"],
                ["Le circuit de validation", "Contact"]]  # fmt: skip
    for position, path in enumerate(sections):
        Passage.objects.create(document=document, position=position, section_path=path, text="…", embedding=b"")
    return document


def cites(document: Document, section: list[str]) -> list[dict]:
    return [{"document_id": document.pk, "document": document.title, "section": section, "text": "…"}]


def follow_ups_of(html: str) -> list[str]:
    block = html.split('<div class="follow-ups">')[1].split("</div>")[0]
    assert "Pour aller plus loin" in block
    return asked_buttons(block)


def test_follow_ups_are_the_faq_of_the_cited_document_its_sections_then_the_faq_of_close_retrievals(
    agent, mission, faq
):
    for question in ("Comment demander un ordre de mission ?", "Qui contacter pour ma paie ?"):
        FaqEntry.objects.filter(pk=faq[question].pk).update(source_document=mission)
    leave, far = (
        Document.objects.create(
            collection=mission.collection, source=f"/tmp/{title}.md", title=title, content_hash=title,
            ingested_at=timezone.now(),
        )
        for title in ("Congés", "Imprimantes")
    )  # fmt: skip
    close = Passage.objects.create(document=leave, position=0, text="…", embedding=b"")
    weak = Passage.objects.create(document=far, position=0, text="…", embedding=b"")
    FaqEntry.objects.filter(pk=faq["Combien de jours de congés ?"].pk).update(source_document=leave)
    FaqEntry.objects.filter(pk=faq["Comment imprimer ?"].pk).update(source_document=far)
    conversation = conversation_of(
        agent.user,
        "Comment demander un ordre de mission ?",
        mode="faq",
        faq_question="Comment demander un ordre de mission ?",
        citations=cites(mission, []),
        retrieved=[
            {"passage_id": close.pk, "document": "Congés", "score": 0.5},
            {"passage_id": weak.pk, "document": "Imprimantes", "score": 0.3},  # under 90 % of the best: not offered
        ],
    )
    html = page(agent, f"/conversations/{conversation.pk}/")
    # Not the question just answered; the cited document's FAQ, then its sections, nearest to the cited one first.
    assert follow_ups_of(html) == [
        "Qui contacter pour ma paie ?",
        "Quand faut-il un ordre de mission ? — Ordre de mission",
        "Délais à respecter — Ordre de mission",
    ]
    assert f'name="conversation" value="{conversation.pk}"' in html.split('<div class="follow-ups">')[1]
    everything = follow_ups(conversation.exchanges.get(), frozenset({"agents"}), limit=10)
    assert everything[-1] == "Combien de jours de congés ?" and "Comment imprimer ?" not in everything


def test_section_follow_ups_start_near_the_cited_passage_and_skip_it(agent, mission):
    conversation = conversation_of(agent.user, "Quel délai ?", citations=cites(mission, ["Délais à respecter"]))
    assert follow_ups_of(page(agent, f"/conversations/{conversation.pk}/")) == [
        "Quand faut-il un ordre de mission ? — Ordre de mission",
        "Le circuit de validation — Ordre de mission",
        "Contact — Ordre de mission",
    ]


def test_no_follow_up_under_an_abstention_or_a_personal_situation(agent, mission, faq):
    FaqEntry.objects.filter(pk=faq["Qui contacter pour ma paie ?"].pk).update(source_document=mission)
    bare = conversation_of(
        agent.user, "Quel est le menu de la cantine ?", mode="none", suggestions=[{"document_id": mission.pk}]
    )
    personal = conversation_of(
        agent.user, "Je suis en arrêt maladie", personal_situation="health", citations=cites(mission, [])
    )
    for conversation in (bare, personal):
        assert '<div class="follow-ups">' not in page(agent, f"/conversations/{conversation.pk}/")
