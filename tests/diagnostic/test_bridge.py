"""The bridge: per linked task, the hours the diagnosis estimates next to the hours Relais measures, and the error.

Hand-built log over 2026-11-02 → 2026-11-15 (14 days = 14 / 30.4375 month):
- RH task « Répondre aux questions sur les congés » (60 × 10 min a month = 120 h a year; repetitiveness 5, digital
  5: potential 1; knowledge base, 30 %: 36 h a year estimated), linked to the collection « Guides RH ».
  Three answers cite its document: two deflected, one (of another agent) followed by that agent's ticket;
  the category « Congés » is priced 15 min.
  Measured: 2 × 15 min = 0.5 h in the period → 0.5 × 12 ÷ (14 / 30.4375) = 13.04 h a year. Error (36 − 13.04) ÷ 13.04.
- DSI task linked to the procedure « premiere-connexion » (10 min saved per run): three runs done, one still a draft.
  Measured: 30 min = 0.5 h in the period, the same 13.04 h a year.
"""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from relais.accounts.roles import PILOTAGE
from relais.assistant.models import Conversation, Exchange
from relais.diagnostic.bridge import compare
from relais.diagnostic.models import Campaign, Service, Task
from relais.engine.procedures.loading import parse_yaml
from relais.helpdesk.models import Ticket
from relais.insights.measure import Period, measure
from relais.insights.models import CategoryBaseline, ServiceBaseline
from relais.knowledge.models import Collection, Document
from relais.procedures.models import Procedure, Run, Status

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
PERIOD = Period(date(2026, 11, 2), date(2026, 11, 15))
PER_YEAR = 0.5 * 12 / (14 / 30.4375)


def at(day: int) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, 10))


def answer(user, document: Document, day: int) -> Exchange:
    row = Exchange.objects.create(
        conversation=Conversation.objects.create(user=user), user=user, question="Combien de jours de congés ?",
        search_query="congés", answer="…", mode="extractive", confidence=0.8, latency_ms=50, service="RH",
        citations=[{"document_id": document.pk, "document": document.title}],
    )  # fmt: skip
    Exchange.objects.filter(pk=row.pk).update(created_at=at(day))
    return row


@pytest.fixture()
def linked():
    user = get_user_model().objects.create_user("agent", password="x")
    lead = get_user_model().objects.create_user("pilotage.demo", password="x")
    lead.groups.add(Group.objects.get_or_create(name=PILOTAGE)[0])
    collection = Collection.objects.create(name="Guides RH")
    guide = Document.objects.create(collection=collection, source="/guides/conges.md", title="Congés annuels",
                                    content_hash="x", ingested_at=at(1))  # fmt: skip
    baseline = ServiceBaseline.objects.create(service="RH", monthly_requests=100, staff_hours_per_month=50)
    CategoryBaseline.objects.create(baseline=baseline, category="Congés", handling_minutes=15).documents.add(guide)
    answer(user, guide, 3), answer(user, guide, 4)
    other = get_user_model().objects.create_user("agent2", password="x")
    followed = answer(other, guide, 5)  # then a ticket of the same agent to the same service: not deflected
    ticket = Ticket.objects.create(requester=other, service="RH", title="Congés", description="…",
                                   exchange=followed)  # fmt: skip
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at(6))
    procedure = Procedure(definition=(ROOT / "demo" / "procedures" / "premiere-connexion.yaml").read_text())
    procedure.save()
    for day, status in [(3, Status.DONE), (4, Status.DONE), (10, Status.APPROVED), (11, Status.DRAFT)]:
        Run.objects.create(procedure=procedure, revision=1, definition=dict(parse_yaml(procedure.definition).data),
                           user=user, status=status, completed_at=at(day))  # fmt: skip
    campaign = Campaign.objects.create(name="Diag", opened_on=date(2026, 10, 1))
    rh, dsi = Service.objects.create(name="RH"), Service.objects.create(name="DSI")
    common = {"campaign": campaign, "minutes_per_occurrence": Decimal(10), "repetitiveness": 5, "digital_input": 5}
    Task.objects.create(service=rh, title="Répondre aux questions sur les congés", frequency_per_month=Decimal(60),
                        collection=collection, **common)  # fmt: skip
    Task.objects.create(service=dsi, title="Créer les comptes des arrivants", frequency_per_month=Decimal(10),
                        procedure=procedure, **common)  # fmt: skip
    Task.objects.create(service=dsi, title="Dépanner les imprimantes", frequency_per_month=Decimal(30), **common)
    return campaign


def test_each_linked_task_gets_its_estimate_its_measure_and_the_error(linked):
    rows = {c.task.title: c for c in compare(measure(PERIOD), linked)}
    assert set(rows) == {"Répondre aux questions sur les congés", "Créer les comptes des arrivants"}
    leave = rows["Répondre aux questions sur les congés"]
    assert leave.link == "Collection « Guides RH »"
    assert leave.rated.opportunity.hours_per_year == pytest.approx(120)
    assert leave.estimated == pytest.approx(36)  # 120 h × potential 1 × 30 % (knowledge base)
    assert (leave.uses, leave.measured_hours) == (2, pytest.approx(0.5))  # the answer followed by a ticket: not saved
    assert leave.measured == pytest.approx(PER_YEAR)
    assert leave.error == pytest.approx((36 - PER_YEAR) / PER_YEAR)
    assert leave.error_text == "+176\u00a0%" and leave.verdict == "estimation trop haute"
    accounts = rows["Créer les comptes des arrivants"]
    assert accounts.link == "Démarche « Première connexion au poste de travail »"
    assert (accounts.uses, accounts.measured_hours) == (3, pytest.approx(0.5))  # 3 runs × 10 min; the draft is not
    assert accounts.measured == pytest.approx(PER_YEAR)


def test_nothing_measured_states_no_error(linked):
    rows = compare(measure(Period(date(2026, 12, 1), date(2026, 12, 31))), linked)
    assert [(c.uses, c.measured, c.error, c.error_text) for c in rows] == [(0, 0.0, None, "—")] * 2
    assert rows[0].verdict == "rien de mesuré sur la période"


def test_the_pilotage_dashboard_shows_the_comparison(linked):
    from relais.accounts.roles import ensure_groups

    ensure_groups()  # the « Pilotage » group gets its permission to the dashboard
    client = Client()
    client.force_login(get_user_model().objects.get(username="pilotage.demo"))
    page = client.get("/pilotage/", {"start": "2026-11-02", "end": "2026-11-15"}).content.decode()
    assert "Diagnostic numérique : estimation et mesure" in page
    row = page.split('<th scope="row">Répondre aux questions sur les congés</th>')[1].split("</tr>")[0]
    assert "<td>Collection « Guides RH »</td>" in row and "176\u00a0%" in row and "13,0\u00a0h" in row
    # Exported as CSV like every table of the dashboard.
    csv = client.get("/pilotage/export/diagnostic-estimation-mesure.csv", {"start": "2026-11-02", "end": "2026-11-15"})
    assert csv.status_code == 200 and "Répondre aux questions sur les congés" in csv.content.decode("utf-8-sig")


def test_the_diagnosis_pages_show_it_too(linked):
    client = Client()
    client.force_login(get_user_model().objects.get(username="pilotage.demo"))
    page = client.get("/diagnostic/opportunites/").content.decode()
    assert "Estimation du diagnostic et mesure de Relais" in page
    assert "Démarche « Première connexion au poste de travail »" in page
