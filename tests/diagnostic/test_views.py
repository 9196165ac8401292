"""The diagnosis in the browser: who sees and edits what (référents, leads, admin, agents), forms, progress, files."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from relais.diagnostic.models import Campaign, Practice, Service, Submission, Task, Tool
from relais.diagnostic.sheet import HEADERS, parse, read_rows
from tests.diagnostic.people import DENIED, LOGIN, ROLES, client_for, create_people, wrong_statuses

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture()
def town():
    campaign = Campaign.objects.create(
        name="Diagnostic 2026", opened_on=date.today(), deadline=date.today() + timedelta(days=10)
    )
    rh, dsi = Service.objects.create(name="RH", label="Ressources humaines"), Service.objects.create(name="DSI")
    create_people(rh)
    task = Task.objects.create(
        campaign=campaign, service=dsi, title="Réinitialiser les mots de passe", frequency_per_month=Decimal(80),
        minutes_per_occurrence=Decimal(10), repetitiveness=5, digital_input=5,
    )  # fmt: skip
    tool = Tool.objects.create(campaign=campaign, service=dsi, name="GLPI", use="Demandes", users=4, satisfaction=3)
    return {"campaign": campaign, "rh": rh, "dsi": dsi, "task": task, "tool": tool}


MATRIX = {
    "/diagnostic/": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/opportunites/": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/modele.ods": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/taches.csv": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/services/{rh}/": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/services/{dsi}/": [LOGIN, DENIED, 404, 200, 200],
    "/diagnostic/services/{rh}/taches/ajouter/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{rh}/outils/ajouter/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{rh}/pratiques/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{dsi}/taches/{task}/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{dsi}/outils/{tool}/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{rh}/taches/{task}/": [LOGIN, DENIED, 404, DENIED, 404],  # a DSI task under RH
}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, town):
    ids = {"rh": town["rh"].pk, "dsi": town["dsi"].pk, "task": town["task"].pk, "tool": town["tool"].pk}
    wrong = wrong_statuses(role, MATRIX, ids)
    assert wrong == {}, f"{role}: path → (got, expected)"


def test_an_agent_gets_the_french_403_page(town):
    response = client_for("agent.demo").get("/diagnostic/")
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_a_referent_cannot_post_into_another_service(town):
    client = client_for("referent.rh")
    dsi, task = town["dsi"], town["task"]
    assert client.post(f"/diagnostic/services/{dsi.pk}/taches/{task.pk}/supprimer/").status_code == 404
    assert client.post(f"/diagnostic/services/{dsi.pk}/transmettre/").status_code == 404
    assert client.post(f"/diagnostic/services/{dsi.pk}/taches/ajouter/", {"title": "x"}).status_code == 404
    assert Task.objects.filter(pk=task.pk).exists() and not Submission.objects.exists()


def test_a_lead_sees_every_service_but_edits_none(town):
    client = client_for("pilotage.demo")
    page = client.get("/diagnostic/").content.decode()
    assert ">RH</a>" in page and ">DSI</a>" in page
    assert client.post(f"/diagnostic/services/{town['dsi'].pk}/transmettre/").status_code == 403
    assert "Ajouter une tâche" not in client.get(f"/diagnostic/services/{town['dsi'].pk}/").content.decode()


def test_the_referent_sees_only_their_services_on_the_progress_page(town):
    page = client_for("referent.rh").get("/diagnostic/").content.decode()
    assert ">RH</a>" in page and ">DSI</a>" not in page
    assert "Diagnostic numérique</a>" in page  # the menu entry


def test_the_menu_entry_is_hidden_from_agents(town):
    page = client_for("agent.demo").get("/charte/").content.decode()
    assert "Diagnostic numérique" not in page


TASK = {
    "title": "Répondre aux questions sur les congés", "tool": "Ciril RH", "frequency_per_month": "25,5",
    "minutes_per_occurrence": "12", "agents": "3", "repetitiveness": "5", "digital_input": "4",
    "personal_data": "on", "comment": "Par téléphone",
}  # fmt: skip


def test_a_referent_fills_their_service_and_sends_it(town):
    client = client_for("referent.rh")
    rh, campaign = town["rh"], town["campaign"]
    response = client.post(f"/diagnostic/services/{rh.pk}/taches/ajouter/", TASK)
    assert response.status_code == 302
    task = Task.objects.get(service=rh)
    assert (task.campaign, task.frequency_per_month, task.personal_data) == (campaign, Decimal("25.50"), True)
    assert task.decision_about_people is False
    tool = {"name": "Ciril RH", "use": "Paie et carrière", "hosting": "saas", "users": "5", "satisfaction": "2"}
    assert client.post(f"/diagnostic/services/{rh.pk}/outils/ajouter/", tool).status_code == 302
    practice = {"skills_level": "3", "skills": "Bureautique", "needs": "Formation au tableur"}
    assert client.post(f"/diagnostic/services/{rh.pk}/pratiques/", practice).status_code == 302
    assert Practice.objects.get(service=rh).skills_level == 3
    page = client.get(f"/diagnostic/services/{rh.pk}/").content.decode()
    assert "Complet, à transmettre" in page
    assert "Réponse dans la base de connaissances de Relais" in page
    assert client.post(f"/diagnostic/services/{rh.pk}/transmettre/").status_code == 302
    assert Submission.objects.get(service=rh).submitted_by.username == "referent.rh"
    progress = client_for("pilotage.demo").get("/diagnostic/").content.decode()
    assert "Transmis" in progress and "1 service sur 2 a transmis" in progress


def test_form_errors_are_listed_in_french_and_the_same_task_twice_is_refused(town):
    client = client_for("referent.rh")
    rh = town["rh"]
    bad = {**TASK, "repetitiveness": "9", "frequency_per_month": "beaucoup"}
    page = client.post(f"/diagnostic/services/{rh.pk}/taches/ajouter/", bad).content.decode()
    assert 'role="alert"' in page
    assert "Fréquence par mois : Saisissez un nombre." in page
    assert "Répétitivité : Sélectionnez un choix valide." in page
    client.post(f"/diagnostic/services/{rh.pk}/taches/ajouter/", TASK)
    page = client.post(f"/diagnostic/services/{rh.pk}/taches/ajouter/", TASK).content.decode()
    assert "Ce service a déjà une tâche de ce nom." in page
    assert Task.objects.filter(service=rh).count() == 1


def test_the_edit_form_shows_french_decimals_and_labels(town):
    page = client_for("admin").get(f"/diagnostic/services/{town['dsi'].pk}/taches/{town['task'].pk}/").content.decode()
    assert 'value="80,00"' in page
    assert '<label for="id_title">Tâche *</label>' in page
    assert 'aria-describedby="id_decision_about_people_helptext"' in page


def test_opportunities_page_ranks_with_its_method_heat_map_and_tables(town):
    page = client_for("pilotage.demo").get("/diagnostic/opportunites/").content.decode()
    assert "Heures par an</strong> = fréquence par mois × 12 × minutes par occurrence ÷ 60" in page
    assert '<svg class="chart" id="carte-heures" role="img"' in page
    assert '<caption id="tableau-carte-heures">Heures par an par service et par recommandation</caption>' in page
    assert "Réinitialiser les mots de passe" in page and "Automatisation hors Relais" in page


def test_the_service_page_has_a_radar_with_its_table(town):
    page = client_for("admin").get(f"/diagnostic/services/{town['dsi'].pk}/").content.decode()
    assert '<svg class="chart" id="radar-maturite" role="img"' in page
    assert "Outils (satisfaction) : 3,0 sur 5; Compétences numériques : — sur 5" in page
    assert '<th scope="row">DSI</th><td class="num">3,0</td><td class="num">—</td><td class="num">5,0</td>' in page


def test_downloads_are_the_template_and_the_visible_tasks(town):
    Task.objects.create(
        campaign=town["campaign"], service=town["rh"], title="Préparer la paie", frequency_per_month=1,
        minutes_per_occurrence=600, repetitiveness=4, digital_input=4,
    )  # fmt: skip
    template = client_for("referent.rh").get("/diagnostic/modele.csv")
    assert template["Content-Disposition"] == 'attachment; filename="diagnostic-modele.csv"'
    assert template.content.decode("utf-8") == "\ufeff" + ";".join(HEADERS) + "\r\n"
    own = client_for("referent.rh").get("/diagnostic/taches.ods")
    rows, errors = parse(read_rows("t.ods", own.content))
    assert errors == [] and [r.title for r in rows] == ["Préparer la paie"]
    everything = client_for("pilotage.demo").get("/diagnostic/taches.csv").content
    assert [r.title for r in parse(read_rows("t.csv", everything))[0]] == [
        "Réinitialiser les mots de passe",
        "Préparer la paie",
    ]


def test_the_report_is_downloaded_by_those_who_see_every_service(town):
    lead = client_for("pilotage.demo")
    index = lead.get("/diagnostic/").content.decode()
    assert 'href="/diagnostic/rapport.pdf"' in index and 'href="/diagnostic/rapport.html"' in index
    page = lead.get("/diagnostic/rapport.html")
    assert page.status_code == 200 and "Réinitialiser les mots de passe" in page.content.decode()
    pdf = client_for("admin").get("/diagnostic/rapport.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "diagnostic-numerique-" in pdf["Content-Disposition"]
    # A référent sees their services only: the report, which covers all of them, is not for them.
    referent = client_for("referent.rh")
    assert "rapport.pdf" not in referent.get("/diagnostic/").content.decode()
    assert referent.get("/diagnostic/rapport.html").status_code == 403
    assert client_for("agent.demo").get("/diagnostic/rapport.pdf").status_code == 403
    assert lead.get("/diagnostic/rapport.docx").status_code == 404
