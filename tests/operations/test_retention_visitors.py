"""The purge's daily counts keep the visitors apart from the agents (issue 20), with the visitors' own counts."""

from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from relais.assistant.models import UsageCounter
from relais.knowledge.models import ServiceDesk
from relais.operations.retention import purge
from tests.operations.test_retention import exchange

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 12, 20, 12))
FIELDS = ("exchanges", "thumbs_down", "handovers", "screened", "outside_hours", "personal_situations")


def on(row, day: int, hour: int) -> None:
    """Move an exchange to that day of November 2026 at that local hour."""
    row.__class__.objects.filter(pk=row.pk).update(created_at=timezone.make_aware(datetime(2026, 11, day, hour)))


def counters() -> dict[tuple, tuple]:
    return {
        (c.day.day, c.service, c.mode, c.audience): tuple(getattr(c, name) for name in FIELDS)
        for c in UsageCounter.objects.all()
    }


@pytest.fixture()
def log():
    """Tuesday 3 November (open at 10 h) and Saturday 7 November (closed): agents' and visitors' exchanges on the
    same day, service and mode, a hand-over, a fixed answer of the guard and a personal case."""
    agent = get_user_model().objects.create_user("agent")
    rows = [
        (exchange(agent, 0, service="État civil"), 3, 10),
        (exchange(None, 0, service="État civil", audience="public", rating="down"), 3, 10),
        (exchange(None, 0, mode="none", service="", audience="public"), 7, 10),
        (exchange(None, 0, mode="none", service="", audience="public", screened="jailbreak"), 7, 11),
        (exchange(None, 0, mode="none", service="", audience="public", personal_situation="disciplinary"), 3, 20),
        (exchange(agent, 0, mode="none", service=""), 7, 10),
    ]
    for row, day, hour in rows:
        on(row, day, hour)


def test_the_rollup_keeps_visitors_apart_with_their_counts(log):
    ServiceDesk.objects.create(
        service="Accueil", label="Accueil", opening_hours="du lundi au vendredi : 8 h 30 - 17 h 30", town_hall=True
    )
    assert purge(now=NOW, days=40).exchanges == 6
    assert counters() == {
        (3, "État civil", "extractive", "agents"): (1, 0, 0, 0, 0, 0),
        (3, "État civil", "extractive", "public"): (1, 1, 0, 0, 0, 0),
        (3, "", "none", "public"): (1, 0, 1, 0, 1, 1),  # a personal case at 20 h: a hand-over, outside the hours
        (7, "", "none", "public"): (2, 0, 1, 1, 2, 0),  # Saturday: closed; the fixed answer is no hand-over
        (7, "", "none", "agents"): (1, 0, 0, 0, 0, 0),  # the agents' abstention: no visitor's count
    }
    assert purge(now=NOW, days=40).exchanges == 0 and len(counters()) == 5  # idempotent


def test_without_opening_hours_no_question_is_outside_them(log):
    purge(now=NOW, days=40)
    assert sum(UsageCounter.objects.values_list("outside_hours", flat=True)) == 0
    assert sum(UsageCounter.objects.filter(audience="public").values_list("handovers", flat=True)) == 2
