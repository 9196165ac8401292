"""Retention: old personal content is purged, anonymised daily counts are kept."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from relais.assistant.models import Conversation, Exchange, Feedback, UsageCounter
from relais.helpdesk.models import Status, Ticket, TicketMessage
from relais.operations.retention import PURGED, purge

pytestmark = pytest.mark.django_db


def exchange(user, days_ago: int, mode="extractive", service="RH", rating=None, **fields) -> Exchange:
    conversation = Conversation.objects.create(user=user)
    row = Exchange.objects.create(
        conversation=conversation, user=user, question=f"question {days_ago}", search_query="q", answer="a",
        mode=mode, confidence=0.8, latency_ms=20.0, service=service, **fields,
    )  # fmt: skip
    Exchange.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    Conversation.objects.filter(pk=conversation.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    if rating:
        Feedback.objects.create(exchange=row, user=user, rating=rating, comment="Mon collègue Jean m'a dit…")
    return row


def test_purge_deletes_old_personal_content_and_keeps_anonymous_counts():
    user = get_user_model().objects.create_user("agent")
    exchange(user, 200, rating="up")
    exchange(user, 200, rating="down", followed_by_ticket=True, masked_pii=["nir"])
    exchange(user, 200, mode="none", service="DSI")
    recent = exchange(user, 10, rating="down")
    old_ticket = Ticket.objects.create(
        requester=user, service="RH", title="Mon arrêt", description="NIR …", transcript="Agent : …",
        status=Status.RESOLVED, resolved_at=timezone.now() - timedelta(days=190),
    )  # fmt: skip
    TicketMessage.objects.create(ticket=old_ticket, author=user, body="Réponse personnelle")
    open_ticket = Ticket.objects.create(requester=user, service="DSI", title="VPN", description="…")

    report = purge(days=180)
    assert (report.exchanges, report.conversations, report.tickets) == (3, 3, 1)
    assert list(Exchange.objects.values_list("pk", flat=True)) == [recent.pk]
    assert Feedback.objects.count() == 1 and Conversation.objects.count() == 1
    counters = {(c.service, c.mode): c for c in UsageCounter.objects.all()}
    rh = counters[("RH", "extractive")]
    assert (rh.exchanges, rh.thumbs_up, rh.thumbs_down, rh.followed_by_ticket, rh.masked_pii) == (2, 1, 1, 1, 1)
    assert rh.latency_ms_total == 40.0 and counters[("DSI", "none")].exchanges == 1
    old_ticket.refresh_from_db()
    assert (old_ticket.title, old_ticket.description, old_ticket.transcript) == (PURGED, PURGED, "")
    assert old_ticket.status == Status.RESOLVED and old_ticket.service == "RH" and not old_ticket.messages.exists()
    open_ticket.refresh_from_db()
    assert open_ticket.title == "VPN"
    assert purge(days=180).exchanges == 0 and UsageCounter.objects.get(service="RH").exchanges == 2  # idempotent


def test_dry_run_changes_nothing(capsys):
    user = get_user_model().objects.create_user("agent")
    exchange(user, 400)
    call_command("purge", "--dry-run")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("would purge: 1 exchange(s)") and json.loads(out[-1])["exchanges"] == 1
    assert Exchange.objects.count() == 1 and not UsageCounter.objects.exists()
