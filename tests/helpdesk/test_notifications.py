"""Agents are told: an unread mark on the ticket, its conversation and the header when a handler replies or a
status changes, cleared when they open it; the « Notifications » page; an e-mail that fails is never silent; the
demo's mailbox shows the e-mails `make run` would have sent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from relais.assistant.models import Exchange
from relais.demo.town import marker
from relais.helpdesk import mailbox
from relais.helpdesk.models import LocalMail, Notification, OutboxMessage, Status
from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import open_ticket, reply, sync_statuses
from tests.helpdesk.people import QUESTION, client_for, relais_settings, text, user
from tests.processes import free_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]


def words(response) -> str:
    """The page as read aloud: tags removed, spaces collapsed (visually hidden text included)."""
    return " ".join(re.sub(r"<[^>]+>", "", text(response)).split())


def escalated_ticket(agent: Client):
    agent.post("/poser/", {"question": "Mon imprimante affiche bourrage papier, que faire ?"})
    exchange = Exchange.objects.filter(user__username="agent.demo").latest("pk")
    ticket = open_ticket(
        user("agent.demo"), title="Imprimante bloquée", description="Bourrage au 2e étage.", service="DSI",
        category="", urgency=3, exchange=exchange,
    )  # fmt: skip
    return ticket, exchange.conversation_id


def test_a_handler_reply_marks_the_ticket_its_conversation_and_the_header_until_the_agent_opens_it(settings):
    settings.RELAIS = relais_settings(notify_replies=False)
    agent = client_for("agent.demo")
    ticket, conversation_id = escalated_ticket(agent)
    assert "Notifications (" not in words(agent.get("/notifications/"))

    reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
    page = text(agent.get("/notifications/"))
    assert "Notifications (1 non lue)" in words(agent.get("/demandes/"))  # the header: in words, not a colour only
    said = f"Le service DSI a répondu à votre demande {ticket.reference} « Imprimante bloquée » (statut : En attente)."
    assert said in page
    assert "nouveau : non lu" in words(agent.get("/notifications/"))
    assert "nouveau : non lu" in words(agent.get("/demandes/"))  # the list of their tickets
    # The conversation carries the mark in the list of conversations, seen from another one.
    agent.post("/poser/", {"question": "Comment poser un jour de congé ?"}, follow=True)
    elsewhere = text(agent.get("/"))
    listed = re.search(rf'href="/conversations/{conversation_id}/"[^>]*>[^<]*</a>(.{{0,120}})', elsewhere, re.S)
    assert listed and "unread-mark" in listed.group(1)
    [notification] = Notification.objects.filter(user=user("agent.demo"))
    assert notification.conversation_id == conversation_id and notification.kind == Notification.Kind.HANDLER_REPLY

    # The ticket, in the conversation it came from, carries the mark this once and leads to its page: opening the
    # conversation reads it (tests/helpdesk/test_notification_read_in_conversation.py).
    chat = agent.get(f"/conversations/{conversation_id}/")
    assert "nouveau : non lu" in words(chat) and f'href="/demandes/{ticket.pk}/"' in text(chat)
    notification.refresh_from_db()
    assert notification.read_at is not None

    opened = agent.get(f"/notifications/{notification.pk}/")  # the notification still leads to the ticket
    assert opened.status_code == 302 and opened["Location"] == f"/demandes/{ticket.pk}/"
    assert "Notifications (" not in words(agent.get("/demandes/"))
    assert "nouveau : non lu" not in words(agent.get("/demandes/"))


def test_opening_the_ticket_page_reads_it_and_a_status_change_alone_notifies_too(settings):
    settings.RELAIS = relais_settings(notify_replies=False)
    agent = client_for("agent.demo")
    ticket, _ = escalated_ticket(agent)
    reply(ticket, user("referent.dsi"), "", Status.RESOLVED)
    [notification] = Notification.objects.filter(user=user("agent.demo"))
    assert notification.kind == Notification.Kind.STATUS
    assert f"Votre demande {ticket.reference} « Imprimante bloquée » est passée au statut « Résolu »." in text(
        agent.get("/notifications/")
    )
    agent.get(f"/demandes/{ticket.pk}/")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_status_read_back_from_glpi_notifies_the_agent(settings, monkeypatch):
    settings.RELAIS = relais_settings(notify_replies=False)
    ticket, _ = escalated_ticket(client_for("agent.demo"))
    ticket.connector, ticket.external_id = "glpi", "42"
    ticket.save()

    class Glpi:
        def status(self, external_id: str) -> str:
            return Status.WAITING

    monkeypatch.setattr("relais.helpdesk.tickets.get_connector", lambda name: Glpi())
    assert sync_statuses() == 1
    [notification] = Notification.objects.filter(user=user("agent.demo"))
    assert (notification.kind, notification.status) == (Notification.Kind.STATUS, Status.WAITING)


def test_notifications_are_private_and_read_all_clears_them(settings):
    settings.RELAIS = relais_settings(notify_replies=False)
    agent = client_for("agent.demo")
    ticket, _ = escalated_ticket(agent)
    reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
    notification = Notification.objects.get(user=user("agent.demo"))
    other = client_for("referent.rh")
    assert other.get(f"/notifications/{notification.pk}/").status_code == 404
    assert ticket.reference not in text(other.get("/notifications/"))
    assert agent.post("/notifications/tout-lu/").status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_a_failed_email_leaves_the_notification_and_shows_the_failure(settings):
    # Nothing listens on this port: the SMTP connection is refused, as in the demo before its mailbox.
    settings.RELAIS = relais_settings(
        notify_replies=True, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=1.0, outbox_max_attempts=2
    )
    agent = client_for("agent.demo")
    ticket, _ = escalated_ticket(agent)
    reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
    notification = Notification.objects.get(user=user("agent.demo"))
    email = notification.email
    assert email is not None and email.kind == OutboxMessage.Kind.NOTIFY
    email.refresh_from_db()
    assert email.state == OutboxMessage.State.PENDING and "unavailable" in email.last_error
    assert "courriel en attente d'envoi" in text(agent.get("/notifications/"))
    deliver_due(now=timezone.now() + timedelta(hours=1))
    email.refresh_from_db()
    assert email.state == OutboxMessage.State.DEAD
    page = text(agent.get("/notifications/"))
    assert "courriel non envoyé" in page and "Le service DSI a répondu" in page
    admin_page = text(client_for("admin").get("/admin/helpdesk/outboxmessage/"))
    assert "Abandonné" in admin_page and "unavailable" in admin_page


def test_the_demo_mailbox_keeps_the_emails_and_shows_each_their_own(settings):
    settings.RELAIS = relais_settings(notify_replies=True, smtp_host="127.0.0.1", smtp_port=free_port())
    mailbox.keep_mail_locally()
    try:
        agent = client_for("agent.demo")
        ticket, _ = escalated_ticket(agent)
        reply(ticket, user("referent.dsi"), QUESTION, Status.WAITING)
        deliver_due(now=timezone.now() + timedelta(hours=1))  # a later sweep keeps nothing twice
    finally:
        mailbox.keep_mail_locally(False)
    [mail] = LocalMail.objects.all()
    assert mail.to == "camille.martin@valdebrume.example" and QUESTION in mail.body
    assert f"/demandes/{ticket.pk}/" in mail.body
    assert Notification.objects.get(user=user("agent.demo")).email.state == OutboxMessage.State.SENT
    assert QUESTION in text(agent.get("/notifications/courriels/"))
    assert QUESTION in text(client_for("admin").get("/notifications/courriels/"))  # the administrator sees all
    assert QUESTION not in text(client_for("referent.rh").get("/notifications/courriels/"))


def test_the_demo_town_turns_the_mailbox_on_and_smtp_stays_otherwise(settings, monkeypatch):
    assert not mailbox.is_local()  # the tests' process has no demo marker at start: SMTP, as a real town
    path = marker(settings.DATA_DIR)
    existed = path.exists()
    path.write_text("demo", encoding="utf-8")
    monkeypatch.delenv("RELAIS_SMTP_HOST", raising=False)
    try:
        apps.get_app_config("demo").ready()
        assert mailbox.is_local()
        mailbox.keep_mail_locally(False)
        monkeypatch.setenv("RELAIS_SMTP_HOST", "smtp.valdebrume.example")  # a real server set: it is used
        apps.get_app_config("demo").ready()
        assert not mailbox.is_local()
    finally:
        mailbox.keep_mail_locally(False)
        if not existed:
            path.unlink()
