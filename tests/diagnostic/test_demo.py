"""The demo town's diagnosis (demo/diagnostic/): 17 services, consistent tasks, loaded twice without change."""

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from relais.diagnostic.inventory import load_folder
from relais.diagnostic.models import Campaign, Practice, Service, Submission, Task, Tool
from relais.diagnostic.opportunities import rated_tasks
from relais.diagnostic.scoring import Kind, Risk

pytestmark = pytest.mark.django_db
FOLDER = Path(__file__).resolve().parents[2] / "demo" / "diagnostic"


def test_the_demo_diagnosis_loads_17_services_and_about_150_tasks_marked_demo():
    referent = get_user_model().objects.create_user("referent.rh")
    loaded = load_folder(FOLDER)
    assert loaded.tasks.errors == []
    assert (loaded.services, loaded.tasks.added) == (17, 151)
    assert loaded.missing_referents == ["referent.dsi"]
    assert Service.objects.count() == 17 and not Service.objects.filter(demo=False).exists()
    campaign = Campaign.objects.get()
    assert campaign.demo and campaign.deadline > campaign.opened_on
    assert list(referent.diagnostic_services.values_list("name", flat=True)) == ["RH"]
    assert Practice.objects.count() == 17
    assert Submission.objects.count() == 11
    # Every service has tools, and its tasks name tools it uses or the office suite.
    assert not Service.objects.filter(tools__isnull=True).exists()
    assert Tool.objects.count() == loaded.tools


def test_loading_it_again_changes_nothing():
    load_folder(FOLDER)
    before = (list(Task.objects.order_by("pk").values()), list(Tool.objects.order_by("pk").values()))
    again = load_folder(FOLDER)
    assert (again.tasks.added, again.tasks.updated, again.tasks.unchanged) == (0, 0, 151)
    assert (list(Task.objects.order_by("pk").values()), list(Tool.objects.order_by("pk").values())) == before


def test_the_demo_figures_tell_a_plausible_story():
    load_folder(FOLDER)
    rated = rated_tasks(Campaign.objects.current())
    kinds = {r.opportunity.kind for r in rated}
    assert kinds == set(Kind)  # every recommendation appears
    high = [r for r in rated if r.opportunity.risk is Risk.HIGH]
    assert len(high) >= 15
    assert all(r.opportunity.kind in {Kind.HUMAN_REVIEW, Kind.NOT_RECOMMENDED} for r in high)
    total = sum(r.opportunity.hours_per_year for r in rated)
    assert 20_000 < total < 60_000  # about 15 to 40 full-time posts of a 1,607-hour year
    top = [(r.task.service.name, r.task.title, r.opportunity.kind) for r in rated[:5]]
    assert top[0] == ("Finances", "Rapprocher bons de commande et factures", Kind.AUTOMATION)
    assert ("DSI", "Réinitialiser les mots de passe des agents", Kind.AUTOMATION) in top
    assert all(r.opportunity.risk is Risk.LOW for r in rated[:10])


def test_relais_demo_loads_the_diagnosis_folder(capsys):
    """The hook of `relais demo` (its documents and embeddings are left to tests/demo)."""
    from relais.demo.management.commands.demo import Command

    Command()._load_diagnostic(FOLDER, verbosity=1)
    out = capsys.readouterr().out
    assert "Digital diagnosis « Diagnostic numérique 2026 (démonstration) »: 17 services, 39 tools;" in out
    assert "151 tâche(s) ajoutée(s)" in out
