"""Opening a conversation reads the notifications about it: a handler's reply to a ticket escalated from it, a
decision on a request started from it. The page opened still says « nouveau » beside what was new, this once; the
header's count and the list of conversations no longer count it. Other conversations' notifications stay unread."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.assistant.models import Conversation, Exchange
from relais.helpdesk.models import Notification, Status, Ticket
from relais.helpdesk.notifications import notify
from relais.helpdesk.tickets import open_ticket, reply
from relais.procedures import runs
from relais.procedures.models import Procedure
from tests.helpdesk.people import QUESTION, relais_settings, text

pytestmark = pytest.mark.django_db

ORDRE_DE_MISSION = Path(__file__).resolve().parents[2] / "demo" / "procedures" / "ordre-de-mission.yaml"
UNREAD = "nouveau : non lu"


@pytest.fixture(autouse=True)
def _no_emails(settings):
    settings.RELAIS = relais_settings(notify_replies=False)  # the unread marks only, no outbox


def sign_in(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_user(username, password="motdepasse-solide-42"))
    return client


def agent_of(client: Client):
    return get_user_model().objects.get(pk=client.session["_auth_user_id"])


def asked(user, question: str) -> Exchange:
    return Exchange.objects.create(
        conversation=Conversation.objects.create(user=user), user=user, question=question, search_query=question,
        answer="Voir la fiche « Imprimantes ».", mode="extractive", confidence=0.5, latency_ms=1.0,
    )  # fmt: skip


def escalated(user, question: str = "Mon imprimante affiche bourrage papier") -> Ticket:
    return open_ticket(
        user, title="Imprimante bloquée", description="Bourrage au 2e étage.", service="DSI", category="", urgency=3,
        exchange=asked(user, question),
    )  # fmt: skip


def words(response) -> str:
    """The page as read aloud: tags removed, spaces collapsed (visually hidden text included)."""
    assert response.status_code == 200, response.status_code
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


def listed_as_unread(client: Client, conversation_id: int) -> bool:
    """The conversation carries « nouveau » in the chat's list of conversations (seen from a new conversation)."""
    page = text(client.get("/"))
    listed = re.search(rf'href="/conversations/{conversation_id}/"[^>]*>[^<]*</a>(.{{0,120}})', page, re.S)
    assert listed, "the conversation is not in the list"
    return "unread-mark" in listed.group(1)


def test_opening_the_conversation_reads_the_handlers_reply_and_marks_it_new_this_once():
    agent = sign_in("agent.lecture")
    ticket = escalated(agent_of(agent))
    reply(ticket, get_user_model().objects.create_user("referent.lecture"), QUESTION, Status.WAITING)
    [notification] = Notification.objects.filter(user=agent_of(agent))
    assert notification.conversation_id == ticket.conversation_id and notification.read_at is None
    assert listed_as_unread(agent, ticket.conversation_id)
    assert "Notifications (1 non lue)" in words(agent.get("/"))

    opened = words(agent.get(f"/conversations/{ticket.conversation_id}/"))
    notification.refresh_from_db()
    assert notification.read_at is not None
    # What was new is still marked on the page that shows it; the header already counts nothing.
    assert f"Répondre au service (demande {ticket.reference}) {UNREAD}" in opened
    assert QUESTION in opened and "Notifications (" not in opened

    assert UNREAD not in words(agent.get(f"/conversations/{ticket.conversation_id}/"))
    assert not listed_as_unread(agent, ticket.conversation_id)
    assert "Aucune notification non lue." in words(agent.get("/notifications/"))


def test_a_decision_on_a_request_started_in_the_conversation_is_read_there_too():
    agent = sign_in("agent.demarche")
    user = agent_of(agent)
    exchange = asked(user, "Il me faut un ordre de mission pour une formation à Lyon")
    run = runs.start(user, Procedure.objects.create(definition=ORDRE_DE_MISSION.read_text()), exchange=exchange)
    # As runs._notify_agent does once the request is approved.
    notification = notify(user, Notification.Kind.APPROVED, run, conversation=exchange.conversation)
    assert listed_as_unread(agent, exchange.conversation_id)

    agent.get(f"/conversations/{exchange.conversation_id}/")
    notification.refresh_from_db()
    assert notification.read_at is not None and not listed_as_unread(agent, exchange.conversation_id)


def test_another_conversation_or_another_agent_leaves_the_notification_unread_and_the_ticket_page_reads_it():
    agent = sign_in("agent.ailleurs")
    ticket = escalated(agent_of(agent))
    other_conversation = asked(agent_of(agent), "Comment poser un jour de congé ?").conversation_id
    reply(ticket, get_user_model().objects.create_user("referent.ailleurs"), QUESTION, Status.WAITING)
    notification = Notification.objects.get(user=agent_of(agent))

    assert agent.get(f"/conversations/{other_conversation}/").status_code == 200
    assert sign_in("agent.curieux").get(f"/conversations/{ticket.conversation_id}/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None and listed_as_unread(agent, ticket.conversation_id)

    assert ticket.reference in words(agent.get(f"/demandes/{ticket.pk}/"))  # the ticket's own page reads it too
    notification.refresh_from_db()
    assert notification.read_at is not None and not listed_as_unread(agent, ticket.conversation_id)
