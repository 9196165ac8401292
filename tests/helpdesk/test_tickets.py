"""Tickets from the chat to RH/DSI: builtin queue, e-mail over a real SMTP server, the outbox, deflection."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from relais.assistant.models import Exchange
from relais.config import Config
from relais.helpdesk.models import Delivery, OutboxMessage, Status, Ticket
from relais.helpdesk.outbox import backoff, deliver_due
from relais.helpdesk.tickets import open_ticket, reply
from tests.helpdesk.smtp_peer import SmtpPeer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

PASSWORD = "valdebrume-demo"


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def user(username: str):
    return get_user_model().objects.get(username=username)


def ask(client: Client, question: str) -> Exchange:
    client.post("/poser/", {"question": question})
    return Exchange.objects.filter(user__username="agent.demo").latest("pk")


def relais_settings(**changes) -> Config:
    from django.conf import settings

    return Config(**{**settings.RELAIS.__dict__, **changes})


def email_settings(smtp: SmtpPeer, **more) -> Config:
    return relais_settings(
        helpdesk_services=(("RH", "email"), ("DSI", "builtin")),
        helpdesk_mailboxes=(("RH", "rh@valdebrume.example"),),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_timeout=3.0,
        **more,
    )


def test_ticket_form_is_prefilled_from_the_abstention():
    agent = client_for("agent.demo")
    exchange = ask(agent, "Mon badge ne marche plus depuis ce matin, que faire ?")
    page = agent.get(f"/echanges/{exchange.pk}/transmettre/").content.decode()
    assert "Transmettre votre question à un agent du service" in page
    assert "Mon badge ne marche plus depuis ce matin, que faire ?" in page
    assert 'option value="RH" selected' in page or 'option value="DSI" selected' in page


def test_builtin_loop_agent_handler_reply_and_status():
    agent = client_for("agent.demo")
    exchange = ask(agent, "Quel est le menu de la cantine demain ?")
    response = agent.post(
        f"/echanges/{exchange.pk}/transmettre/",
        {
            "title": "Menu de la cantine",
            "description": "Où trouver le menu ?",
            "service": "DSI",
            "category": "",
            "urgency": 2,
        },
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"#demande-{ticket.pk}")
    assert ticket.requester.username == "agent.demo" and ticket.delivery == Delivery.LOCAL
    assert "Agent : Quel est le menu de la cantine demain ?" in ticket.transcript
    conversation_page = agent.get(response["Location"].split("#")[0]).content.decode()
    assert f"Demande {ticket.reference} au service DSI" in conversation_page and "Nouveau" in conversation_page

    rh, dsi = client_for("referent.rh"), client_for("referent.dsi")
    assert ticket.reference not in rh.get("/traitement/").content.decode()  # RH handlers do not see DSI tickets
    assert rh.get(f"/traitement/{ticket.pk}/").status_code == 404
    assert agent.get("/traitement/").status_code == 403
    assert ticket.reference in dsi.get("/traitement/").content.decode()
    dsi.post(f"/traitement/{ticket.pk}/", {"body": "Le menu est affiché au restaurant municipal.", "status": "resolu"})
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED and ticket.first_response_at and ticket.resolved_at
    page = agent.get(f"/conversations/{ticket.conversation_id}/").content.decode()
    assert "Le menu est affiché au restaurant municipal." in page and "Résolu" in page


def test_invalid_ticket_form_is_refused_in_french_and_creates_nothing():
    agent = client_for("agent.demo")
    exchange = ask(agent, "Comment configurer le VPN ?")
    response = agent.post(
        f"/echanges/{exchange.pk}/transmettre/", {"title": "", "description": "", "service": "Mairie"}
    )
    body = response.content.decode()
    assert (
        response.status_code == 400 and "Donnez un titre à votre demande." in body and "Décrivez votre demande." in body
    )
    assert not Ticket.objects.exists()
    other = client_for("referent.rh")
    assert other.get(f"/echanges/{exchange.pk}/transmettre/").status_code == 404


def test_ticket_by_email_reaches_the_service_mailbox(smtp, settings):
    settings.RELAIS = email_settings(smtp)
    exchange = ask(client_for("agent.demo"), "Combien de jours de congés annuels ai-je ?")
    ticket = open_ticket(
        user("agent.demo"), title="Solde de congés", description="Mon solde semble faux.", service="RH",
        category="Congés", urgency=3, exchange=exchange,
    )  # fmt: skip
    ticket.refresh_from_db()
    assert ticket.delivery == Delivery.SENT and ticket.external_id.startswith("<ticket-")
    [message] = smtp.mailbox.messages
    assert (
        message["To"] == "rh@valdebrume.example"
        and message["Subject"] == f"[Relais {ticket.reference}] Solde de congés"
    )
    body = message.get_content()
    assert "Mon solde semble faux." in body and "Agent : Combien de jours de congés annuels ai-je ?" in body


def test_smtp_down_three_tickets_wait_then_each_is_delivered_exactly_once(smtp, settings):
    settings.RELAIS = email_settings(smtp)
    smtp.stop()
    agent = user("agent.demo")
    tickets = [
        open_ticket(agent, title=f"Demande {n}", description="…", service="RH", category="", urgency=3, exchange=None)
        for n in range(3)
    ]
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.delivery == Delivery.PENDING  # shown as « en attente d'envoi »
    assert OutboxMessage.objects.filter(state="pending", attempts=1).count() == 3
    smtp.start()
    deliver_due(now=timezone.now() + timedelta(hours=1))
    deliver_due(now=timezone.now() + timedelta(hours=2))  # a second sweep sends nothing again
    assert sorted(m["Subject"].split("] ")[1] for m in smtp.mailbox.messages) == ["Demande 0", "Demande 1", "Demande 2"]
    assert set(smtp.mailbox.by_message_id().values()) == {1}
    assert all(Ticket.objects.get(pk=t.pk).delivery == Delivery.SENT for t in tickets)


def test_handler_reply_notifies_the_agent_by_email_with_a_link(smtp, settings):
    settings.RELAIS = email_settings(smtp, site_url="https://relais.valdebrume.example")
    exchange = ask(client_for("agent.demo"), "Comment configurer le VPN ?")
    ticket = open_ticket(
        user("agent.demo"), title="VPN", description="Ça ne marche pas", service="DSI", category="", urgency=3,
        exchange=exchange,
    )  # fmt: skip
    reply(ticket, user("referent.dsi"), "Réinstallez le client VPN depuis le portail.", Status.IN_PROGRESS)
    [notification] = smtp.mailbox.messages
    assert notification["To"] == "camille.martin@valdebrume.example"
    body = notification.get_content()
    assert "Réinstallez le client VPN depuis le portail." in body
    assert f"https://relais.valdebrume.example/demandes/{ticket.pk}/" in body  # the ticket page, to reply there


def test_outbox_backs_off_exponentially_and_gives_up(smtp, settings):
    settings.RELAIS = email_settings(smtp, outbox_max_attempts=3, outbox_backoff_seconds=30)
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(40) == timedelta(hours=6)
    smtp.stop()
    ticket = open_ticket(
        user("agent.demo"), title="T", description="…", service="RH", category="", urgency=3, exchange=None
    )
    message = OutboxMessage.objects.get()
    first_retry = message.next_attempt_at
    assert deliver_due(now=first_retry - timedelta(seconds=1)) == {"delivered": 0, "failed": 0}  # not due yet
    deliver_due(now=first_retry)
    deliver_due(now=timezone.now() + timedelta(days=1))
    message.refresh_from_db()
    ticket.refresh_from_db()
    assert message.state == "dead" and message.attempts == 3 and "unavailable" in message.last_error
    assert ticket.delivery == Delivery.FAILED


def test_a_ticket_marks_the_agents_recent_answers_on_that_service_as_not_deflected():
    agent = client_for("agent.demo")
    answered = ask(agent, "Comment demander un ordre de mission ?")
    assert answered.service == "RH" and not answered.followed_by_ticket
    old = ask(agent, "Combien de jours de congés annuels ?")
    Exchange.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    open_ticket(
        user("agent.demo"), title="OM", description="…", service="RH", category="", urgency=3, exchange=answered
    )
    answered.refresh_from_db()
    old.refresh_from_db()
    assert answered.followed_by_ticket and not old.followed_by_ticket


def test_conversation_page_shows_a_pending_delivery(smtp, settings):
    settings.RELAIS = email_settings(smtp)
    smtp.stop()
    agent = client_for("agent.demo")
    exchange = ask(agent, "Combien de jours de congés annuels ai-je ?")
    agent.post(
        f"/echanges/{exchange.pk}/transmettre/",
        {"title": "Solde", "description": "Mon solde", "service": "RH", "category": "", "urgency": 3},
    )
    page = agent.get(f"/conversations/{exchange.conversation_id}/").content.decode()
    assert re.search(r"Demande RH-\d+ au service RH", page) and "en attente d'envoi" in page


def test_worker_delivers_what_waited_in_the_outbox(smtp, settings):
    from django.core.management import call_command

    settings.RELAIS = email_settings(smtp, outbox_backoff_seconds=0.0)
    smtp.stop()
    ticket = open_ticket(
        user("agent.demo"), title="Imprimante", description="…", service="RH", category="", urgency=3, exchange=None
    )
    smtp.start()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("worker", once=True)
    ticket.refresh_from_db()
    assert ticket.delivery == Delivery.SENT and len(smtp.mailbox.messages) == 1
