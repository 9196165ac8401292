"""Retention of the citizens' assistant's exchanges: RELAIS_PUBLIC_RETENTION_DAYS, shorter than the agents'."""

import dataclasses

import pytest
from django.contrib.auth import get_user_model

from relais.assistant.models import Conversation, Exchange, UsageCounter
from relais.operations.retention import purge
from tests.operations.test_retention import exchange

pytestmark = pytest.mark.django_db


def test_public_exchanges_go_after_their_own_retention_and_are_counted(settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, retention_days=180, public_retention_days=30)
    agent = get_user_model().objects.create_user("agent")
    old_visit = exchange(None, 40, service="État civil", audience="public", masked_pii=["phone"])
    recent_visit = exchange(None, 10, service="État civil", audience="public")
    agents = exchange(agent, 40)

    dry = purge(dry_run=True)
    assert (dry.exchanges, dry.conversations) == (1, 1) and Exchange.objects.count() == 3
    report = purge()
    assert (report.exchanges, report.conversations) == (1, 1)
    assert report.as_dict()["public_cutoff"] > report.as_dict()["cutoff"]
    assert set(Exchange.objects.values_list("pk", flat=True)) == {recent_visit.pk, agents.pk}
    assert not Conversation.objects.filter(pk=old_visit.conversation_id).exists()
    assert Conversation.objects.filter(pk=agents.conversation_id).exists()
    counter = UsageCounter.objects.get(service="État civil")
    assert (counter.exchanges, counter.masked_pii) == (1, 1)
    assert purge().exchanges == 0  # idempotent


def test_the_agents_cutoff_still_applies_when_it_is_the_shorter(settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, retention_days=180, public_retention_days=30)
    exchange(None, 20, audience="public")
    report = purge(days=10)  # `relais purge --days 10`: shorter than both
    assert report.exchanges == 1 and not Exchange.objects.exists() and not Conversation.objects.exists()
