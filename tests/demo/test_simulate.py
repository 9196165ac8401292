"""`relais simulate`: a few weeks of plausible usage on the demo knowledge, replaced on each run."""

from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from relais.assistant.models import Exchange, Feedback
from relais.demo import town
from relais.demo.simulate import simulate, variations
from relais.helpdesk.models import Ticket
from relais.insights.measure import SIMULATED_NOTICE, Period, measure
from relais.insights.models import ServiceBaseline, Source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

DEMO = Path(__file__).resolve().parents[2] / "demo"
TODAY = date(2026, 11, 26)


def test_variations_are_how_agents_type():
    import random

    found = variations("Comment changer mon mot de passe ?", random.Random(1))
    assert found[0] == "Comment changer mon mot de passe ?"
    assert "comment changer mon mot de passe" in found and "Bonjour, comment changer mon mot de passe ?" in found
    assert len(found) == len(set(found)) >= 5


def test_simulation_fills_the_dashboard_with_realistic_ratios():
    real = Exchange.objects.count()
    summary = simulate(months=1, agents=40, per_day=10, seed=7, folder=DEMO, today=TODAY)
    assert summary.startswith("Simulated 22 working days (27/10/2026 – 25/11/2026): 40 agents")
    agents = get_user_model().objects.filter(username__startswith="sim.")
    assert agents.count() == 40 and all(a.profile.service for a in agents)
    exchanges = Exchange.objects.filter(user__in=agents)
    n = exchanges.count()
    assert 120 < n < 260  # up to 10 a day (22 working days), 30 % of it at first
    assert exchanges.filter(created_at__date__lt=date(2026, 10, 27)).count() == 0
    assert not exchanges.filter(created_at__week_day__in=[1, 7]).exists()  # no weekends
    abstentions = exchanges.filter(mode="none").count() / n
    assert 0.05 < abstentions < 0.35
    feedback = Feedback.objects.filter(exchange__in=exchanges)
    assert 0.2 < feedback.count() / exchanges.exclude(mode="none").count() < 0.5
    assert feedback.filter(rating="up").count() > feedback.filter(rating="down").count()
    tickets = Ticket.objects.filter(requester__in=agents)
    assert tickets.filter(exchange__isnull=False).exists() and tickets.filter(exchange__isnull=True).exists()
    assert set(tickets.values_list("service", flat=True)) <= {"RH", "DSI"}
    assert exchanges.filter(followed_by_ticket=True).exists()
    assert all(a.profile.simulated for a in agents)  # the marker of their questions, ratings and tickets
    assert set(ServiceBaseline.objects.values_list("source", flat=True)) == {Source.SIMULATED}
    rh = ServiceBaseline.objects.get(service="RH")
    assert rh.categories.count() == 8 and rh.categories.get(category="Paie et rémunération").documents.count() == 1
    m = measure(Period(date(2026, 10, 27), TODAY))
    assert (
        m.overall.questions
        == n + Exchange.objects.exclude(user__in=agents).filter(created_at__date__gte=date(2026, 10, 27)).count()
    )
    assert 0.3 < m.overall.deflection_rate < 0.8 and all(s.hours > 0 for s in m.measured_savings)
    assert m.simulated
    # A second run replaces the first: same seed, same data; real exchanges untouched.
    again = simulate(months=1, agents=40, per_day=10, seed=7, folder=DEMO, today=TODAY)
    assert again.endswith("40 earlier simulated agent(s) replaced.") and again.split(";")[0] == summary.split(";")[0]
    assert Exchange.objects.filter(user__username__startswith="sim.").count() == n
    assert Exchange.objects.exclude(user__username__startswith="sim.").count() == real


def test_simulation_keeps_an_existing_baseline():
    ServiceBaseline.objects.create(service="RH", monthly_requests=10, staff_hours_per_month=3)
    simulate(months=1, agents=3, per_day=2, seed=1, folder=DEMO, today=TODAY)
    assert ServiceBaseline.objects.get(service="RH").staff_hours_per_month == 3
    assert ServiceBaseline.objects.get(service="RH").source == Source.ENTERED
    assert ServiceBaseline.objects.get(service="DSI").source == Source.SIMULATED
    simulate(months=1, agents=3, per_day=2, seed=1, folder=DEMO, today=TODAY)  # the simulated one is made again
    assert sorted(ServiceBaseline.objects.values_list("service", "source")) == [
        ("DSI", Source.SIMULATED),
        ("RH", Source.ENTERED),
    ]


def test_simulated_data_is_said_to_be_simulated_wherever_it_is_shown():
    query = {"start": "2026-10-27", "end": "2026-11-26"}
    client = Client()
    assert client.login(username="pilotage.demo", password="valdebrume-demo")
    assert SIMULATED_NOTICE not in client.get("/pilotage/", query).content.decode()  # the demo alone: no usage
    simulate(months=1, agents=6, per_day=6, seed=3, folder=DEMO, today=TODAY)
    assert f"<strong>{SIMULATED_NOTICE}</strong>" in client.get("/pilotage/", query).content.decode()
    assert f"<strong>{SIMULATED_NOTICE}</strong>" in client.get("/pilotage/lacunes/", query).content.decode()
    assert SIMULATED_NOTICE in client.get("/pilotage/rapport.html", query).content.decode()
    admin = Client()
    assert admin.login(username="admin", password="valdebrume-demo")
    assert "Simulation (démonstration)" in admin.get("/admin/insights/servicebaseline/").content.decode()


def test_relais_demo_marks_the_data_folder_for_the_demo_town():
    assert town.marker(settings.DATA_DIR).is_file()  # written by `relais demo` (the demo_knowledge fixture)


def test_command_errors_and_gaps_listing(tmp_path):
    with pytest.raises(CommandError, match=r"questions\.yaml and faq\.yaml not found"):
        call_command("simulate", "--folder", str(tmp_path))
    simulate(months=1, agents=6, per_day=6, seed=3, folder=DEMO, today=TODAY)
    out = StringIO()
    call_command("insights", "gaps", "--from", "2026-10-27", "--to", "2026-11-26", "--limit", "3", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("") and "unsettled questions du 27/10/2026 au 26/11/2026" in lines[0]
    assert lines[1].startswith("1. [")
