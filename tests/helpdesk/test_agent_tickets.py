"""Tickets are conversations: the agent sees their request and the service's messages, replies to a handler's
question, the ticket goes back to « En cours », and the reply reaches the service (builtin, e-mail, GLPI)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from relais.config import Config
from relais.helpdesk.models import Notification, OutboxMessage, Status, Ticket, TicketMessage
from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import open_ticket, reply
from tests.helpdesk.fake_glpi import FakeGlpi
from tests.helpdesk.people import QUESTION, client_for, text, user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]


def dsi_ticket(**changes) -> Ticket:
    values = {
        "title": "Imprimante bloquée",
        "description": "L'imprimante du 2e étage affiche « bourrage » depuis ce matin.",
        "service": "DSI",
        "category": "",
        "urgency": 3,
        "exchange": None,
    }
    return open_ticket(user("agent.demo"), **{**values, **changes})


def test_the_agent_sees_their_request_replies_to_the_question_and_the_ticket_is_in_progress_again():
    ticket = dsi_ticket()
    handler = client_for("referent.dsi")
    handler.post(f"/traitement/{ticket.pk}/", {"body": QUESTION, "status": Status.WAITING})
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING

    agent = client_for("agent.demo")
    page = text(agent.get(f"/demandes/{ticket.pk}/"))
    assert "L'imprimante du 2e étage affiche « bourrage » depuis ce matin." in page  # their own request text
    assert QUESTION in page and "En attente" in page
    assert 'name="body"' in page and "Envoyer ma réponse" in page

    response = agent.post(f"/demandes/{ticket.pk}/", {"body": "C'est la HP-204, salle du courrier."})
    assert response.status_code == 302 and response["Location"] == f"/demandes/{ticket.pk}/"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    last = ticket.messages.latest("pk")
    assert last.body == "C'est la HP-204, salle du courrier." and not last.from_handler
    assert last.author.username == "agent.demo"
    assert "Votre réponse a été transmise au service DSI." in text(agent.get(f"/demandes/{ticket.pk}/"))

    # The handler who asked sees the reply, with an unread mark until they open the ticket.
    asked = Notification.objects.get(user=user("referent.dsi"))
    assert asked.kind == Notification.Kind.AGENT_REPLY and asked.read_at is None
    assert "nouveau" in text(handler.get("/notifications/")) and "Camille Martin a répondu dans la demande" in text(
        handler.get("/notifications/")
    )
    assert "nouveau : non lu" in " ".join(re.sub(r"<[^>]+>", "", text(handler.get("/traitement/"))).split())
    assert "C'est la HP-204, salle du courrier." in text(handler.get(f"/traitement/{ticket.pk}/"))
    asked.refresh_from_db()
    assert asked.read_at is not None  # opened from the queue: read


def test_the_agents_reply_is_masked_like_their_request():
    ticket = dsi_ticket()
    reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
    client_for("agent.demo").post(
        f"/demandes/{ticket.pk}/", {"body": "Mon IBAN est FR76 3000 6000 0112 3456 7890 189, la HP-204."}
    )
    body = TicketMessage.objects.filter(ticket=ticket, from_handler=False).get().body
    assert "3000 6000" not in body and "[IBAN]" in body and "HP-204" in body


def test_an_empty_reply_is_refused_and_a_closed_ticket_takes_no_reply():
    ticket = dsi_ticket()
    agent = client_for("agent.demo")
    response = agent.post(f"/demandes/{ticket.pk}/", {"body": "   "})
    assert response.status_code == 400 and "Écrivez votre réponse." in text(response)
    reply(ticket, user("referent.dsi"), "", Status.CLOSED)
    page = text(agent.get(f"/demandes/{ticket.pk}/"))
    assert "Cette demande est close" in page and 'name="body"' not in page
    assert agent.post(f"/demandes/{ticket.pk}/", {"body": "Encore une chose"}).status_code == 400
    assert not ticket.messages.filter(from_handler=False).exists()


def test_a_reply_to_a_solved_ticket_reopens_it():
    ticket = dsi_ticket()
    reply(ticket, user("referent.dsi"), "Redémarrez-la.", Status.RESOLVED)
    client_for("agent.demo").post(f"/demandes/{ticket.pk}/", {"body": "Elle bloque toujours après redémarrage."})
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolved_at is None


def test_only_the_requester_sees_or_answers_their_ticket():
    ticket = dsi_ticket()
    for username in ["referent.dsi", "referent.rh", "admin"]:
        other = client_for(username)
        assert other.get(f"/demandes/{ticket.pk}/").status_code == 404
        assert other.post(f"/demandes/{ticket.pk}/", {"body": "Je m'en mêle"}).status_code == 404
        assert ticket.reference not in text(other.get("/demandes/"))
    assert not ticket.messages.exists()
    assert ticket.reference in text(client_for("agent.demo").get("/demandes/"))


# --- carried by the connectors, exactly once -----------------------------------------------------


def relais_settings(**changes) -> Config:
    from django.conf import settings

    return Config(**{**settings.RELAIS.__dict__, "notify_replies": False, **changes})


def test_the_agents_reply_reaches_the_service_mailbox_in_the_thread_once(smtp, settings):
    settings.RELAIS = relais_settings(
        helpdesk_services=(("RH", "email"), ("DSI", "builtin")),
        helpdesk_mailboxes=(("RH", "rh@valdebrume.example"),),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_timeout=3.0,
    )
    ticket = dsi_ticket(service="RH", title="Jour de fractionnement")
    ticket.refresh_from_db()
    reply(ticket, user("referent.rh"), "Sur quelle année ?", Status.WAITING)
    client_for("agent.demo").post(f"/demandes/{ticket.pk}/", {"body": "Sur 2025, merci."})
    deliver_due(now=timezone.now() + timedelta(hours=1))  # a later sweep sends nothing twice
    opened, _question, answer = smtp.mailbox.messages
    assert answer["To"] == "rh@valdebrume.example" and "Sur 2025, merci." in answer.get_content()
    assert "Camille Martin" in answer.get_content()
    assert answer["In-Reply-To"] == opened["Message-ID"]  # in the ticket's thread in the mailbox
    assert answer["Subject"].startswith(f"[Relais {ticket.reference}]")
    assert set(smtp.mailbox.by_message_id().values()) == {1}
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.FOLLOWUP, state=OutboxMessage.State.SENT).count() == 2


@pytest.fixture()
def glpi():
    server = FakeGlpi()
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("api", ["legacy", "v2"])
def test_the_agents_reply_becomes_one_glpi_followup_even_after_a_failure(settings, glpi, api):
    from relais.helpdesk.connectors.glpi import _sessions, _tokens

    _sessions.clear(), _tokens.clear()
    settings.RELAIS = relais_settings(
        helpdesk_services=(("RH", "builtin"), ("DSI", "glpi")),
        glpi_url=glpi.url, glpi_api=api, glpi_app_token=glpi.app_token, glpi_user_token=glpi.user_token,
        glpi_client_id=glpi.client_id, glpi_client_secret=glpi.client_secret, glpi_username=glpi.username,
        glpi_password=glpi.password, glpi_entity_id=3, glpi_timeout=0.5,
    )  # fmt: skip
    ticket = dsi_ticket()
    ticket.refresh_from_db()
    glpi_id = int(ticket.external_id)
    reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
    glpi.fail_next(2)  # GLPI is down when the agent answers, and at the next sweep: the follow-up waits
    client_for("agent.demo").post(f"/demandes/{ticket.pk}/", {"body": "C'est la HP-204."})
    assert not any("HP-204" in f["content"] for f in glpi.followups_of(glpi_id))
    deliver_due(now=timezone.now() + timedelta(hours=1))
    deliver_due(now=timezone.now() + timedelta(hours=2))
    deliver_due(now=timezone.now() + timedelta(hours=3))  # sent: nothing more
    answers = [html.unescape(f["content"]) for f in glpi.followups_of(glpi_id) if "HP-204" in f["content"]]
    assert len(answers) == 1 and "C'est la HP-204." in answers[0] and "Camille Martin, via Relais" in answers[0]
    _sessions.clear(), _tokens.clear()
